"""The web fixtures (app, browser, seed) for the code statistics tab tests."""

from tests.web.conftest import app, browser, clock, seed  # noqa: F401
