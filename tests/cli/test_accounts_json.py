"""The accounts commands print their times the same way when creating and when listing."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path


def _offset(text: str | None) -> dt.timedelta | None:
    assert text is not None
    return dt.datetime.fromisoformat(text).utcoffset()


def test_listed_times_carry_the_utc_offset_like_created_ones(cli, tmp_path: Path, tdd_text: str) -> None:
    tdd = tmp_path / "t.yaml"
    tdd.write_text(tdd_text)
    assert cli("project", "create", "--tdd", str(tdd)).exit_code == 0
    created = json.loads(cli("user", "create", "ana@example.com", "--role", "internal", "--json").stdout)
    token = json.loads(cli("token", "create", "ana@example.com", "--name", "n", "--expires-days", "9", "--json").stdout)
    share = json.loads(cli("share", "create", "example-corp", "--json").stdout)
    users = json.loads(cli("user", "list", "--json").stdout)
    tokens = json.loads(cli("token", "list", "--json").stdout)
    shares = json.loads(cli("share", "list", "example-corp", "--json").stdout)
    utc = dt.timedelta(0)
    for obj, keys in ((created, ["created_at"]), (token, ["created_at", "expires_at"]), (share, ["created_at", "expires_at"])):
        assert [_offset(obj[k]) for k in keys] == [utc] * len(keys)
    listed_user = next(u for u in users if u["email"] == "ana@example.com")
    assert _offset(listed_user["created_at"]) == utc
    assert [(_offset(t["created_at"]), _offset(t["expires_at"])) for t in tokens] == [(utc, utc)]
    assert [(_offset(s["created_at"]), _offset(s["expires_at"])) for s in shares] == [(utc, utc)]
    assert dt.datetime.fromisoformat(shares[0]["expires_at"]) == dt.datetime.fromisoformat(share["expires_at"])
