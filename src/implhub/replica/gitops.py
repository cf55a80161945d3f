"""The git adapter: create a bare repository, load a fast-import stream, repack, measure, fsck."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, TypeVar

from implhub.errors import ExternalServiceError

T = TypeVar("T")

#: same everywhere: no user or system config changes what gets written
GIT_ENV = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "LC_ALL": "C", "GIT_TERMINAL_PROMPT": "0"}


def git_binary() -> str:
    found = shutil.which("git")
    if found is None:
        raise ExternalServiceError("git is not installed; install git 2.30 or newer")
    return found


def _env(git_dir: Path | None = None) -> dict[str, str]:
    env = {**os.environ, **GIT_ENV}
    if git_dir is not None:
        env["GIT_DIR"] = str(git_dir)
    return env


def run(args: list[str], *, git_dir: Path | None = None, cwd: Path | None = None) -> str:
    proc = subprocess.run([git_binary(), *args], env=_env(git_dir), cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise ExternalServiceError(f"git {' '.join(args)} failed: {proc.stderr.strip() or proc.stdout.strip()}")
    return proc.stdout


def init_bare(path: Path) -> None:
    """A bare repository without sample hooks (an empty template), on branch main."""
    run(["init", "--bare", "-q", "--template=", "-b", "main", str(path)])


def describe(path: Path, text: str) -> None:
    (path / "description").write_text(text, encoding="ascii")


def fast_import(path: Path, feed: Callable[[BinaryIO], T]) -> T:
    """Run one `git fast-import` over the stream `feed` writes."""
    proc = subprocess.Popen([git_binary(), "fast-import", "--quiet", "--done"], env=_env(path),
                            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stdin is not None and proc.stderr is not None
    try:
        result = feed(proc.stdin)  # type: ignore[arg-type]
        proc.stdin.write(b"done\n")
        proc.stdin.close()
    except BrokenPipeError:
        proc.wait()
        raise ExternalServiceError(f"git fast-import stopped early: {proc.stderr.read().decode(errors='replace').strip()}") from None
    err = proc.stderr.read().decode(errors="replace")
    if proc.wait() != 0:
        raise ExternalServiceError(f"git fast-import failed: {err.strip()}")
    return result


def repack(path: Path) -> None:
    """What a git server does after a push: pack the refs, one pack with deltas, no loose objects.
    One thread, so the pack (and its size) is the same on every run."""
    run(["pack-refs", "--all"], git_dir=path)
    run(["-c", "pack.threads=1", "repack", "-a", "-d", "-q"], git_dir=path)


def git_dir_bytes(path: Path) -> int:
    """Apparent size of a bare repository: the sizes of its files added up (directories, whose
    size depends on the filesystem, are not counted)."""
    total = 0
    for root, _dirs, names in os.walk(path):
        for name in names:
            total += os.lstat(os.path.join(root, name)).st_size
    return total


def fsck(path: Path) -> tuple[bool, str]:
    proc = subprocess.run([git_binary(), "fsck", "--full", "--strict", "--no-progress"], env=_env(path),
                          capture_output=True, text=True)
    return proc.returncode == 0 and "error" not in proc.stderr.lower(), (proc.stdout + proc.stderr).strip()


def head_commit(path: Path) -> str:
    """The commit of refs/heads/main, read from packed-refs (no process per repository)."""
    packed = path / "packed-refs"
    if packed.is_file():
        for line in packed.read_text().splitlines():
            if line.endswith(" refs/heads/main"):
                return line.split(" ", 1)[0]
    return run(["rev-parse", "HEAD"], git_dir=path).strip()
