"""The web fixtures (app on the test store, seeded accounts) for the exit and documents pages."""

from tests.web.conftest import app, browser, clock, seed  # noqa: F401
