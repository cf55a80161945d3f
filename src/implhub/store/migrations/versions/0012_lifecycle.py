"""Project lifecycle: when and why a project last changed state (active, complete, closed, archived).

Revision ID: 0012
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("projects") as batch:
        batch.add_column(sa.Column("state_changed_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("state_reason", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("projects") as batch:
        batch.drop_column("state_reason")
        batch.drop_column("state_changed_at")
