"""The internal production design document: every part the implementation process names (final
production design with its deviations, resourcing per environment, code statistics,
environments, upgrade procedure and change management, cloud, CI/CD, externalized services,
unique aspects, usage and expansion, POC lessons), filled from the store, with what is missing
as a checklist at the top."""

from __future__ import annotations

from typing import Any

from implhub.documents.facts import Facts, Snapshot, num
from implhub.documents.model import Document, bullets, cell, missing_block, table
from implhub.sizing.external import document_section

ROLE_TITLES = {"IE": "Implementation Engineer", "IPM": "Implementation Project Manager", "TAM": "Technical Account Manager",
               "CE": "Customer Engineer", "AE": "Account Executive", "LEADERSHIP": "Leadership"}


class _Builder:
    def __init__(self, snapshot: Snapshot) -> None:
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
        dep, auth = d.deployment, d.authentication
        self.add("## Production design")
        strategy = dep.strategy or self.need("Production design", "the environment strategy (deployment.strategy in the TDD)")
        self.add(strategy)
        version = dep.sourcegraph_version or self.need("Production design", "the target Sourcegraph version (deployment.sourcegraph_version)")
        prod_env = self.f.pf.environment(self.f.prod)
        env_url = next((e.url for e in d.environments if prod_env is not None and e.name == prod_env.name and e.url), None)
        url = dep.instance_url or env_url or self.need("Production design", "the production instance URL (deployment.instance_url)")
        rows: list[list[Any]] = [
            ["Deployment method", dep.method],
            ["Sourcegraph version", version],
            ["Kubernetes version", dep.kubernetes_version],
            ["Instance URL", url],
            ["Ingress", dep.ingress],
            ["TLS", dep.tls],
            ["DNS", dep.dns],
            ["Authentication", f"{auth.provider}" + (f" - {auth.notes}" if auth.notes else "")],
        ]
        self.add(table(["Field", "Value"], rows))
        self.deviations()

    def deviations(self) -> None:
        """The design's own deviations from a standard deployment first (externalized databases and
        storage, proxies, air gap, another deployment method), then the sizing values that differ
        from the chart defaults."""
        d = self.f.design
        self.add("### Deviations from the standard deployment")
        design_devs: list[list[Any]] = []
        if str(d.deployment.method) != "kubernetes-helm":
            design_devs.append(["Deployment method", f"{d.deployment.method} instead of the standard Helm chart", "deployment.method"])
        for x in d.externalized_services:
            design_devs.append([f"External {x.service}", " - ".join(v for v in (x.provider, x.notes) if v) or "customer-managed",
                                "externalized_services"])
        for aspect in d.other_unique_aspects:
            design_devs.append(["Unique aspect", aspect, "other_unique_aspects"])
        if d.change_management.image_scanning.required:
            scan = d.change_management.image_scanning
            design_devs.append(["Image scanning", f"every image scanned before use{f' with {scan.tool}' if scan.tool else ''}"
                                + (f", {scan.timeline_days} working day(s) per release" if scan.timeline_days is not None else ""),
                                "change_management.image_scanning"])
        if design_devs:
            self.add(f"{len(design_devs)} deviation(s) in the design:\n")
            self.add(table(["Deviation", "What", "Design field"], design_devs))
        else:
            self.add("The design records no deviation from a standard deployment (no externalized service, no unique aspect).\n")
        est = self.f.estimate(self.f.prod)
        if est is None:
            # counted once, under Resourcing: the estimate brings its sizing deviations with it
            self.add(f"*Sizing deviations come with the size estimate for {self.f.prod or 'prod'} (see Resourcing).*\n")
            return
        devs = est[0].get("deviations") or []
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
        self.add(f"Sizing: {len(rows2)} value(s) differ from the chart default or the standard size:\n")
        self.add(table(["Value", "Production", "Chart default", "Standard size", "Why"], rows2))

    def resourcing(self) -> None:
        self.add("## Resourcing per environment")
        if not self.f.environments:
            self.add(self.need("Resourcing", "environments (environments in the TDD)"))
            return
        for env in self.f.environments:
            name = env.name
            self.add(f"### {name} ({env.kind}{'' if env.customer else ', internal'})")
            found = self.f.estimate(name)
            est = found[0] if found else None
            np = self.f.node_plan(name)
            stored_plan = self.f.newest("node_plan", name)
            totals = Facts.part(est).get("totals") or {}
            # a customer environment must be sized; one implhub added (the replica) is shown when
            # it has sizing, and otherwise is not a gap in the customer's design
            if est is None and np is None and not env.customer:
                self.add("*No sizing recorded for this environment.*\n")
                continue
            if est is None:
                self.add(self.need(f"Resourcing ({name})", f"a size estimate (implhub size estimate {self.f.slug} --env {name})"))
            if np is None:
                what = ("a node plan of the newest size estimate; the stored one was made from an older estimate"
                        if stored_plan is not None and est is not None else "a node plan")
                self.add(self.need(f"Resourcing ({name})", f"{what} (implhub size nodes {self.f.slug} --env {name})"))
            if est is None and np is None:
                continue
            pools = np.pools if np else []
            rows: list[list[Any]] = [
                ["Total CPU (requested, vCPU)", totals.get("vcpu")],
                ["Total memory (requested, GB)", totals.get("memory_gb")],
                ["Total storage (GB)", totals.get("storage_gb")],
                ["Size", totals.get("instance_size")],
                ["Nodes", sum(int(p.get("count") or 0) for p in pools) if np else None],
                ["Node capacity (vCPU / GiB)", f"{np.vcpu:,.0f} / {np.memory_gib:,.0f}" if np else None],
            ]
            self.add(table(["Field", "Value"], rows))
            if np is not None:
                self.add(table(["Node pool instance type", "Nodes", "vCPU each", "Memory each (GiB)", "USD per hour each"],
                               [[p.get("instance_type"), p.get("count"), p.get("vcpu"), p.get("memory_gib"), p.get("hourly_usd")] for p in pools],
                               numeric={1, 2, 3, 4}))
                self.add(f"*Node plan of the newest size estimate: {Facts.where(np.evidence)}*\n")
                if np.stale:
                    self.add("*The stored node plan is stale (made from an older size estimate); shown instead: the node plan "
                             f"the newest estimate packed. Refresh it with implhub size nodes {self.f.slug} --env {name}.*\n")
            services = Facts.part(est).get("services") or {}
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
        hosts = self.f.design.code_hosts
        if not hosts:
            self.add(self.need("Code statistics", "the code hosts in scope (code_hosts in the TDD)"))
        else:
            live, snap = self.f.instance_hosts()
            self.add(f"**{len(hosts)} code host(s)** in scope:\n")
            self.add(table(["Kind", "URL", "Repositories (TDD)", "Permission sync", "Notes"],
                           [[h.kind, h.url, h.repositories, h.permission_sync, h.notes] for h in hosts], numeric={2}))
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
        largest = self.f.largest_repository_mb()
        rows.append(["Largest repository (MB)", largest.value, largest.source])
        scan = self.f.newest("codestats_scan", any_env=True)
        if scan is not None:
            t = scan.data["totals"] if isinstance(scan.data.get("totals"), dict) else {}
            rows.append(["Repositories scanned", t.get("repositories"), Facts.where(scan)])
            rows.append(["Indexable bytes (zoekt)", t.get("indexable_bytes"), Facts.where(scan)])
        self.add(table(["Field", "Value", "Source"], rows))
        langs = (scan.data.get("languages") if scan is not None else None) or {}
        if isinstance(langs, dict) and langs:
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
        specs = {e.name: e for e in self.f.design.environments}
        rows = []
        for e in self.f.environments:
            spec = specs.get(e.name)
            purpose = (spec.purpose if spec else None) or e.data.get("purpose")
            rows.append([e.name, e.kind, purpose, (spec.cloud if spec else None) or "", spec.url if spec else None,
                         "TDD" if e.origin == "design" else e.origin, "customer" if e.customer else "internal"])
        customer = [e for e in self.f.environments if e.customer]
        internal = [e for e in self.f.environments if not e.customer]
        kinds = sorted({e.kind for e in customer})
        line = f"Deployed in {len(customer)} customer environment(s): {', '.join(kinds) or 'none'}."
        if internal:
            line += " Internal: " + ", ".join(f"{e.name} ({e.kind}, added by implhub to stand in for production)" for e in internal) + "."
        self.add(line + "\n")
        self.add(table(["Name", "Kind", "Purpose", "Cloud", "URL", "Added by", "Whose"], rows))

    def change_management(self) -> None:
        d = self.f.design
        cm = d.change_management
        scan = cm.image_scanning
        self.add("## Upgrade procedure and change management")
        cadence = cm.upgrade_cadence or self.need("Change management", "the upgrade cadence (change_management.upgrade_cadence)")
        promotion = cm.promotion or self.need("Change management", "how updates move dev -> prod (change_management.promotion)")
        if scan.required:
            scanning = (f"required, {scan.timeline_days} working day(s) per release" if scan.timeline_days is not None else
                        self.need("Change management", "the image scanning timeline (change_management.image_scanning.timeline_days)"))
            if scan.tool:
                scanning += f" with {scan.tool}"
        else:
            scanning = "not required"
        self.add(table(["Field", "Value"], [["Upgrade cadence", cadence], ["Image scanning", scanning], ["Promotion dev -> prod", promotion]]))
        self.add("## Cloud platform")
        region = d.deployment.region or self.need("Cloud platform", "the region (deployment.region)")
        self.add(f"{d.deployment.cloud}, region {region}.\n")
        self.add("## CI/CD stack")
        stack = cm.ci_cd_stack
        self.add(bullets(stack, empty=self.need("CI/CD stack", "the CI/CD tools (change_management.ci_cd_stack)") if not stack else ""))
        self.add("## Externalized services")
        if d.externalized_services:
            self.add(table(["Service", "Provider", "Notes"], [[x.service, x.provider, x.notes] for x in d.externalized_services]))
        else:
            self.add("None: every service runs bundled in the deployment.\n")
        found = self.f.estimate(self.f.prod)
        provides, asks = document_section(found[0] if found is not None else None)
        if provides:
            self.add("\n".join(provides))
        for item in asks:
            self.need("Externalized services and storage", item)
        self.add("## Other unique aspects")
        self.add(bullets(d.other_unique_aspects, empty="None recorded."))

    def usage_and_poc(self) -> None:
        d = self.f.design
        exp, lim = d.expansion, d.agreed_limits
        self.add("## Current usage and expansion requirements")
        usage = exp.current_usage or self.need("Usage and expansion", "current usage (expansion.current_usage)")
        req = exp.requirements or self.need("Usage and expansion", "expansion requirements (expansion.requirements)")
        self.add(table(["Field", "Value"], [["Current usage", usage], ["Expansion requirements", req],
                                       ["Expected users", exp.expected_users], ["Expected repositories", exp.expected_repositories],
                                       ["Agreed limits", f"{cell(lim.users)} users, {cell(lim.concurrent_users)} concurrent, "
                                                         f"{cell(lim.repositories)} repositories"]]))
        self.add("## POC lessons learned")
        lessons = d.poc.lessons_learned
        self.add(bullets(lessons, empty=self.need("POC", "lessons learned (poc.lessons_learned)") if not lessons else ""))
        self.add("## POC versus production")
        diffs = d.poc.production_differences
        self.add(bullets(diffs, empty=self.need("POC", "how production differs from the POC (poc.production_differences)") if not diffs else ""))

    def status(self) -> None:
        report = self.snapshot.criteria
        self.add("## Exit criteria")
        if report is not None:
            self.add(table(["#", "Criterion", "Status", "Decided by / missing"],
                           [[c["number"], c["title"], c["status"].replace("_", "\u00a0")
                             + (" (simulated: would meet)" if c.get("simulated_would_meet") else ""),
                             "; ".join(_evidence_text(e) for e in c["evidence"] if e.get("counts")) if c["status"] != "not_met"
                             else "; ".join(c["missing"])] for c in report["criteria"]]))
        lt = self.f.newest("loadtest_run", any_env=True)
        if lt is not None:
            d = lt.data
            self.add(f"Newest load test: {'passed' if d.get('passed') else 'failed'}, score {cell(d.get('score'))} - {Facts.where(lt)}.\n")
            targets = [(t, e) for t, e in (d.get("types") or {}).items() if isinstance(e, dict) and e.get("p95_target_ms")]
            if targets:  # latency against the p95 targets agreed in the design (or Sourcegraph's)
                self.add(table(["Search type", "p95 target (ms)", "p95 observed (ms)", "Within target"],
                               [[t, e["p95_target_ms"], round(float((e.get("ttfb_ms") or {}).get("p95") or 0)),
                                 "yes" if e.get("p95_within_target") else "no"] for t, e in targets], numeric={1, 2}))
            adequacy = d.get("adequacy") or {}
            if adequacy.get("adequate") is not None:
                self.add(f"Resourcing during that test: {'adequate' if adequacy['adequate'] else 'not adequate'}"
                         + (f" ({'; '.join(str(r) for r in adequacy.get('reasons') or [])})" if adequacy.get("reasons") else "")
                         + ".\n")
        self.add("## Risks and issues")
        risks = self.f.risks(external_only=False)
        if risks:
            self.add("### Risks")
            self.add(table(["Risk", "Probability", "Impact", "Mitigation", "Status", "Visibility"],
                           [[r.get("title"), r.get("probability"), r.get("impact"), r.get("mitigation"), r.get("status") or "open",
                             r.get("visibility")] for r in risks]))
        else:
            self.add("No risks recorded.\n")
        issues = self.snapshot.issues
        if issues:
            self.add("### Issues")
            self.add(table(["Issue", "Severity", "Owner", "Status"], [[i.get("title"), i.get("severity"), i.get("owner"), i.get("status")] for i in issues]))
        self.add("## Stakeholders")
        people = self.f.stakeholders()
        self.add(table(["Side", "Role", "Name", "Email"], [[s.side, s.role, s.name, s.email] for s in people])
                 if people else "None recorded.\n")


def _evidence_text(e: dict[str, Any]) -> str:
    if e.get("type") in ("sign", "waive"):
        verb = "signed off" if e["type"] == "sign" else "waived"
        return f"{verb} by {e.get('by')}" + (f" ({e['url']})" if e.get("url") else "") + (f": {e['reason']}" if e.get("reason") else "")
    return str(e.get("summary") or e.get("type"))


def build(snapshot: Snapshot) -> Document:
    b = _Builder(snapshot)
    b.production_design()
    b.resourcing()
    b.code_statistics()
    b.environments()
    b.change_management()
    b.usage_and_poc()
    b.status()
    pf = snapshot.facts
    ie = next((s.name for s in pf.design.stakeholders if s.role == "IE"), None)
    head = ["## Missing information", missing_block(b.missing)]
    markdown = "\n".join(head + b.parts)
    meta = [("Customer", pf.name), ("Project", pf.slug), ("Design revision", str(pf.revision)),
            ("Implementation Engineer", ie or "-"), ("State", pf.state), ("Generated", f"{snapshot.generated_at:%Y-%m-%d}")]
    if pf.demo:
        meta.append(("Evidence", "simulated (demo)"))
    return Document(kind="internal", title=f"{pf.name}: production design", subtitle="Internal document for support and account management",
                    audience="internal", markdown=markdown, meta=meta, missing=b.missing)
