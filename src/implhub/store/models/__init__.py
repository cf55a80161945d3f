"""All tables. Each area has its own module; every module is imported here so Alembic and
`Base.metadata` see the whole schema."""

from implhub.store.models.base import Base
from implhub.store.models.core import ActivityEntry, DesignRevision, EnvironmentRow, Evidence, Project
from implhub.store.models import plan, sizing, codestats, accounts, loadtest, replica, exit, reporting, rightsize  # noqa: F401,E402

__all__ = ["Base", "Project", "DesignRevision", "EnvironmentRow", "Evidence", "ActivityEntry"]
