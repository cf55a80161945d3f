"""The accounts capability's part of the demo: the demo admin (its one-time password is printed
once), internal accounts for the design's internal stakeholders, a customer account for the
customer's sponsor, and a share link to the external plan."""

from __future__ import annotations

from implhub.app import accounts
from implhub.app.context import Ctx
from implhub.app.demo_env import DemoEnv
from implhub.store.models import Project

DEMO_ADMIN = "admin@implhub.example"


def seed(ctx: Ctx, project: Project, env: DemoEnv) -> list[str]:
    lines: list[str] = []
    if accounts.get_user(ctx, email=DEMO_ADMIN) is None:
        password = accounts.create_user(ctx, email=DEMO_ADMIN, role="admin", name="Demo admin").password
    else:  # a rebuilt demo: the old password may be gone with the terminal it was printed in
        password = accounts.reset_password(ctx, email=DEMO_ADMIN)
    made = []
    for st in project.design_model.stakeholders:
        email = st.email.lower()
        if accounts.get_user(ctx, email=email) is not None:
            if st.side == "customer":
                accounts.grant(ctx, email=email, project=project.slug)
            continue
        if st.side == "internal":
            accounts.create_user(ctx, email=email, role="internal", name=st.name)
            made.append(f"{st.role} {email}")
        elif st.role == "SPONSOR":
            accounts.create_user(ctx, email=email, role="customer", project=project.slug, name=st.name)
            made.append(f"customer {email}")
    share = accounts.create_share(ctx, slug=project.slug, expires_days=30)
    lines.append(f"accounts: {len(made)} created for the stakeholders ({', '.join(made) or 'existing'}); "
                 "give them one-time passwords on the Users page or with 'implhub user reset-password EMAIL'")
    lines.append(f"customer view (share link, 30 days, shown once): {share.url}")
    lines.append(f"[bold]demo admin: {DEMO_ADMIN}  one-time password (shown once): {password}[/]")
    return lines
