"""All tables. Each area has its own module; every module is imported here so Alembic and
`Base.metadata` see the whole schema."""

from implhub.store.models import (  # noqa: F401,E402
    accounts,
    codestats,
    concurrency,
    exit,
    loadtest,
    plan,
    replica,
    reporting,
    rightsize,
    sizing,
)
from implhub.store.models.base import Base
from implhub.store.models.core import (
    ActivityEntry,
    DesignRevision,
    EnvironmentRow,
    Evidence,
    Project,
)

__all__ = ["Base", "Project", "DesignRevision", "EnvironmentRow", "Evidence", "ActivityEntry"]
