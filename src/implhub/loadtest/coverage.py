"""How much of its profile a load-test run covered, and so how much it can decide.

A run is complete (full strength) when it reached at least 95% of the profile's virtual users
(or, for the arrival-rate model, of its request rate) and 100% of its hold time, and was not
aborted. Anything less is a smoke test: useful, but it says nothing about production capacity.
"""

from __future__ import annotations

from typing import Any

#: the share of the profile's virtual users (or arrival rate) a run must reach
VU_SHARE_REQUIRED = 0.95


def hold_seconds(profile: dict[str, Any]) -> float:
    """The hold phase of a load profile's stages, in seconds."""
    stages = profile.get("stages_s") or []
    return float(sum(float(s.get("duration") or 0) for s in stages if isinstance(s, dict) and s.get("phase") == "hold"))


def requirement(profile: dict[str, Any]) -> dict[str, Any]:
    """What a run of this (unscaled) profile must reach: model, vus, hold_s, rate_per_s."""
    rate = None
    if profile.get("model") == "arrival" and isinstance(profile.get("rps_per_1000"), (int, float)):
        rate = float(profile["rps_per_1000"]) * max(int(profile.get("users") or 1), 1) / 1000.0
    return {"model": str(profile.get("model") or "vus"), "vus": int(profile.get("vus") or 1), "hold_s": hold_seconds(profile),
            "rate_per_s": rate}


def default_requirement(users: int) -> dict[str, Any]:
    """What the default load profile of a design with this many users asks (the profile's own
    rule: 20% of the users as virtual users, held for the hold stage), without building the whole
    profile (its query and threshold catalogues)."""
    from implhub.loadtest.profile import LOAD_STAGES_S, VU_SHARE

    return {"model": "vus", "vus": max(1, round(users * VU_SHARE)),
            "hold_s": float(sum(d for d, phase in LOAD_STAGES_S if phase == "hold")), "rate_per_s": None}


def _measured_vus(data: dict[str, Any]) -> float | None:
    series = (data.get("timeline") or {}).get("vus") if isinstance(data.get("timeline"), dict) else None
    values = [float(p[1]) for p in series or [] if isinstance(p, (list, tuple)) and len(p) == 2 and isinstance(p[1], (int, float))]
    return max(values) if values else None


def coverage(data: dict[str, Any], required: dict[str, Any] | None) -> dict[str, Any]:
    """The `coverage` of a stored run (its report plus `profile`, `partial`) against what the
    profile requires (`requirement(profile)`; None: the run's own profile, unscaled)."""
    run_profile = data.get("profile") if isinstance(data.get("profile"), dict) else {}
    assert isinstance(run_profile, dict)
    configured_vus = int(run_profile.get("vus") or 0)
    measured = _measured_vus(data)
    vus = int(round(measured)) if measured is not None else configured_vus
    scale = float(run_profile.get("duration_scale") or 1.0)
    hold = hold_seconds(run_profile)
    partial = bool(data.get("partial"))
    if partial:  # an aborted run held at most for what it ran past its ramp
        ramp = sum(float(s.get("duration") or 0) for s in run_profile.get("stages_s") or []
                   if isinstance(s, dict) and s.get("phase") == "ramp")
        hold = max(0.0, min(hold, float(data.get("duration_s") or 0) - ramp))
    if required is None:
        required = {"model": run_profile.get("model") or "vus", "vus": configured_vus, "hold_s": hold_seconds(run_profile) / scale,
                    "rate_per_s": None}
    required_vus = int(required.get("vus") or 1)
    required_hold = float(required.get("hold_s") or 0.0)
    out: dict[str, Any] = {"vus": vus, "required_vus": required_vus, "hold_s": round(hold, 3),
                           "required_hold_s": round(required_hold, 3)}
    kind = data.get("kind") or run_profile.get("kind")
    if kind not in (None, "load"):
        reached = vus >= VU_SHARE_REQUIRED * required_vus
        out["complete"] = bool(reached and not partial)
        return out
    if required.get("model") == "arrival":
        targets = [float(v) for v in (run_profile.get("targets_per_s") or {}).values() if isinstance(v, (int, float))]
        rates = [float(t.get("rate_per_s") or 0) for t in (data.get("types") or {}).values() if isinstance(t, dict)]
        expected = sum(targets)
        achieved_share = (sum(rates) / expected) if expected > 0 else 0.0
        out["rate_share"] = round(achieved_share, 4)
        reached = achieved_share >= VU_SHARE_REQUIRED
    else:
        reached = vus >= VU_SHARE_REQUIRED * required_vus
    out["complete"] = bool(reached and hold + 1e-6 >= required_hold and not partial)
    return out


def strength(data: dict[str, Any], required: dict[str, Any] | None, *, simulated: bool) -> str:
    """full | smoke | simulated."""
    if simulated:
        return "simulated"
    return "full" if coverage(data, required)["complete"] else "smoke"
