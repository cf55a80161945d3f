"""What every command shares: opening the store, the actor, error translation, JSON output."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

import typer
from rich.console import Console

from implhub.app.context import Ctx
from implhub.errors import ExitCode, ImplhubError
from implhub.settings import Settings, load_settings
from implhub.store import Store, open_store

console = Console()
err_console = Console(stderr=True)

_state: dict[str, Any] = {"db": None}
_stores: dict[str, Store] = {}

P = ParamSpec("P")
R = TypeVar("R")


def set_db(url: str | None) -> None:
    _state["db"] = url


def settings() -> Settings:
    return load_settings(database_url=_state["db"])


def store_for(s: Settings) -> Store:
    if s.database_url not in _stores:
        _stores[s.database_url] = open_store(s.database_url)
    return _stores[s.database_url]


@contextmanager
def context(via: str = "cli") -> Iterator[Ctx]:
    """One unit of work for one command: committed when the command succeeds, rolled back on
    any error so bad input leaves the store unchanged."""
    s = settings()
    store = store_for(s)
    with store.session() as session:
        yield Ctx(session=session, settings=s, actor=s.user, via=via)


def handle_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn user-caused errors into a clear message on stderr and exit code 2."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except ImplhubError as exc:
            err_console.print(f"[bold red]error:[/] {exc.render()}", highlight=False, soft_wrap=True)
            raise typer.Exit(int(exc.exit_code)) from None

    return wrapper


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, indent=2, default=str, ensure_ascii=False) + "\n")


def read_file_arg(path: str) -> str:
    """Read a user-named file, or stdin for '-', with a clear error."""
    if path == "-":
        return sys.stdin.read()
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except FileNotFoundError:
        raise ImplhubError("file not found", file=path) from None
    except UnicodeDecodeError:
        raise ImplhubError("expected a UTF-8 text file", file=path) from None
    except IsADirectoryError:
        raise ImplhubError("expected a file, got a directory", file=path) from None


def exit_with(code: ExitCode) -> None:
    raise typer.Exit(int(code))
