"""Git repositories on disk: discovery (working trees and bare repositories) and streaming the
default branch's tree and blobs from the object store through `git`, without a checkout."""

from __future__ import annotations

import os
import re
import subprocess
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit


class GitError(Exception):
    """git refused: a corrupt or unreadable repository."""


@dataclass(frozen=True)
class Repo:
    path: str  # what the user sees: the working tree, or the bare repository's directory
    git_dir: str
    bare: bool


@dataclass(frozen=True)
class TreeEntry:
    path: str
    oid: str
    size: int


#: the scanner only reads, so a repository owned by another user (a gitserver disk mounted
#: on an admin's machine) is read rather than refused as "dubious ownership"
GIT = ("git", "-c", "safe.directory=*")


def _git(git_dir: str, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([*GIT, f"--git-dir={git_dir}", *args], capture_output=True, check=False,
                          env={**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"})


def _looks_bare(d: Path) -> bool:
    return (d / "HEAD").is_file() and (d / "objects").is_dir() and (d / "refs").is_dir()


def discover(roots: Iterable[Path]) -> list[Repo]:
    """Every repository under the roots; a repository's own directories are not searched further."""
    found: list[Repo] = []
    seen: set[str] = set()

    def add(path: Path, git_dir: Path, bare: bool) -> None:
        key = os.path.realpath(git_dir)
        if key not in seen:
            seen.add(key)
            found.append(Repo(str(path), str(git_dir), bare))

    for root in roots:
        if (root / ".git").exists():
            gd = root / ".git"
            if gd.is_file():  # a linked worktree or submodule: "gitdir: <path>"
                text = gd.read_text(encoding="utf-8", errors="replace").strip()
                gd = (root / text.split(":", 1)[1].strip()).resolve() if text.startswith("gitdir:") else gd
            add(root, gd, False)
            continue
        if _looks_bare(root):
            add(root, root, True)
            continue
        for dirpath, dirnames, _files in os.walk(root):
            here = Path(dirpath)
            keep = []
            for name in sorted(dirnames):
                d = here / name
                if d.is_symlink():
                    continue
                if (d / ".git").is_dir():
                    # a gitserver keeps <repo>/.git as a bare repository; a clone keeps a work tree
                    add(d, d / ".git", _is_bare(d / ".git"))
                elif (d / ".git").is_file():
                    add(d, d / ".git", False)
                elif _looks_bare(d):
                    add(d, d, True)
                else:
                    keep.append(name)
            dirnames[:] = keep
    return found


_HOST = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+(:\d+)?$", re.IGNORECASE)


def _host_like(segment: str) -> bool:
    return bool(_HOST.match(segment)) and not segment.lower().endswith(".git")


def name_from_url(url: str) -> str | None:
    """`https://gitlab.example.com/group/repo.git`, `git@gitlab.example.com:group/repo.git`,
    `ssh://git@host:22/group/repo` -> `host/group/repo`, as Sourcegraph names the repository.
    Local paths and file:// URLs have no code host: None."""
    url = url.strip()
    scp = re.match(r"^[\w.-]+@([\w.-]+):(?!//)(.+)$", url)
    if scp:
        host, path = scp.group(1), scp.group(2)
    else:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https", "ssh", "git", "git+ssh") or not parts.hostname:
            return None
        host = parts.hostname + (f":{parts.port}" if parts.port and parts.scheme in ("http", "https")
                                 and parts.port not in (80, 443) else "")
        path = parts.path
    path = path.strip("/").removesuffix(".git")
    return f"{host.lower()}/{path}" if path else None


def code_host_name(repo: Repo, roots: Iterable[Path]) -> str | None:
    """The repository's name on its code host: from its `origin` remote, else from a gitserver
    layout under the scanned directory (`<root>/<host>/<org>/<repo>`), never from where the scan
    happens to find it on this disk."""
    remote = _git(repo.git_dir, "config", "--get", "remote.origin.url")
    if remote.returncode == 0:
        name = name_from_url(remote.stdout.decode(errors="replace"))
        if name:
            return name
    where = Path(repo.path).resolve()
    for root in roots:
        try:
            rel = where.relative_to(Path(root).resolve()).parts
        except ValueError:
            continue
        if len(rel) >= 3 and _host_like(rel[0]):
            return "/".join(rel).removesuffix(".git")
    return None


#: in a git directory but not the repository's history: sample hooks from the template (20 KB
#: that would dominate a small repository), a work tree's index, reflogs
_NOT_HISTORY = ("hooks", "index", "logs")


def git_dir_bytes(git_dir: str) -> int:
    """Apparent size of the repository's git directory (packed history, refs, config), as
    Sourcegraph reports gitDirBytes, without sample hooks, the index and reflogs."""
    total = 0
    pending = [git_dir]
    while pending:  # scandir: a directory's entries come with their type, one lstat per file is left
        here = pending.pop()
        try:
            with os.scandir(here) as entries:
                for entry in entries:
                    if here == git_dir and entry.name in _NOT_HISTORY:
                        continue
                    try:
                        if entry.is_dir():  # a link to a directory is neither followed nor counted
                            if not entry.is_symlink():
                                pending.append(entry.path)
                        else:
                            total += entry.stat(follow_symlinks=False).st_size
                    except OSError:
                        continue
        except OSError:
            continue
    return total


def _is_bare(git_dir: Path) -> bool:
    out = _git(str(git_dir), "rev-parse", "--is-bare-repository")
    return out.returncode == 0 and out.stdout.strip() == b"true"


def default_branch(repo: Repo) -> tuple[str | None, str | None]:
    """(branch name, commit) HEAD points at; (name, None) for a repository without commits."""
    ref = _git(repo.git_dir, "symbolic-ref", "-q", "HEAD")
    name = ref.stdout.decode().strip().removeprefix("refs/heads/") or None
    check = _git(repo.git_dir, "rev-parse", "--git-dir")
    if check.returncode != 0:
        raise GitError(check.stderr.decode(errors="replace").strip() or "not a git repository")
    head = _git(repo.git_dir, "rev-parse", "-q", "--verify", "HEAD")
    if head.returncode != 0:
        return name, None  # no commit yet
    oid = head.stdout.decode().strip()
    kind = _git(repo.git_dir, "cat-file", "-t", oid)
    if kind.returncode != 0 or kind.stdout.strip() != b"commit":
        raise GitError(f"HEAD ({name or 'detached'}) points to {oid[:12]}, which the object store does not hold "
                       "as a commit: the repository is corrupt or incomplete")
    return name, oid


def head(repo: Repo) -> tuple[str | None, str | None]:
    """default_branch with one git process in the usual case: the branch name from the HEAD file,
    the commit from `rev-parse --verify HEAD^{commit}`; anything unusual (a detached or packed
    HEAD, no commit yet, a corrupt store) takes default_branch's checks and messages."""
    try:
        text = (Path(repo.git_dir) / "HEAD").read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return default_branch(repo)
    if not text.startswith("ref: refs/heads/"):
        return default_branch(repo)
    out = _git(repo.git_dir, "rev-parse", "-q", "--verify", "HEAD^{commit}")
    if out.returncode != 0:
        return default_branch(repo)
    return text.removeprefix("ref: refs/heads/"), out.stdout.decode().strip()


def iter_tree(repo: Repo, commit: str) -> Iterator[TreeEntry]:
    """Regular files of the commit's tree with their sizes, streamed (symlinks and submodules skipped)."""
    proc = subprocess.Popen([*GIT, f"--git-dir={repo.git_dir}", "ls-tree", "-r", "-l", "-z", "--full-tree", commit],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    buf = b""
    try:
        while True:
            chunk = proc.stdout.read(1 << 16)
            if not chunk:
                break
            buf += chunk
            *records, buf = buf.split(b"\0")
            for rec in records:
                meta, _, path = rec.partition(b"\t")
                mode, kind, oid, size = meta.split()
                if kind != b"blob" or mode == b"120000":
                    continue
                yield TreeEntry(path.decode("utf-8", "surrogateescape"), oid.decode(), int(size))
    finally:
        proc.stdout.close()
        err = proc.stderr.read() if proc.stderr else b""
        rc = proc.wait()
        if rc != 0 and rc != -13:
            raise GitError(err.decode(errors="replace").strip() or f"git ls-tree exited with {rc}")


#: an index entry in `git ls-files -z -s --debug`: mode, path, and the size git recorded
_INDEX_ENTRY = re.compile(rb"(\d{6}) [0-9a-f]+ \d\t([^\0]*)\0(?:[^\n]*\n)*?  size: (\d+)")


def iter_tracked(repo: Repo) -> Iterator[tuple[str, int]]:
    """(path, size) of the regular files git tracks in a working tree, from its index (symlinks and
    submodules skipped; "/" separated as git writes them; the size as of the last `git add` or
    status refresh)."""
    # absolute: git runs in the work tree, where a relative --git-dir would point elsewhere
    git_dir, work_tree = os.path.abspath(repo.git_dir), os.path.abspath(repo.path)
    out = subprocess.run([*GIT, f"--git-dir={git_dir}", f"--work-tree={work_tree}", "ls-files", "-z", "-s", "--debug"],
                         capture_output=True, check=False, cwd=repo.path,
                         env={**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"})
    if out.returncode != 0:
        raise GitError(out.stderr.decode(errors="replace").strip() or f"git ls-files exited with {out.returncode}")
    for m in _INDEX_ENTRY.finditer(out.stdout):
        if m.group(1) in (b"100644", b"100755"):
            yield m.group(2).decode("utf-8", "surrogateescape"), int(m.group(3))


def iter_blobs(git_dir: str, entries: list[TreeEntry]) -> Iterator[tuple[TreeEntry, bytes]]:
    """The entries' contents through one `git cat-file --batch`; one blob in memory at a time."""
    proc = subprocess.Popen([*GIT, f"--git-dir={git_dir}", "cat-file", "--batch"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None

    def feed() -> None:
        assert proc.stdin is not None
        try:
            for e in entries:
                proc.stdin.write(e.oid.encode() + b"\n")
            proc.stdin.close()
        except BrokenPipeError:
            pass

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    out = proc.stdout
    try:
        for e in entries:
            header = out.readline()
            parts = header.split()
            if len(parts) != 3:
                raise GitError(f"cannot read {e.path} ({e.oid}): {header.decode(errors='replace').strip() or 'no answer'}")
            size = int(parts[2])
            data = out.read(size)
            out.read(1)
            yield e, data
    finally:
        writer.join(timeout=5)
        out.close()
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        if proc.stderr:
            proc.stderr.close()
