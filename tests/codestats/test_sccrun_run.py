"""sccrun.run: the program runner of a scan (os.posix_spawn and raw pipes where POSIX has them,
subprocess otherwise), checked against real programs: exit codes, both streams whole however large,
a program that cannot start, and a working directory."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from implhub.codestats.sccrun import run


def test_exit_code_and_both_streams_come_back_whole() -> None:
    # 3 MB on stdout and 300 KB on stderr, interleaved: more than a pipe holds on either
    code = ("import sys\nfor i in range(3000):\n    sys.stdout.write('o' * 999 + '\\n')\n"
            "    if i % 10 == 0: sys.stderr.write('e' * 999 + '\\n')\nsys.exit(7)")
    status, out, err = run([sys.executable, "-c", code])
    assert status == 7
    assert out == (b"o" * 999 + b"\n") * 3000
    assert err == (b"e" * 999 + b"\n") * 300


def test_stdin_is_empty_and_a_signal_death_is_a_negative_code() -> None:
    status, out, _ = run([sys.executable, "-c", "import sys; print(repr(sys.stdin.read()))"])
    assert (status, out.strip()) == (0, b"''")
    if os.name == "posix":
        status, _, _ = run([sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGTERM)"])
        assert status == -15


def test_a_program_that_cannot_start_raises_oserror_and_leaks_no_descriptor(tmp_path: Path) -> None:
    garbage = tmp_path / "not-a-program"
    garbage.write_bytes(b"\x7fELF\x02\x01\x01" + bytes(64))
    garbage.chmod(0o755)
    before = len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else None
    for argv in ([str(garbage)], [str(tmp_path / "missing")]):
        with pytest.raises(OSError):
            run(argv)
    if before is not None:
        assert len(os.listdir("/proc/self/fd")) == before


def test_a_working_directory_is_honoured(tmp_path: Path) -> None:
    status, out, _ = run([sys.executable, "-c", "import os; print(os.getcwd())"], cwd=str(tmp_path))
    assert status == 0 and out.decode().strip() == os.path.realpath(tmp_path)
