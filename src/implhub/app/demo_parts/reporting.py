"""The reporting part of the demo: the design's two risks in the risk log, an open issue the
customer sees, an internal issue, a decision and the expansion opportunity from the design."""

from __future__ import annotations

import datetime as dt

from implhub.app import reporting
from implhub.app.context import Ctx
from implhub.app.demo_env import DemoEnv
from implhub.store.models import Project


def seed(ctx: Ctx, project: Project, env: DemoEnv) -> list[str]:
    slug = project.slug
    reporting.sync_design_risks(ctx, project)
    start = reporting.project_start(ctx, project)
    due = max(ctx.today() + dt.timedelta(days=3), start or ctx.today()).isoformat()
    reporting.add_entry(ctx, slug=slug, kind="issue", values={
        "title": "GitLab service account token lacks read_api on 3 groups", "owner": "CODE_HOST_ADMIN",
        "severity": "high", "due_date": due, "visibility": "external",
        "description": "1,140 repositories in the payments and data groups are not visible to the code host connection."})
    reporting.add_entry(ctx, slug=slug, kind="issue", values={
        "title": "Replica cluster quota request pending with cloud ops", "owner": "IE", "severity": "medium",
        "visibility": "internal"})
    reporting.add_entry(ctx, slug=slug, kind="decision", values={
        "title": "Use gp3 volumes with 500 MB/s throughput for gitserver", "decided_by": "Priya Raman",
        "decided_on": ctx.today(), "visibility": "external",
        "description": "The POC clone of the 85 GB monorepo took 9 hours on gp2."})
    design = project.design_model
    exp = design.expansion
    if exp.requirements:
        reporting.add_entry(ctx, slug=slug, kind="expansion", values={
            "title": "Acquired company's engineers", "description": exp.requirements, "owner": "AE",
            "value": f"{(exp.expected_users or 0) - design.scale.users:,} additional users",
            "visibility": "internal"})
    return ["risk, issue, decision and expansion logs: 2 risks from the design, 2 issues, 1 decision, 1 opportunity"]
