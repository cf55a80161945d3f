"""Real `implhub serve` processes on one store, as a team runs them behind a load balancer.

`Servers(db_url, tmp_path).start(2)` starts two servers on free loopback ports sharing the store
and the secret key (so a cookie signed by one is accepted by the other, as behind a balancer);
`stop()` ends exactly the processes it started."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.net import free_port

IMPLHUB = Path(sys.executable).parent / "implhub"


class Servers:
    def __init__(self, db_url: str, tmp_path: Path) -> None:
        self.db_url = db_url
        self.tmp_path = tmp_path
        self.procs: list[subprocess.Popen[bytes]] = []
        self.urls: list[str] = []

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("IMPLHUB_")}
        env.update({"IMPLHUB_DATABASE_URL": self.db_url, "IMPLHUB_DATA_DIR": str(self.tmp_path / "data"),
                    "IMPLHUB_SECRET_KEY": "shared-secret-of-the-team-" + "x" * 20, "IMPLHUB_USER": "server@example.com"})
        return env

    def start(self, count: int = 2, *extra: str) -> list[str]:
        for _ in range(count):
            port = free_port()
            log = open(self.tmp_path / f"server{len(self.procs)}.log", "wb")  # noqa: SIM115 - kept open for the process
            proc = subprocess.Popen([str(IMPLHUB), "serve", "--host", "127.0.0.1", "--port", str(port), *extra],
                                    env=self.env(), stdout=log, stderr=subprocess.STDOUT)
            self.procs.append(proc)
            self.urls.append(f"http://127.0.0.1:{port}")
        for url, proc in zip(self.urls, self.procs, strict=True):
            self._wait(url, proc)
        return self.urls

    def _wait(self, url: str, proc: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise AssertionError(f"implhub serve exited with {proc.returncode}: {self.logs()}")
            try:
                if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"implhub serve at {url} did not answer within 60 s: {self.logs()}")

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-2000:] for p in sorted(self.tmp_path.glob("server*.log")))

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.procs.clear()
