"""meeting invites: members' email addresses (users:read.email), for mailto: attendees

Revision ID: 0008_user_email
Revises: 0007_scale
Create Date: 2026-11-29 08:50:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0008_user_email'
down_revision = '0007_scale'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('slack_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('slack_users', schema=None) as batch_op:
        batch_op.drop_column('email')
