"""The planning engine: plan template -> tasks for a design; working-day scheduler, critical
path, forecast from actuals, health; views and exports. Pure: data in, data out."""

from implhub.planning.model import (
    HEALTHS,
    STATUSES,
    Dependency,
    PlanTask,
    ScheduledTask,
    TemplateTask,
)

__all__ = ["HEALTHS", "STATUSES", "Dependency", "PlanTask", "ScheduledTask", "TemplateTask"]
