"""Canonical stakeholder roles, decided once for the whole product.

The plan's owners, the web app's per-project roles and the reports all use these codes. People
type many spellings ("TAM", "CSM", "Technical Account Manager"); `canonical_role` maps them.
Source: the process facts (internal roles and customer-side roles of a jointly managed
implementation).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Side = Literal["internal", "customer"]


@dataclass(frozen=True)
class Role:
    code: str
    title: str
    side: Side
    aliases: tuple[str, ...]


ROLES: tuple[Role, ...] = (
    Role("IE", "Implementation Engineer", "internal", ("implementation engineer", "impl engineer")),
    Role("IPM", "Implementation Project Manager", "internal",
         ("implementation project manager", "project manager (internal)", "pm internal")),
    Role("TAM", "Technical Account Manager / Customer Success Manager", "internal",
         ("technical account manager", "csm", "customer success manager", "ta",
          "technical advisor", "tam/csm", "csm/tam")),
    Role("CE", "Customer Engineer", "internal", ("customer engineer", "sales engineer", "se")),
    Role("AE", "Account Executive", "internal", ("account executive", "account manager")),
    Role("LEADERSHIP", "Leadership", "internal", ("leadership", "executive sponsor (internal)")),
    Role("SPONSOR", "Project Sponsor / Champion", "customer",
         ("project sponsor", "sponsor", "champion", "project champion")),
    Role("ADMIN", "Sourcegraph Administrator", "customer",
         ("sourcegraph administrator", "sourcegraph admin", "customer admin", "administrator",
          "admin", "site admin")),
    Role("ADMIN_MANAGER", "Administrator's Manager", "customer",
         ("administrator's manager", "administrators manager", "admin manager")),
    Role("CUSTOMER_PM", "Customer Project Manager", "customer",
         ("project manager", "customer project manager", "customer pm")),
    Role("INFRA", "Infrastructure Team", "customer",
         ("infrastructure team", "infrastructure", "infra team", "platform team", "devops")),
    Role("SECURITY", "Security Team", "customer", ("security team", "security", "infosec")),
    Role("CODE_HOST_ADMIN", "Code Host Administrator", "customer",
         ("code host administrator", "code host admin", "scm admin")),
    Role("UAT", "Engineers for UAT", "customer",
         ("engineers for uat", "uat engineer", "uat", "test users", "uat engineers")),
    Role("VENDOR", "External Vendor", "customer", ("external vendor", "external vendors", "vendor")),
)

BY_CODE: dict[str, Role] = {r.code: r for r in ROLES}

#: The internal roles the process says must all have access to the implementation.
REQUIRED_INTERNAL: tuple[str, ...] = ("IE", "IPM", "TAM", "CE", "AE")


def _norm(text: str) -> str:
    return re.sub(r"[\s_\-]+", " ", text.strip().lower())


_LOOKUP: dict[str, str] = {}
for _r in ROLES:
    _LOOKUP[_norm(_r.code)] = _r.code
    _LOOKUP[_norm(_r.title)] = _r.code
    for _a in _r.aliases:
        _LOOKUP[_norm(_a)] = _r.code


def canonical_role(text: str) -> str | None:
    """The canonical code for what a person typed, or None when it is not a role we know."""
    return _LOOKUP.get(_norm(text))


def role_title(code: str) -> str:
    role = BY_CODE.get(code)
    return role.title if role else code


def role_side(code: str) -> Side | None:
    role = BY_CODE.get(code)
    return role.side if role else None
