"""`implhub serve --port N`: the links the app hands out point at the server that was started."""

from __future__ import annotations

from typing import Any

import pytest


def _started(monkeypatch: pytest.MonkeyPatch, **kw: Any) -> Any:
    import uvicorn

    from implhub.cli.serve import run_server

    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **_: seen.setdefault("app", app))
    monkeypatch.setattr("implhub.cli.serve.check_port", lambda host, port: None)  # nothing is bound here
    run_server(**kw)
    return seen["app"].state.settings


def test_share_links_follow_the_served_port(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IMPLHUB_BASE_URL", raising=False)
    assert _started(monkeypatch, host="127.0.0.1", port=8830).base_url == "http://127.0.0.1:8830"
    assert _started(monkeypatch, host="0.0.0.0", port=9000).base_url == "http://127.0.0.1:9000"


def test_a_configured_base_url_wins(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMPLHUB_BASE_URL", "https://implhub.example.com")
    assert _started(monkeypatch, host="127.0.0.1", port=8830).base_url == "https://implhub.example.com"
