"""The web tests' fixtures (the app on the test store, seed) for the load-test tab tests."""

from tests.web.conftest import app, clock, seed  # noqa: F401
