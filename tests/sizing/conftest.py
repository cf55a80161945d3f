"""The web fixtures (app, seed, clock) for the sizing tab's tests."""

from tests.web.conftest import app, clock, seed  # noqa: F401
