from __future__ import annotations

import datetime as dt

from implhub.reporting.reminders import ProjectFacts, compute
from tests.reporting.conftest import TODAY, working_days

PEOPLE = [
    {"side": "internal", "role": "IE", "name": "Ida", "email": "ida@sg.example"},
    {"side": "internal", "role": "IPM", "name": "Pam", "email": "pam@sg.example"},
    {"side": "customer", "role": "ADMIN", "name": "Al", "email": "al@cust.example"},
]


def _facts(plan, **kw):
    return ProjectFacts(slug="p", name="P", working_days=working_days, stakeholders=PEOPLE, plan=plan, **kw)


def test_it_reminds_the_owner_of_tasks_due_soon_and_overdue(plan) -> None:
    today = dt.date(2026, 12, 1)
    events = compute([_facts(plan)], today=today)
    by_key = {e.key: e for e in events}
    # codehosts-dev (finish 12-03, 2 working days away) goes to the ADMIN role holder
    assert by_key["p:due:codehosts-dev:2026-12-03"].to == "al@cust.example"
    # k6-replica finishes 12-02: due soon, to the IE
    assert by_key["p:due:k6-replica:2026-12-02"].to == "ida@sg.example"
    assert not any(":overdue:" in k for k in by_key)
    later = {e.key: e for e in compute([_facts(plan)], today=dt.date(2026, 12, 4))}
    assert "p:overdue:codehosts-dev:2026-12-03" in later
    # an overdue task has not finished: the reason says when it was due
    assert later["p:overdue:codehosts-dev:2026-12-03"].reason.startswith("task codehosts-dev was due to finish 2026-12-03 and is ")


def test_the_same_event_keeps_its_key_and_a_slip_makes_a_new_one(plan) -> None:
    a = {e.key for e in compute([_facts(plan)], today=dt.date(2026, 12, 4))}
    b = {e.key for e in compute([_facts(plan)], today=dt.date(2026, 12, 4))}
    assert a == b
    plan["tasks"][2]["finish"] = "2026-12-08"
    c = {e.key for e in compute([_facts(plan)], today=dt.date(2026, 12, 4))}
    assert "p:due:codehosts-dev:2026-12-08" in c and "p:overdue:codehosts-dev:2026-12-03" not in c


def test_sign_offs_waiting_and_stale_evidence(plan) -> None:
    criteria = {"criteria": [{"number": n, "title": f"C{n}", "status": "not_met"} for n in range(1, 10)]}
    events = compute([_facts(plan, exit_criteria=criteria, configuring=True,
                             last_instance_snapshot=dt.datetime(2026, 11, 10, tzinfo=dt.UTC))], today=TODAY)
    signoffs = sorted(int(e.key.split(":")[2]) for e in events if ":signoff:" in e.key)
    # every signable criterion, 8 included (a right-sizing plan is signed): the one list of implhub.vocab
    assert signoffs == [2, 4, 6, 7, 8]
    stale = [e for e in events if ":stale:" in e.key]
    assert len(stale) == 1 and "17 days old" in stale[0].subject and stale[0].to == "ida@sg.example"


def test_every_internal_stakeholder_gets_one_weekly_digest(plan) -> None:
    events = compute([_facts(plan)], today=dt.date(2026, 12, 1))
    digests = sorted(e.to for e in events if ":digest:" in e.key)
    assert digests == ["al@cust.example", "ida@sg.example", "pam@sg.example"]
