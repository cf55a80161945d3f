"""What a sizing starts from, checked once for every door."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from implhub.errors import ValidationError


@dataclass(frozen=True)
class SizingInputs:
    users: int
    repositories: int
    total_repo_size_gb: float
    largest_repo_size_gb: float
    largest_index_size_gb: float = 0.0
    code_insights: bool = False
    monorepos: int = 0
    concurrent_users: int | None = None
    #: bytes zoekt would index (files <= 1 MB, non-binary), when code statistics are known
    indexable_bytes: int | None = None
    #: the largest repository's indexable bytes, when known
    largest_indexable_bytes: int | None = None
    #: share of the repositories the code statistics covered (1.0: all); below 5% the corpus
    #: figure may raise zoekt's memory above the reference curve but not lower it
    indexable_coverage: float | None = None

    def __post_init__(self) -> None:
        checks: list[tuple[str, float | int | None]] = [
            ("--users", self.users), ("--repos", self.repositories), ("--total-gb", self.total_repo_size_gb),
            ("--largest-gb", self.largest_repo_size_gb), ("--largest-index-gb", self.largest_index_size_gb),
            ("--monorepos", self.monorepos), ("--concurrent-users", self.concurrent_users),
            ("indexable_bytes", self.indexable_bytes), ("largest_indexable_bytes", self.largest_indexable_bytes),
        ]
        for name, value in checks:
            if value is not None and value < 0:
                raise ValidationError(f"expected a number >= 0, got {value}", field=name)
        if self.largest_repo_size_gb > self.total_repo_size_gb:
            raise ValidationError(
                f"the largest repository ({self.largest_repo_size_gb:g} GB) is larger than the total "
                f"({self.total_repo_size_gb:g} GB); expected --largest-gb <= --total-gb", field="--largest-gb")
        if self.repositories == 0 and self.total_repo_size_gb > 0:
            raise ValidationError("repositories is 0 but the total size is above 0; expected --repos >= 1",
                                  field="--repos")
        if self.concurrent_users is not None and self.concurrent_users > self.users:
            raise ValidationError("more concurrent users than users; expected --concurrent-users <= --users",
                                  field="--concurrent-users")
        if self.monorepos > self.repositories:
            raise ValidationError("more monorepos than repositories; expected --monorepos <= --repos",
                                  field="--monorepos")

    @property
    def concurrent(self) -> int:
        """Concurrent users: as given, else a fifth of the users (the usual peak share)."""
        if self.concurrent_users is not None:
            return self.concurrent_users
        return max(1, self.users // 5) if self.users else 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
