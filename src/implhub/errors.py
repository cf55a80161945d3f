"""One family of errors a user can cause. The doors translate them (exit code 2, HTTP 4xx).

Bugs stay bugs: only raise these for conditions a user can fix, and say how.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Exit codes are a contract: scripts read them."""

    OK = 0
    FAILED = 1  # the command ran and its verdict is negative (a threshold failed, criteria not met)
    BAD_INPUT = 2  # the user gave something we cannot use; nothing was stored


class ImplhubError(Exception):
    """An error with a message written for the user: what, where, and what was expected."""

    exit_code: ExitCode = ExitCode.BAD_INPUT
    http_status: int = 400

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
        details: list[str] | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.field = field
        self.details = details or []
        super().__init__(self.render())

    def location(self) -> str:
        parts: list[str] = []
        if self.file:
            parts.append(self.file if self.line is None else f"{self.file}:{self.line}")
        elif self.line is not None:
            parts.append(f"line {self.line}")
        if self.field:
            parts.append(self.field)
        return ": ".join(parts)

    def render(self) -> str:
        loc = self.location()
        head = f"{loc}: {self.message}" if loc else self.message
        if self.details:
            return head + "\n" + "\n".join(f"  - {d}" for d in self.details)
        return head

    def to_dict(self) -> dict[str, object]:
        return {
            "error": self.message,
            "file": self.file,
            "line": self.line,
            "field": self.field,
            "details": self.details,
        }


class ValidationError(ImplhubError):
    """Input that does not satisfy a schema or an invariant."""

    http_status = 422


class NotFound(ImplhubError):
    http_status = 404


class Conflict(ImplhubError):
    """A change that would overwrite someone else's work (stale edit, regeneration over actuals)."""

    http_status = 409


class PermissionDenied(ImplhubError):
    http_status = 403


class ExternalServiceError(ImplhubError):
    """An outside system (code host, Sourcegraph, Prometheus, SMTP) refused or failed."""

    http_status = 502


class VersionConflict(Conflict):
    """A stale edit refused by the store: someone saved this entity since the caller loaded it.
    Carries the version now stored, so the loser can reload (JSON key `current_version`)."""

    def __init__(self, message: str, *, current_version: int | None, field: str | None = "expected_version") -> None:
        self.current_version = current_version
        super().__init__(message, field=field)

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), "current_version": self.current_version}
