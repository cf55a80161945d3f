"""`implhub serve`: the web app."""

from __future__ import annotations

import dataclasses
import os
import socket
from typing import Any

import typer

from implhub.cli.common import console, handle_errors, settings
from implhub.errors import ValidationError
from implhub.settings import Settings


def check_port(host: str, port: int) -> None:
    """Refuse a port out of range or in use before anything starts (exit 2, named field)."""
    import socket

    if not 0 <= port <= 65535:
        raise ValidationError(f"expected a port from 0 to 65535, got {port}", field="--port")
    try:
        infos = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise ValidationError(f"cannot use the host {host!r}: {exc}", field="--host") from exc
    family, _, _, _, addr = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(addr)
        except OSError as exc:
            raise ValidationError(f"port {port} on {host} is in use or not available ({exc.strerror}); "
                                  "choose another with --port", field="--port") from exc


def parse_forwarded_allow_ips(value: str | None) -> list[str]:
    """The proxies trusted to say who the client is (X-Forwarded-For, X-Forwarded-Proto): IP
    addresses or networks, comma-separated, or * (any: only when nothing else can reach the port)."""
    import ipaddress

    items = [v.strip() for v in (value or "").split(",") if v.strip()]
    for item in items:
        if item == "*":
            continue
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise ValidationError(f"expected IP addresses or networks of the proxy (e.g. 10.0.0.5 or 10.0.0.0/24), got {item!r}",
                                  field="--forwarded-allow-ips") from None
    return items


#: the most worker processes `serve --workers` starts (each holds a pool of store connections)
MAX_WORKERS = 64


def check_workers(workers: int) -> None:
    if not 1 <= workers <= MAX_WORKERS:
        raise ValidationError(f"expected 1 to {MAX_WORKERS} worker processes (about one per CPU core), got {workers}",
                              field="--workers")


def run_server(*, host: str, port: int, forwarded_allow_ips: str | None = None, workers: int = 1) -> None:
    import uvicorn

    proxies = parse_forwarded_allow_ips(forwarded_allow_ips)
    check_workers(workers)
    check_port(host, port)

    from implhub.web.app import create_app

    s = settings()
    if not os.environ.get("IMPLHUB_BASE_URL"):
        # links the app hands out (share links, calendar feeds) point at the server actually started
        shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
        s = dataclasses.replace(s, base_url=f"http://{shown}:{port}")
    # X-Forwarded-For is believed only from the proxies named: otherwise anyone could pick the
    # address sign-in throttling counts against (uvicorn alone would trust it from loopback)
    proxy = {"proxy_headers": bool(proxies), "forwarded_allow_ips": ",".join(proxies) if proxies else None}
    where = f"implhub web app on http://{host}:{port}  (store: {s.database_url.split('@')[-1]})"
    if workers == 1:
        app = create_app(s, warm=True)
        console.print(where, highlight=False)
        uvicorn.run(app, host=host, port=port, log_level="warning", **proxy)  # type: ignore[arg-type]
        return
    prepare_workers(s)
    console.print(f"{where}, {workers} worker processes", highlight=False)
    from uvicorn.supervisors import Multiprocess

    config = uvicorn.Config("implhub.web.app:app_from_environment", factory=True, workers=workers, host=host, port=port,
                            log_level="warning", **proxy)  # type: ignore[arg-type]
    Multiprocess(config, sockets=[listening_socket(config)]).run()


def listening_socket(config: Any) -> socket.socket:
    """The socket the worker processes accept connections on (uvicorn binds it), with no_delay."""
    sock: socket.socket = config.bind_socket()
    no_delay(sock)
    return sock


def no_delay(sock: socket.socket) -> None:
    """Send small writes at once (TCP_NODELAY) on every connection the listening socket accepts
    (Linux copies it to them). The worker processes of `serve --workers` serve a socket bound for
    them, which asyncio does not recognise as TCP (created without naming the protocol), so it
    leaves Nagle's algorithm on: a response's head and body then wait for the client's delayed
    acknowledgement, and every request took 40-45 ms more (measured: /healthz 44 ms with two
    workers against 1 ms with one; 0.95 ms with this)."""
    if sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def prepare_workers(s: Settings) -> None:
    """What the worker processes must share, settled once before they start: the schema (one
    migration, not one race per worker), the session secret (a generated key is written once, so
    a cookie signed by one worker is read by all) and the settings, which workers read from the
    environment they inherit. Sessions, throttling and edits are already decided in the store."""
    from implhub.app.accounts import secret_key
    from implhub.store import open_store

    open_store(s.database_url).dispose()
    os.environ["IMPLHUB_SECRET_KEY"] = secret_key(s)
    os.environ["IMPLHUB_DATABASE_URL"] = s.database_url
    os.environ["IMPLHUB_BASE_URL"] = s.base_url


@handle_errors
def serve_cmd(host: str = typer.Option("127.0.0.1", "--host"), port: int = typer.Option(8000, "--port"),
              forwarded_allow_ips: str = typer.Option(
                  "", "--forwarded-allow-ips",
                  help="addresses or networks of a trusted reverse proxy / load balancer, comma-separated; only "
                       "requests from them may name the client with X-Forwarded-For (default: none, the header is ignored)"),
              workers: int = typer.Option(1, "--workers", help="worker processes serving requests side by side on the "
                                                            "same store (about one per CPU core)")) -> None:
    """Start the web app (default http://127.0.0.1:8000)."""
    run_server(host=host, port=port, forwarded_allow_ips=forwarded_allow_ips or None, workers=workers)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_cmd)
