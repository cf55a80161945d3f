"""The plan as an implementation runs it: re-forecast finishes, tasks edited per project,
template tasks removed on purpose, and the customer's confirmations.

Revision ID: 0013
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("plans") as batch:
        batch.add_column(sa.Column("removed", sa.JSON(), nullable=False, server_default="[]"))
    with op.batch_alter_table("plan_tasks") as batch:
        batch.add_column(sa.Column("expected_end", sa.Date(), nullable=True))
        batch.add_column(sa.Column("origin", sa.String(length=20), nullable=False, server_default="template"))
        batch.add_column(sa.Column("edited", sa.JSON(), nullable=False, server_default="[]"))
    op.create_table(
        "plan_confirmations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.String(length=120), nullable=False),
        sa.Column("decision", sa.String(length=20), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=True),
        sa.Column("by_name", sa.String(length=200), nullable=False),
        sa.Column("by_email", sa.String(length=320), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], name=op.f("fk_plan_confirmations_project_id_projects"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_confirmations")),
    )


def downgrade() -> None:
    op.drop_table("plan_confirmations")
    with op.batch_alter_table("plan_tasks") as batch:
        batch.drop_column("edited")
        batch.drop_column("origin")
        batch.drop_column("expected_end")
    with op.batch_alter_table("plans") as batch:
        batch.drop_column("removed")
