"""The exit capability's part of the demo: two human-judgement criteria signed off by named
stakeholders with links (admins trained, features working); the rest stay as the evidence
decides. The demo's evidence is simulated, so it decides nothing: the criteria it would meet are
shown not met and labelled "simulated: would meet"."""

from __future__ import annotations

from implhub.app import exit_criteria as svc
from implhub.app.context import Ctx
from implhub.app.demo_env import DemoEnv
from implhub.store.models import Project

SIGN_OFFS = [
    (2, "Luis Ortega", "https://wiki.northwind.example/sourcegraph/admin-training-2026-12",
     "three admins trained; session recording and checklist on the wiki"),
    (4, "Priya Raman", "https://wiki.northwind.example/sourcegraph/feature-checklist",
     "search, code intel, insights and batch changes checked on staging with the UAT group"),
]


def seed(ctx: Ctx, project: Project, env: DemoEnv) -> list[str]:
    for number, by, url, reason in SIGN_OFFS:
        svc.sign(ctx, slug=project.slug, number=number, by=by, evidence_url=url, reason=reason)
    report = svc.evaluate(ctx, project)
    done = [c for c in report["criteria"] if c["status"] != "not_met"]
    would = [str(c["number"]) for c in report["criteria"] if c.get("simulated_would_meet")]
    return [f"exit criteria: {len(done)} of 9 met or waived (criteria 2 and 4 signed off); simulated evidence never decides: "
            + (f"{'criteria' if len(would) > 1 else 'criterion'} {', '.join(would)} {'are' if len(would) > 1 else 'is'} "
               f"not met, labelled 'simulated: would meet'; " if would else "")
            + f"see 'implhub exit-criteria {project.slug}'"]
