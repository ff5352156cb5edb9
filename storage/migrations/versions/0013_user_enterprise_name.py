"""member cache: the name of an Enterprise Grid person's organisation (users.info enterprise_user.enterprise_name)

Revision ID: 0013_user_enterprise_name
Revises: 0012_channel_sightings
Create Date: 2026-12-06 17:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0013_user_enterprise_name'
down_revision = '0012_channel_sightings'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('slack_users') as batch:
        batch.add_column(sa.Column('enterprise_name', sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('slack_users') as batch:
        batch.drop_column('enterprise_name')
