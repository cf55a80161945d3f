"""Portfolio rows ready before anyone asks: computed and rendered when a server (or a worker of
`serve --workers N`) starts, before it accepts requests, and for the next day shortly before
midnight (UTC, the day of the rows' cache key), so neither a start nor a new day makes users
wait for every row at once. A change still recomputes its project's row on the next request.

At start the page templates are compiled too and the viewers' roles indexed: measured on 200
implementations, a worker's first portfolio request otherwise spent about 150 ms compiling
templates, 140 ms rendering rows and 50 ms reading every design for the viewer's roles, while the
first users queued behind it."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable

from implhub.app.context import Ctx
from implhub.settings import Settings
from implhub.store import Store

log = logging.getLogger("implhub.web")
#: how long before midnight the next day's rows are computed
AHEAD = dt.timedelta(minutes=2)


def warm(store: Store, settings: Settings, clock: Callable[[], dt.datetime], *, templates: bool = False) -> int:
    """Compute every listed project's portfolio row as of `clock()` and render it for each role a
    viewer can have on it; `templates`: compile every page template first. The number of rows."""
    if templates:
        compile_templates()
    from implhub.web.routes import projects as project_pages

    with store.session() as session:
        ctx = Ctx(session=session, settings=settings, actor="system", via="system", clock=clock)
        listed = project_pages.prerender_rows(ctx)  # computes the rows it renders
        session.rollback()  # computing rows changes nothing; keep it that way
        return listed


def compile_templates() -> int:
    """Load (parse and compile) every page template once; the number loaded."""
    from implhub.web.app import templates

    env = templates.env
    names = [n for n in env.list_templates() if n.endswith(".html")]
    for name in names:
        env.get_template(name)
    return len(names)


def next_midnight(now: dt.datetime) -> dt.datetime:
    return dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(), tzinfo=now.tzinfo or dt.UTC)


def start_day_warmer(store: Store, settings: Settings, clock: Callable[[], dt.datetime]) -> threading.Event:
    """A daemon thread computing tomorrow's rows AHEAD of midnight; set the event to stop it."""
    stop = threading.Event()

    def run() -> None:
        while not stop.is_set():
            midnight = next_midnight(clock())
            if stop.wait(max(0.0, (midnight - AHEAD - clock()).total_seconds())):
                return
            try:
                warm(store, settings, _fixed(midnight))
            except Exception:  # a failed warm-up only means the first request computes the rows
                log.exception("computing tomorrow's portfolio rows failed")
            if stop.wait(max(0.0, (midnight - clock()).total_seconds()) + 1):
                return

    threading.Thread(target=run, name="implhub-day-warmer", daemon=True).start()
    return stop


def _fixed(at: dt.datetime) -> Callable[[], dt.datetime]:
    return lambda: at
