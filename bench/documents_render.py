"""How much each output format costs, measured side by side on one populated project: the exit
criteria evaluation, and the internal document and external plan as Markdown, HTML and PDF.
Prints medians and the ratios to Markdown (the engine's own work) in one run.

    .venv/bin/python bench/documents_render.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def median_seconds(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from tests.documents.evidence import populate

    from implhub.app import documents, exit_criteria, plan, projects
    from implhub.app.context import Ctx
    from implhub.app.demo import demo_tdd_text
    from implhub.settings import load_settings
    from implhub.store import open_store

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        store = open_store(url)
        settings = load_settings({"IMPLHUB_DATA_DIR": tmp, "IMPLHUB_DATABASE_URL": url})
        with store.session() as session:
            ctx = Ctx(session=session, settings=settings, actor="bench")
            project = projects.create(ctx, text=demo_tdd_text(), filename="demo.yaml", slug="bench").project
            populate(ctx, project)
            plan.generate(ctx, project=project)
            results: dict[str, float] = {
                "exit criteria": median_seconds(lambda: exit_criteria.evaluate(ctx, project), args.repeat)}
            for doc in ("internal", "plan"):
                for fmt in ("md", "html", "pdf"):
                    results[f"{doc} {fmt}"] = median_seconds(
                        lambda d=doc, f=fmt: documents.render_doc(ctx, slug="bench", doc=d, fmt=f), args.repeat)
        store.dispose()

    print(f"median of {args.repeat} runs each")
    print(f"{'what':<16}{'seconds':>10}{'x md':>8}")
    for name, secs in results.items():
        doc = name.split()[0]
        base = results.get(f"{doc} md")
        ratio = f"{secs / base:>8.1f}" if base and name != f"{doc} md" and doc in ("internal", "plan") else f"{'':>8}"
        print(f"{name:<16}{secs:>10.3f}{ratio}")
    print(f"exit criteria evaluation is {results['exit criteria'] / results['internal md']:.2f} x the internal document in Markdown")


if __name__ == "__main__":
    main()
