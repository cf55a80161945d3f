"""`implhub serve --forwarded-allow-ips`: X-Forwarded-For is believed only from the proxies named
(uvicorn alone trusts it from loopback, which let anyone on the host pick their address)."""

from __future__ import annotations

from typing import Any

import pytest

from implhub.errors import ValidationError


def _uvicorn_kwargs(monkeypatch: pytest.MonkeyPatch, **kw: Any) -> dict[str, Any]:
    import uvicorn

    from implhub.cli.serve import run_server

    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: seen.update(kwargs))
    monkeypatch.setattr("implhub.cli.serve.check_port", lambda host, port: None)
    run_server(host="127.0.0.1", port=8830, **kw)
    return seen


def test_forwarded_headers_are_ignored_unless_a_proxy_is_named(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    assert _uvicorn_kwargs(monkeypatch)["proxy_headers"] is False
    named = _uvicorn_kwargs(monkeypatch, forwarded_allow_ips="10.0.0.5, 10.1.0.0/16")
    assert named["proxy_headers"] is True and named["forwarded_allow_ips"] == "10.0.0.5,10.1.0.0/16"


def test_a_proxy_that_is_not_an_address_is_refused_with_the_option_named(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError) as exc:
        _uvicorn_kwargs(monkeypatch, forwarded_allow_ips="10.0.0.5,proxy.internal")
    assert exc.value.field == "--forwarded-allow-ips" and "proxy.internal" in exc.value.message


def test_the_cli_exits_2_for_a_bad_proxy_address(cli) -> None:
    result = cli("serve", "--port", "0", "--forwarded-allow-ips", "not-an-ip")
    assert result.exit_code == 2 and "--forwarded-allow-ips" in result.output
