"""One settings object. Every setting is an IMPLHUB_* environment variable, documented here and in
the README; a bad value fails loudly at start-up."""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass, field
from pathlib import Path

from implhub.errors import ValidationError

#: name -> help text. tests/test_docs.py checks that the README documents every one.
SETTINGS_HELP: dict[str, str] = {
    "IMPLHUB_DATABASE_URL": "SQLAlchemy URL of the store (default: SQLite file implhub.db in the user data directory)",
    "IMPLHUB_USER": "the actor recorded in the activity log for CLI changes (default: the OS user)",
    "IMPLHUB_BASE_URL": "public base URL of the web app, used in share links and calendar feeds",
    "IMPLHUB_SECRET_KEY": "secret for session cookies and CSRF tokens (default: generated and kept in the data directory)",
    "IMPLHUB_DATA_DIR": "where implhub keeps its files: database, load-test points, secrets (default: the user data directory)",
    "IMPLHUB_SMTP_HOST": "SMTP server for reminders and digests",
    "IMPLHUB_SMTP_PORT": "SMTP port (default 25)",
    "IMPLHUB_SMTP_FROM": "sender address of reminders",
    "IMPLHUB_SMTP_USER": "optional SMTP user",
    "IMPLHUB_SMTP_PASSWORD": "optional SMTP password",
    "IMPLHUB_WEBHOOK_URL": "optional chat webhook (Slack-compatible JSON) for reminders",
    "IMPLHUB_SCALE_THRESHOLDS": "path of a YAML file overriding the exceptional-scale thresholds",
    "IMPLHUB_PLAN_TEMPLATE": "path of a YAML plan template to use instead of the shipped one",
    "IMPLHUB_OIDC_ISSUER": "optional OpenID Connect issuer URL for single sign-on (e.g. https://sso.example.com)",
    "IMPLHUB_OIDC_CLIENT_ID": "client id registered with the OpenID Connect provider",
    "IMPLHUB_OIDC_CLIENT_SECRET": "client secret registered with the OpenID Connect provider",
}


def default_data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("implhub", appauthor=False))


@dataclass(frozen=True)
class Settings:
    database_url: str
    data_dir: Path
    user: str
    base_url: str
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str | None = None
    smtp_user: str | None = None
    smtp_password: str | None = None
    webhook_url: str | None = None
    scale_thresholds_file: Path | None = None
    plan_template_file: Path | None = None
    secret_key: str | None = None
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry (containers): fall back to a stable name
        return "unknown"


def load_settings(env: dict[str, str] | None = None, *, database_url: str | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    data_dir = Path(env.get("IMPLHUB_DATA_DIR") or default_data_dir())
    url = database_url or env.get("IMPLHUB_DATABASE_URL") or f"sqlite:///{data_dir / 'implhub.db'}"
    port_raw = env.get("IMPLHUB_SMTP_PORT", "25")
    try:
        port = int(port_raw)
    except ValueError:
        raise ValidationError(
            f"expected a port number, got {port_raw!r}", field="IMPLHUB_SMTP_PORT"
        ) from None
    thresholds = env.get("IMPLHUB_SCALE_THRESHOLDS")
    template = env.get("IMPLHUB_PLAN_TEMPLATE")
    return Settings(
        database_url=url,
        data_dir=data_dir,
        user=env.get("IMPLHUB_USER") or _os_user(),
        base_url=(env.get("IMPLHUB_BASE_URL") or "http://127.0.0.1:8000").rstrip("/"),
        smtp_host=env.get("IMPLHUB_SMTP_HOST") or None,
        smtp_port=port,
        smtp_from=env.get("IMPLHUB_SMTP_FROM") or None,
        smtp_user=env.get("IMPLHUB_SMTP_USER") or None,
        smtp_password=env.get("IMPLHUB_SMTP_PASSWORD") or None,
        webhook_url=env.get("IMPLHUB_WEBHOOK_URL") or None,
        scale_thresholds_file=Path(thresholds) if thresholds else None,
        plan_template_file=Path(template) if template else None,
        secret_key=env.get("IMPLHUB_SECRET_KEY") or None,
        oidc_issuer=(env.get("IMPLHUB_OIDC_ISSUER") or "").rstrip("/") or None,
        oidc_client_id=env.get("IMPLHUB_OIDC_CLIENT_ID") or None,
        oidc_client_secret=env.get("IMPLHUB_OIDC_CLIENT_SECRET") or None,
    )
