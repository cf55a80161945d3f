"""`implhub serve` refuses a bad or busy port with a message and exit code 2, before starting."""

from __future__ import annotations

import socket


def test_a_port_out_of_range_is_refused(cli) -> None:
    for port in ("-1", "70000"):
        result = cli("serve", "--host", "127.0.0.1", "--port", port)
        assert result.exit_code == 2, result.output
        assert "--port" in result.stderr and port in result.stderr


def test_a_port_in_use_is_refused(cli) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        result = cli("serve", "--host", "127.0.0.1", "--port", str(port))
    assert result.exit_code == 2, result.output
    assert f"port {port} on 127.0.0.1 is in use" in " ".join(result.stderr.split())
