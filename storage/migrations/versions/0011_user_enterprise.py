"""partners by organisation: members' Enterprise Grid organisation (users.info enterprise_id)

Revision ID: 0011_user_enterprise
Revises: 0010_private_routes
Create Date: 2026-12-01 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0011_user_enterprise'
down_revision = '0010_private_routes'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('slack_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('enterprise_id', sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('slack_users', schema=None) as batch_op:
        batch_op.drop_column('enterprise_id')
