"""The codestats capability's part of the demo: a small generated corpus of Northwind's
repositories (bare, laid out as a Sourcegraph gitserver keeps them), scanned with the real
scanner, and a simulated snapshot of the staging instance consistent with the design and with
where the demo plan stands (code hosts being connected on the non-production environments;
production is not built yet, so there is no production snapshot)."""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

from implhub.app import codestats
from implhub.app.context import Ctx
from implhub.app.demo_env import DemoEnv
from implhub.store.models import Project
from implhub.vocab import EnvironmentKind

PY = '''"""{title}."""

from __future__ import annotations

import logging
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass
class {cls}:
    """One {noun} as the {team} team tracks it."""

    id: str
    weight_kg: float
    # {noun}s under 1 kg travel as letters
    express: bool = False

    def cost(self, rate: float) -> float:
        """Price in dollars at the given rate per kg."""
        if self.weight_kg < 1:
            return round(rate * 0.5, 2)
        return round(self.weight_kg * rate * ({factor} if self.express else 1.0), 2)


def load(rows: list[dict[str, str]]) -> list[{cls}]:
    out = []
    for row in rows:
        out.append({cls}(row["id"], float(row["weight"]), row.get("express") == "1"))
    log.info("loaded %d {noun}s", len(out))
    return out
'''

GO = '''package {pkg}

import (
	"context"
	"fmt"
	"time"
)

// {cls} routes {noun}s between depots.
type {cls} struct {{
	Depot   string
	Timeout time.Duration
}}

/*
New returns a {cls} with the default timeout.
The depot code is the IATA-like code the {team} team uses.
*/
func New(depot string) *{cls} {{
	return &{cls}{{Depot: depot, Timeout: {n} * time.Second}}
}}

// Route picks the next hop.
func (r *{cls}) Route(ctx context.Context, dest string) (string, error) {{
	if dest == "" {{
		return "", fmt.Errorf("no destination for depot %s", r.Depot)
	}}
	select {{
	case <-ctx.Done():
		return "", ctx.Err()
	default:
	}}
	return fmt.Sprintf("%s->%s", r.Depot, dest), nil
}}
'''

TS = '''// {title}
import {{ api }} from "./api";

/**
 * A {noun} as the tracking portal shows it.
 */
export interface {cls} {{
  id: string;
  status: "created" | "in_transit" | "delivered";
  etaMinutes: number;
}}

export async function load{cls}(id: string): Promise<{cls}> {{
  const res = await api.get(`/{noun}s/${{id}}`); // {team}
  if (!res.ok) {{
    throw new Error(`cannot load {noun} ${{id}}`);
  }}
  return (await res.json()) as {cls};
}}

export function late(p: {cls}): boolean {{
  return p.status !== "delivered" && p.etaMinutes > {n};
}}
'''

JAVA = '''package com.northwind.{pkg};

import java.math.BigDecimal;
import java.util.List;

/**
 * {title}.
 */
public final class {cls} {{
    private final List<BigDecimal> amounts;

    public {cls}(List<BigDecimal> amounts) {{
        this.amounts = amounts;
    }}

    // total in cents, rounded half up
    public BigDecimal total() {{
        BigDecimal sum = BigDecimal.ZERO;
        for (BigDecimal a : amounts) {{
            sum = sum.add(a);
        }}
        return sum.setScale({n}, java.math.RoundingMode.HALF_UP);
    }}
}}
'''

YAML = '''# {title}
service: {pkg}
replicas: {n}
resources:
  cpu: "{n}00m"
  memory: 512Mi
'''

MD = '''# {title}

Owned by the {team} team. Run `make test` before sending a merge request.

## Layout

- `src/`: the service
- `deploy/`: Helm values
'''

SH = '''#!/usr/bin/env bash
# {title}: build and push the image
set -euo pipefail

tag="${{1:-dev}}"
docker build -t "registry.northwind.example/{pkg}:${{tag}}" .
docker push "registry.northwind.example/{pkg}:${{tag}}"
'''

NOUNS = ["parcel", "pallet", "container", "route", "invoice", "depot", "driver", "manifest"]
TEAMS = ["platform", "data", "billing", "web", "routing"]

#: gitserver path -> (file templates, how many source files)
REPOS = {
    "gitlab.northwind.example/platform/shipment-router": [("go", GO, 14), ("yaml", YAML, 4), ("sh", SH, 2), ("md", MD, 1)],
    "gitlab.northwind.example/billing/invoicing": [("java", JAVA, 16), ("yaml", YAML, 3), ("md", MD, 1)],
    "github.northwind.example/data/etl-pipelines": [("py", PY, 18), ("sh", SH, 3), ("md", MD, 1)],
    "gitlab.northwind.example/web/tracking-portal": [("ts", TS, 20), ("md", MD, 1)],
}


def _fast_import_stream(files: dict[str, bytes]) -> bytes:
    out = [b"commit refs/heads/main\n", b"author Northwind CI <ci@northwind.example> 1793520000 +0000\n",
           b"committer Northwind CI <ci@northwind.example> 1793520000 +0000\n", b"data 15\nInitial import\n\n"]
    for path, data in sorted(files.items()):
        out.append(f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n")
    return b"".join(out) + b"\n"


def build_corpus(root: Path, seed: int) -> list[Path]:
    """Write the demo repositories as bare repositories under root (one <repo>/.git each)."""
    rng = random.Random(seed)
    made = []
    for name, parts in REPOS.items():
        files: dict[str, bytes] = {}
        for ext, template, count in parts:
            for i in range(count):
                noun = rng.choice(NOUNS)
                values = {"title": f"{noun.title()} handling, part {i + 1}", "cls": f"{noun.title()}{['Store', 'Router', 'Batch', 'View'][i % 4]}",
                          "noun": noun, "team": rng.choice(TEAMS), "pkg": name.rsplit("/", 1)[-1].replace("-", ""),
                          "n": rng.randint(2, 9), "factor": rng.choice([1.5, 1.8, 2.0])}
                if ext == "md":
                    path = "README.md"
                elif ext == "yaml":
                    path = f"deploy/values-{i}.yaml"
                elif ext == "sh":
                    path = f"scripts/build-{i}.sh"
                else:
                    path = f"src/{noun}_{i}.{ext}"
                files[path] = template.format(**values).encode()
        git_dir = root / name / ".git"
        git_dir.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "init", "-q", "--bare", str(git_dir)], check=True, capture_output=True)
        subprocess.run(["git", "--git-dir", str(git_dir), "symbolic-ref", "HEAD", "refs/heads/main"], check=True)
        subprocess.run(["git", "--git-dir", str(git_dir), "fast-import", "--quiet"], input=_fast_import_stream(files),
                       check=True, capture_output=True)
        made.append(git_dir)
    return made


def seed(ctx: Ctx, project: Project, env: DemoEnv) -> list[str]:
    """Scan the generated corpus and add a simulated snapshot of the non-production instance."""
    root = env.workdir / "codestats" / "gitserver"
    if not root.exists():
        build_corpus(root, env.seed)
    result = codestats.scan(ctx, paths=[str(root)], project=project.slug, jobs=1, simulated=True,
                            source="scan of the generated demo corpus (4 bare repositories)")
    t = result["totals"]
    design = project.design_model
    scale = design.scale
    # the staging instance, as if it had synced the design's repositories: gitserver holds
    # packed history, of which the default branches' indexable text is taken as about 8%; lines
    # follow at the density (lines per byte) the demo scan measured
    total_bytes = int(scale.total_repo_size_gb * 1e9)
    lines_per_byte = t["indexable_lines"] / max(1, t["indexable_bytes"])
    total = scale.repositories
    rng = random.Random(env.seed)
    failed, cloning = rng.randint(5, 15), rng.randint(10, 40)
    stats = {"gitDirBytes": total_bytes, "indexedLinesCount": int(total_bytes * 0.08 * lines_per_byte), "total": total,
             "cloned": total - failed - cloning, "cloning": cloning, "notCloned": cloning, "failedFetch": failed,
             "indexed": total - failed - cloning - rng.randint(20, 60), "corrupted": 0}
    hosts = [{"kind": str(h.kind).upper().replace("-ENTERPRISE", "").replace("-", ""), "name": f"{h.kind} {h.url}",
              "repositories": h.repositories, "last_sync_error": None, "last_sync_at": ctx.now().isoformat(), "id": f"demo-{i}"}
             for i, h in enumerate(design.code_hosts, 1)]
    snapshot = {"url": design.deployment.instance_url or "https://sourcegraph.example", "version":
                design.deployment.sourcegraph_version or "6.4.0", "repository_stats": stats, "code_hosts": hosts,
                "users": 50, "missing_fields": []}
    # where the plan stands: code hosts connected on staging, prod not built yet
    prod = next((e.name for kind in (EnvironmentKind.staging, EnvironmentKind.dev, EnvironmentKind.prod)
                 for e in project.environments if e.kind == kind), None)
    lines = [f"code statistics: scanned {t['repositories']} generated repositories ({t['code']:,} lines of code, "
             f"{len(result['languages'])} languages) - simulated"]
    if prod:
        codestats.record_snapshot(ctx, project=project, environment=prod, snapshot=snapshot, simulated=True)
        lines.append(f"instance snapshot on {prod}: {stats['cloned']:,}/{total:,} repositories cloned, "
                     f"{stats['indexedLinesCount']:,} lines indexed - simulated")
    return lines
