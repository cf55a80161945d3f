"""Intake: the technical design document (TDD), its schema, validation, revisions and the shared
vocabulary (roles, exceptional scale) every other capability uses."""
