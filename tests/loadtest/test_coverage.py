"""A run's coverage of its profile decides its strength: 95% of the VUs (or arrival rate), all
of the hold time, not aborted."""

from __future__ import annotations

from typing import Any

from implhub.loadtest.coverage import coverage, requirement, strength

PROFILE = {"kind": "load", "model": "vus", "vus": 1400, "users": 7000,
           "stages_s": [{"duration": 60, "phase": "ramp"}, {"duration": 180, "phase": "hold"}, {"duration": 60, "phase": "down"}]}


def _run(vus: int, scale: float = 1.0, partial: bool = False, **extra: Any) -> dict[str, Any]:
    stages = [{"duration": s["duration"] * scale, "phase": s["phase"]} for s in PROFILE["stages_s"]]  # type: ignore[index]
    return {"kind": "load", "partial": partial, "duration_s": 300 * scale, **extra,
            "profile": {**PROFILE, "vus": vus, "duration_scale": scale, "stages_s": stages}}


def test_a_31_second_run_with_20_of_1400_vus_is_smoke() -> None:
    req = requirement(PROFILE)
    cov = coverage(_run(20, scale=0.1), req)
    assert cov == {"vus": 20, "required_vus": 1400, "hold_s": 18.0, "required_hold_s": 180.0, "complete": False}
    assert strength(_run(20, scale=0.1), req, simulated=False) == "smoke"


def test_95_percent_of_the_vus_for_the_whole_hold_is_full() -> None:
    req = requirement(PROFILE)
    assert strength(_run(1330), req, simulated=False) == "full"  # exactly 95%
    assert strength(_run(1329), req, simulated=False) == "smoke"
    assert strength(_run(1400, scale=0.99), req, simulated=False) == "smoke"  # 99% of the hold time
    assert strength(_run(1400), req, simulated=True) == "simulated"


def test_an_aborted_run_is_smoke_and_counts_only_the_hold_it_ran() -> None:
    req = requirement(PROFILE)
    cov = coverage(_run(1400, partial=True, duration_s=100), req)
    assert cov["hold_s"] == 40.0 and cov["complete"] is False


def test_measured_vus_beat_the_configured_ones() -> None:
    run = _run(1400, timeline={"vus": [[0, 10], [30, 600], [60, 700]]})
    assert coverage(run, requirement(PROFILE))["vus"] == 700 and strength(run, requirement(PROFILE), simulated=False) == "smoke"


def test_the_arrival_rate_model_compares_the_rate_reached() -> None:
    prof = {**PROFILE, "model": "arrival", "rps_per_1000": 2.0}
    req = requirement(prof)
    assert req["rate_per_s"] == 14.0
    base = {"kind": "load", "partial": False, "duration_s": 300,
            "profile": {**prof, "duration_scale": 1.0, "targets_per_s": {"literal": 6.0, "regexp": 4.0}}}
    reached = {**base, "types": {"literal": {"rate_per_s": 5.8}, "regexp": {"rate_per_s": 3.9}}}
    short = {**base, "types": {"literal": {"rate_per_s": 4.0}, "regexp": {"rate_per_s": 3.0}}}
    assert coverage(reached, req)["complete"] is True
    assert coverage(short, req)["complete"] is False


def test_the_default_requirement_is_the_default_profiles(demo_tdd_text) -> None:
    from implhub.intake.loader import load_tdd_text
    from implhub.loadtest.coverage import default_requirement
    from implhub.loadtest.profile import build_profile

    design = load_tdd_text(demo_tdd_text, filename="demo.yaml").design
    assert default_requirement(design["scale"]["users"]) == requirement(build_profile(design, kind="load"))
