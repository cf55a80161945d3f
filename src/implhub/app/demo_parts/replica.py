"""The replica capability's part of the demo: the replica environment of the demo project, and a
miniature corpus (a handful of small repositories in the demo's work directory) written by the
real engine, scaled down from the design: named under the design's code hosts and groups, holding
the repositories the load profile queries, its shape report kept as simulated evidence."""

from __future__ import annotations

from implhub.app import replica
from implhub.app.context import Ctx
from implhub.app.demo_env import DemoEnv
from implhub.replica import corpus
from implhub.replica.shape import GB, MIN_REPO_BYTES
from implhub.store.models import Project

MINI_REPOS = 8
MINI_TOTAL = 800_000


def seed(ctx: Ctx, project: Project, env: DemoEnv) -> list[str]:
    """Add this capability's demo data to the project; return lines for the newcomer."""
    env_data = replica.plan(ctx, project=project, history=20, seed=env.seed)
    c = env_data["corpus"]
    scale = project.design_model.scale
    share = scale.largest_repo_size_gb / scale.total_repo_size_gb
    largest = max(2 * MINI_TOTAL // MINI_REPOS, 4 * MIN_REPO_BYTES, int(MINI_TOTAL * share))
    mini, _ = replica.spec_for(ctx, project=project, history=6, seed=env.seed, repos=MINI_REPOS,
                               total_gb=MINI_TOTAL / GB, largest_gb=largest / GB, end_date=ctx.now().date().isoformat())
    result = corpus.generate(env.workdir / "replica-corpus", mini, jobs=1)
    report = result.to_dict()
    replica.record_corpus(ctx, project=project, report=report, simulated=True)
    a = report["achieved"]
    hosts = ", ".join(f"{h} ({n})" for h, n in report["hosts"].items())
    return [f"replica environment planned: {c['repositories']:,} repos, {c['total_gb']:g} GB, largest {c['largest_gb']:g} GB "
            f"({c['total_bytes'] / GB:g} GB would need 'implhub replica corpus' on a machine with the disk for it)",
            f"miniature replica corpus, scaled down from the design: {a['repositories']} repos on {hosts}, "
            f"{a['total_bytes']:,} bytes (largest exactly {a['largest_bytes']:,}), newest commit {a['newest_commit']}; "
            f"serve it with 'implhub replica serve {result.out_dir}' (git at /<host>/<group>/<repo>, "
            f"GitLab API at /<host>/api/v4/projects)"]
