"""The sizing capability's part of the demo: estimates of prod, staging and dev from the demo
design (and the demo's code statistics scan when that part ran first), and a node plan on AWS."""

from __future__ import annotations

from implhub.app import sizing
from implhub.app.context import Ctx
from implhub.app.demo_env import DemoEnv
from implhub.store.models import Project
from implhub.vocab import EnvironmentKind


def seed(ctx: Ctx, project: Project, env: DemoEnv) -> list[str]:
    """Run the real engine on the demo design; store the results as simulated evidence."""
    lines: list[str] = []
    for kind in (EnvironmentKind.prod, EnvironmentKind.staging, EnvironmentKind.dev):
        row = project.environment_of_kind(kind)
        if row is None:
            continue
        name = row.name
        if kind == EnvironmentKind.prod:
            plan = sizing.nodes(ctx, project=project, environment=name, cloud="aws", simulated=True)
            pools = ", ".join(f"{p['count']} x {p['instance_type']}" for p in plan["pools"])
            cost = plan["cost"]
            lines.append(f"sizing: {name} node plan on AWS: {pools}, ${plan['monthly_usd']:,.0f} a month "
                         f"(compute ${cost['compute_usd']:,.0f}, volumes ${cost['storage_usd']:,.0f}, "
                         f"load balancer and EKS ${cost['other_usd']:,.0f}); survives the loss of any one node "
                         f"(the spare costs ${plan['resilience']['spare_monthly_usd']:,.0f})")
            est = sizing.latest_estimate(ctx, project=project, environment=name) or {}
            moved = [x["kind"] for x in est.get("externalized") or []]
            if moved:
                lines.append(f"sizing: externalized in the override: {', '.join(moved)}; storage class "
                             f"{(est.get('storage_class') or {}).get('provisioner')}")
        else:
            result = sizing.estimate(ctx, project=project, environment=name, simulated=True)
            t = result["recommended"]["totals"]
            lines.append(f"sizing: {name} estimate {t['vcpu']:g} vCPU, {t['memory_gb']:g} GB on {t['nodes']} node(s)")
    lines.append(f"sizing: see the Sizing tab, or 'implhub size estimate {project.slug} --env prod'")
    return lines
