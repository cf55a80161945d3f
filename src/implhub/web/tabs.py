"""The project page's tabs. Each area module registers its tab at import time."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from implhub.app.context import Ctx
from implhub.store.models import Project


@dataclass(frozen=True)
class Tab:
    key: str
    title: str
    template: str
    #: builds the template's variables; called only for principals allowed to see the tab
    context: Callable[[Ctx, Project], dict[str, Any]]
    order: int = 100
    #: False: the customer portal may show this tab (it must then show only external items)
    internal_only: bool = True


TABS: dict[str, Tab] = {}


def register_tab(tab: Tab) -> None:
    TABS[tab.key] = tab


def ordered() -> list[Tab]:
    return sorted(TABS.values(), key=lambda t: (t.order, t.key))


#: the request the project page is rendering, for tabs whose content depends on query parameters
#: (filters, a revision pair): `current_request.get()` inside a Tab.context; None outside a page
current_request: ContextVar[Any] = ContextVar("implhub_tab_request", default=None)


def query_param(name: str, default: str = "") -> str:
    """A query parameter of the page being rendered (for tab filters)."""
    request = current_request.get()
    if request is None:
        return default
    return str(request.query_params.get(name, default))
