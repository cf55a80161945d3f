"""The internal production design document: every part the implementation process names (final
production design with its deviations, resourcing per environment, code statistics,
environments, upgrade procedure and change management, cloud, CI/CD, externalized services,
unique aspects, usage and expansion, POC lessons), filled from the store, with what is missing
as a checklist at the top."""

from __future__ import annotations

from typing import Any

from implhub.documents.facts import Facts, num
from implhub.documents.model import Document, bullets, cell, date_part, missing_block, table
from implhub.sizing.external import document_section

ROLE_TITLES = {"IE": "Implementation Engineer", "IPM": "Implementation Project Manager", "TAM": "Technical Account Manager",
               "CE": "Customer Engineer", "AE": "Account Executive", "LEADERSHIP": "Leadership"}


class _Builder:
    def __init__(self, snapshot: dict[str, Any]) -> None:
        self.f = Facts(snapshot)
        self.snapshot = snapshot
        self.missing: list[str] = []
        self.parts: list[str] = []

    def need(self, section: str, what: str) -> str:
        self.missing.append(f"{section}: {what}")
        return f"*Missing: {what}.*"

    def add(self, text: str) -> None:
        self.parts.append(text.rstrip() + "\n")

    # -- sections -------------------------------------------------------------------------
    def production_design(self) -> None:
        d = self.f.design
        dep = d.get("deployment") or {}
        auth = d.get("authentication") or {}
        self.add("## Production design")
        strategy = dep.get("strategy") or self.need("Production design", "the environment strategy (deployment.strategy in the TDD)")
        self.add(strategy)
        version = dep.get("sourcegraph_version") or self.need("Production design", "the target Sourcegraph version (deployment.sourcegraph_version)")
        url = dep.get("instance_url") or next((e.get("data", {}).get("design", {}).get("url") for e in self.f.environments
                                               if e.get("name") == self.f.prod and e.get("data", {}).get("design", {}).get("url")), None)
        url = url or self.need("Production design", "the production instance URL (deployment.instance_url)")
        rows: list[list[Any]] = [
            ["Deployment method", dep.get("method")],
            ["Sourcegraph version", version],
            ["Kubernetes version", dep.get("kubernetes_version")],
            ["Instance URL", url],
            ["Ingress", dep.get("ingress")],
            ["TLS", dep.get("tls")],
            ["DNS", dep.get("dns")],
            ["Authentication", f"{auth.get('provider')}" + (f" - {auth['notes']}" if auth.get("notes") else "")],
        ]
        self.add(table(["Field", "Value"], rows))
        self.add("### Deviations from the standard deployment")
        est = self.f.estimate(self.f.prod)
        if est is None:
            # counted once, under Resourcing: the estimate brings its deviation list with it
            self.add(f"*Missing: they come with the size estimate for {self.f.prod or 'prod'} (see Resourcing).*\n")
            return
        devs = est.get("deviations") or []
        if not devs:
            self.add("The sizing of production follows the standard deployment: no value differs from the chart "
                     "default or the standard size.")
            return
        rows2 = []
        for dv in devs:
            if isinstance(dv, dict):
                what = dv.get("key") or dv.get("path") or dv.get("service") or dv.get("name")
                rows2.append([what, dv.get("value", dv.get("recommended")), dv.get("chart_default", dv.get("default")),
                              dv.get("standard"), dv.get("reason") or dv.get("why")])
            else:
                rows2.append([str(dv), None, None, None, None])
        self.add(f"{len(rows2)} value(s) differ from the chart default or the standard size:\n")
        self.add(table(["Value", "Production", "Chart default", "Standard size", "Why"], rows2))

    def resourcing(self) -> None:
        self.add("## Resourcing per environment")
        if not self.f.environments:
            self.add(self.need("Resourcing", "environments (environments in the TDD)"))
            return
        for env in self.f.environments:
            name = env["name"]
            self.add(f"### {name} ({env.get('kind')})")
            est = self.f.estimate(name)
            pools, node_ev = self.f.pools(name)
            part = Facts.part(est)
            totals = part.get("totals") or {}
            # a customer environment must be sized; one another capability added (the replica) is
            # shown when it has sizing, and otherwise is not a gap in the customer's design
            customer_env = env.get("origin", "design") == "design"
            if est is None and node_ev is None and not customer_env:
                self.add("*No sizing recorded for this environment.*\n")
                continue
            if est is None:
                self.add(self.need(f"Resourcing ({name})", f"a size estimate (implhub size estimate {self.f.slug} --env {name})"))
            if node_ev is None:
                self.add(self.need(f"Resourcing ({name})", f"a node plan (implhub size nodes {self.f.slug} --env {name})"))
            if est is None and node_ev is None:
                continue
            node_count = sum(int(p.get("count") or 0) for p in pools)
            rows: list[list[Any]] = [
                ["Total CPU (requested, vCPU)", totals.get("vcpu")],
                ["Total memory (requested, GB)", totals.get("memory_gb")],
                ["Total storage (GB)", totals.get("storage_gb")],
                ["Size", totals.get("instance_size")],
                ["Nodes", node_count if node_ev else None],
                ["Node capacity (vCPU / GiB)", f"{sum(num(p.get('vcpu')) or 0 for p in pools) * 1:,.0f} / "
                 f"{sum(num(p.get('memory_gib')) or 0 for p in pools):,.0f}" if pools else None],
            ]
            self.add(table(["Field", "Value"], rows))
            if pools:
                self.add(table(["Node pool instance type", "Nodes", "vCPU each", "Memory each (GiB)", "USD per hour each"],
                               [[p.get("instance_type"), p.get("count"), p.get("vcpu"), p.get("memory_gib"), p.get("hourly_usd")] for p in pools],
                               numeric={1, 2, 3, 4}))
                self.add(f"*Node plan: {Facts.where(node_ev)}*\n" if node_ev else "")
            services = part.get("services") or {}
            if services:
                rows3 = []
                for svc_name, svc in sorted(services.items()):
                    cpu, mem = svc.get("cpu") or {}, svc.get("memory_gb") or {}
                    rows3.append([svc_name, svc.get("replicas"), cpu.get("request"), cpu.get("limit") if cpu.get("limit") is not None else "none",
                                  mem.get("request"), mem.get("limit") if mem.get("limit") is not None else "none", svc.get("storage_gb")])
                self.add("Requests and limits per service (per replica):\n")
                self.add(table(["Service", "Replicas", "CPU req", "CPU limit", "Mem req (GB)", "Mem limit (GB)", "Disk (GB)"], rows3,
                               numeric={1, 2, 3, 4, 5, 6}))

    def code_statistics(self) -> None:
        self.add("## Code statistics")
        hosts = self.f.design.get("code_hosts") or []
        if not hosts:
            self.add(self.need("Code statistics", "the code hosts in scope (code_hosts in the TDD)"))
        else:
            live, snap = self.f.instance_hosts()
            self.add(f"**{len(hosts)} code host(s)** in scope:\n")
            self.add(table(["Kind", "URL", "Repositories (TDD)", "Permission sync", "Notes"],
                           [[h.get("kind"), h.get("url"), h.get("repositories"), h.get("permission_sync"), h.get("notes")] for h in hosts],
                           numeric={2}))
            if live and snap is not None:
                self.add(f"Connected on the instance ({Facts.where(snap)}):\n")
                self.add(table(["Kind", "Name", "Repositories", "Last sync error"],
                               [[h.get("kind"), h.get("name") or h.get("displayName") or h.get("url"),
                                 h.get("repo_count", h.get("repositories", h.get("repos"))), h.get("last_sync_error") or h.get("lastSyncError")]
                                for h in live], numeric={2}))
        loc = self.f.lines_of_code()
        synced = self.f.repos_synced()
        rows: list[list[Any]] = []
        rows.append(["Lines of code", loc.value if loc else self.need("Code statistics", f"lines of code (implhub codestats scan PATH --project {self.f.slug}, or an instance snapshot)"),
                     loc.source if loc else None])
        rows.append(["Repos synced", synced.value["text"] if synced else self.need("Code statistics", f"repos synced (an instance snapshot of {self.f.prod or 'prod'}: implhub instance stats --url URL --project {self.f.slug} --env {self.f.prod or 'prod'})"),
                     synced.source if synced else None])
        scan = self.f.newest("codestats_scan", any_env=True)
        if scan is not None:
            t = (scan.get("data") or {}).get("totals") or {}
            rows.append(["Repositories scanned", t.get("repositories"), Facts.where(scan)])
            rows.append(["Indexable bytes (zoekt)", t.get("indexable_bytes"), Facts.where(scan)])
        self.add(table(["Field", "Value", "Source"], rows))
        langs = ((scan or {}).get("data") or {}).get("languages") or {}
        if langs:
            top = sorted(langs.items(), key=lambda kv: -(num((kv[1] or {}).get("code")) or 0))[:10]
            self.add("Top languages by lines of code:\n")
            self.add(table(["Language", "Files", "Code", "Comment"], [[k, v.get("files"), v.get("code"), v.get("comment")] for k, v in top],
                           numeric={1, 2, 3}))

    def environments(self) -> None:
        self.add("## Environments")
        if not self.f.environments:
            self.add(self.need("Environments", "the environments (environments in the TDD)"))
            return
        if self.f.prod is None:
            self.add(self.need("Environments", "a production environment (an environment of kind prod)"))
        rows = []
        for e in self.f.environments:
            spec = (e.get("data") or {}).get("design") or {}
            rows.append([e["name"], e.get("kind"), spec.get("purpose") or (e.get("data") or {}).get("purpose"),
                         spec.get("cloud") or "", spec.get("url"), "TDD" if e.get("origin") == "design" else e.get("origin")])
        kinds = sorted({str(e.get("kind")) for e in self.f.environments})
        self.add(f"Deployed in {len(self.f.environments)} environment(s): {', '.join(kinds)}.\n")
        self.add(table(["Name", "Kind", "Purpose", "Cloud", "URL", "Added by"], rows))

    def change_management(self) -> None:
        cm = self.f.design.get("change_management") or {}
        scan = cm.get("image_scanning") or {}
        self.add("## Upgrade procedure and change management")
        cadence = cm.get("upgrade_cadence") or self.need("Change management", "the upgrade cadence (change_management.upgrade_cadence)")
        promotion = cm.get("promotion") or self.need("Change management", "how updates move dev -> prod (change_management.promotion)")
        if scan.get("required"):
            days = scan.get("timeline_days")
            scanning = (f"required, {days} working day(s) per release" if days is not None else
                        self.need("Change management", "the image scanning timeline (change_management.image_scanning.timeline_days)"))
            if scan.get("tool"):
                scanning += f" with {scan['tool']}"
        else:
            scanning = "not required"
        self.add(table(["Field", "Value"], [["Upgrade cadence", cadence], ["Image scanning", scanning], ["Promotion dev -> prod", promotion]]))
        self.add("## Cloud platform")
        dep = self.f.design.get("deployment") or {}
        region = dep.get("region") or self.need("Cloud platform", "the region (deployment.region)")
        self.add(f"{dep.get('cloud')}, region {region}.\n")
        self.add("## CI/CD stack")
        stack = cm.get("ci_cd_stack") or []
        self.add(bullets(stack, empty=self.need("CI/CD stack", "the CI/CD tools (change_management.ci_cd_stack)") if not stack else ""))
        self.add("## Externalized services")
        ext = self.f.design.get("externalized_services") or []
        if ext:
            self.add(table(["Service", "Provider", "Notes"], [[x.get("service"), x.get("provider"), x.get("notes")] for x in ext]))
        else:
            self.add("None: every service runs bundled in the deployment.\n")
        provides, asks = document_section(self.f.estimate(self.f.prod))
        if provides:
            self.add("\n".join(provides))
        for item in asks:
            self.need("Externalized services and storage", item)
        self.add("## Other unique aspects")
        self.add(bullets(self.f.design.get("other_unique_aspects") or [], empty="None recorded."))

    def usage_and_poc(self) -> None:
        exp = self.f.design.get("expansion") or {}
        lim = self.f.design.get("agreed_limits") or {}
        self.add("## Current usage and expansion requirements")
        usage = exp.get("current_usage") or self.need("Usage and expansion", "current usage (expansion.current_usage)")
        req = exp.get("requirements") or self.need("Usage and expansion", "expansion requirements (expansion.requirements)")
        self.add(table(["Field", "Value"], [["Current usage", usage], ["Expansion requirements", req],
                                       ["Expected users", exp.get("expected_users")], ["Expected repositories", exp.get("expected_repositories")],
                                       ["Agreed limits", f"{cell(lim.get('users'))} users, {cell(lim.get('concurrent_users'))} concurrent, "
                                                         f"{cell(lim.get('repositories'))} repositories"]]))
        poc = self.f.design.get("poc") or {}
        self.add("## POC lessons learned")
        lessons = poc.get("lessons_learned") or []
        self.add(bullets(lessons, empty=self.need("POC", "lessons learned (poc.lessons_learned)") if not lessons else ""))
        self.add("## POC versus production")
        diffs = poc.get("production_differences") or []
        self.add(bullets(diffs, empty=self.need("POC", "how production differs from the POC (poc.production_differences)") if not diffs else ""))

    def status(self) -> None:
        report = self.snapshot.get("criteria") or {}
        self.add("## Exit criteria")
        crit = report.get("criteria") or []
        if crit:
            self.add(table(["#", "Criterion", "Status", "Decided by / missing"],
                           [[c["number"], c["title"], c["status"].replace("_", "\u00a0"),
                             "; ".join(_evidence_text(e) for e in c["evidence"]) if c["status"] != "not_met"
                             else "; ".join(c["missing"])] for c in crit]))
        lt = self.f.newest("loadtest_run", any_env=True)
        if lt is not None:
            d = lt.get("data") or {}
            self.add(f"Newest load test: {'passed' if d.get('passed') else 'failed'}, score {cell(d.get('score'))} - {Facts.where(lt)}.\n")
        self.add("## Risks and issues")
        risks = self.f.risks(external_only=False)
        if risks:
            self.add("### Risks")
            self.add(table(["Risk", "Probability", "Impact", "Mitigation", "Status", "Visibility"],
                           [[r.get("title"), r.get("probability"), r.get("impact"), r.get("mitigation"), r.get("status") or "open",
                             r.get("visibility")] for r in risks]))
        else:
            self.add("No risks recorded.\n")
        issues = self.snapshot.get("issues") or []
        if issues:
            self.add("### Issues")
            self.add(table(["Issue", "Severity", "Owner", "Status"], [[i.get("title"), i.get("severity"), i.get("owner"), i.get("status")] for i in issues]))
        self.add("## Stakeholders")
        people = self.f.design.get("stakeholders") or []
        self.add(table(["Side", "Role", "Name", "Email"], [[s.get("side"), s.get("role"), s.get("name"), s.get("email")] for s in people])
                 if people else "None recorded.\n")


def _evidence_text(e: dict[str, Any]) -> str:
    if e.get("type") in ("sign", "waive"):
        verb = "signed off" if e["type"] == "sign" else "waived"
        return f"{verb} by {e.get('by')}" + (f" ({e['url']})" if e.get("url") else "") + (f": {e['reason']}" if e.get("reason") else "")
    return str(e.get("summary") or e.get("type"))


def build(snapshot: dict[str, Any]) -> Document:
    b = _Builder(snapshot)
    b.production_design()
    b.resourcing()
    b.code_statistics()
    b.environments()
    b.change_management()
    b.usage_and_poc()
    b.status()
    p = b.f.project
    ie = next((s["name"] for s in b.f.design.get("stakeholders") or [] if s.get("role") == "IE"), None)
    head = ["## Missing information", missing_block(b.missing)]
    markdown = "\n".join(head + b.parts)
    meta = [("Customer", str(p.get("name"))), ("Project", b.f.slug), ("Design revision", str(p.get("revision"))),
            ("Implementation Engineer", ie or "-"), ("State", str(p.get("state"))), ("Generated", str(date_part(snapshot.get("generated_at"))))]
    if p.get("demo"):
        meta.append(("Evidence", "simulated (demo)"))
    return Document(kind="internal", title=f"{p.get('name')}: production design", subtitle="Internal document for support and account management",
                    audience="internal", markdown=markdown, meta=meta, missing=b.missing)
