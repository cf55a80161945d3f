"""A project whose customer name and risks hold what a hostile editor would type: markup that
would read a server file into a PDF, run script in a browser, fetch a URL during a PDF render,
or put a phishing link in the customer's plan. The tests of documents, reports and the web app
render it and check that every one of them comes out as text."""

from __future__ import annotations

import http.server
import io
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

SLUG = "hostile-corp"
SCRIPT = "<script>alert('script')</script>"
ONERROR = "<img src=x onerror=alert('onerror')>"
PHISH = "[Reset your SSO password](http://phish.example/reset)"
JS_LINK = "[open me](javascript:alert('link'))"


def attachment(secret: Path) -> str:
    return f'<a rel="attachment" href="file://{secret}">k</a>'


def customer_name(secret: Path) -> str:
    return f"Acme {SCRIPT} {ONERROR} {attachment(secret)}"


@dataclass
class Hostile:
    slug: str
    secret: Path
    secret_text: str
    customer: str
    risk_titles: list[str] = field(default_factory=list)


def hostile_tdd(base_tdd: str, secret: Path) -> str:
    """The demo TDD with a hostile customer name."""
    yaml = YAML()
    data = yaml.load(base_tdd)
    data["customer"]["name"] = customer_name(secret)
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def create(ctx: Any, *, base_tdd: str, tmp_path: Path, image_port: int, plan: bool = True) -> Hostile:
    """The hostile project, with external risks carrying the payloads (and a generated plan)."""
    from implhub.app import projects, reporting

    secret = tmp_path / "secret_key"
    secret_text = "SECRET-KEY-MATERIAL-0c1d2e3f"
    secret.write_text(secret_text)
    projects.create(ctx, text=hostile_tdd(base_tdd, secret), filename="hostile.yaml", slug=SLUG)
    titles = [
        f"Key leak {attachment(secret)}",
        f"Script {ONERROR} {SCRIPT}",
        f"Picture ![x](http://127.0.0.1:{image_port}/a.png) fetched",
        f"Phish {PHISH}",
        f"Script link {JS_LINK}",
    ]
    for title in titles:
        reporting.add_entry(ctx, slug=SLUG, kind="risk", values={
            "title": title, "visibility": "external", "probability": "high", "impact": "high",
            "mitigation": f"mitigate {ONERROR} {attachment(secret)}"})
    if plan:
        from implhub.app import plan as plan_app

        plan_app.generate(ctx, project=SLUG)
    return Hostile(slug=SLUG, secret=secret, secret_text=secret_text, customer=customer_name(secret), risk_titles=titles)


class _Recorder(http.server.BaseHTTPRequestHandler):
    requests: list[str]

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        self.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return None


@contextmanager
def image_server() -> Iterator[tuple[int, list[str]]]:
    """A real HTTP server on loopback that records every request (the images nobody may fetch)."""
    requests: list[str] = []
    handler = type("Recorder", (_Recorder,), {"requests": requests})
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield port, requests
    finally:
        server.shutdown()
        server.server_close()


def pdf_findings(data: bytes, secret_text: str) -> list[str]:
    """What a PDF must not hold: embedded files, file-attachment annotations, the secret's bytes."""
    import zlib

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    found = [f"embedded file {name!r}" for name in reader.attachments]
    for number, page in enumerate(reader.pages, 1):
        for annot in page.get("/Annots") or []:
            obj = annot.get_object()
            if obj.get("/Subtype") == "/FileAttachment":
                found.append(f"file attachment annotation on page {number}")
            uri = str((obj.get("/A") or {}).get("/URI", ""))
            if uri and not uri.startswith(("http://", "https://")):
                found.append(f"link to {uri!r} on page {number}")
    # the secret, in the clear or inside any compressed stream
    blobs = [data]
    for obj_stream in _streams(data):
        try:
            blobs.append(zlib.decompress(obj_stream))
        except zlib.error:
            continue
    if any(secret_text.encode() in b for b in blobs):
        found.append("the secret file's content")
    return found


def _streams(data: bytes) -> Iterator[bytes]:
    start = 0
    while (i := data.find(b"stream", start)) != -1:
        begin = i + len(b"stream")
        begin += 2 if data[begin:begin + 2] == b"\r\n" else 1
        end = data.find(b"endstream", begin)
        if end == -1:
            return
        yield data[begin:end].rstrip(b"\r\n")
        start = end + len(b"endstream")
