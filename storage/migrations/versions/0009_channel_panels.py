"""the alliance panel: one pinned message per channel, with a button for everything a command does

Revision ID: 0009_channel_panels
Revises: 0008_user_email
Create Date: 2026-12-06 14:10:00
"""
import sqlalchemy as sa
from alembic import op

import storage.types

revision = '0009_channel_panels'
down_revision = '0008_user_email'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'channel_panels',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('installation_id', sa.Integer(), nullable=False),
        sa.Column('channel_id', sa.String(length=32), nullable=False),
        sa.Column('message_ts', sa.String(length=32), nullable=True),
        sa.Column('claimed_at', storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['installation_id'], ['installations.id'], name=op.f('fk_channel_panels_installation_id_installations'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_channel_panels')),
        sa.UniqueConstraint('installation_id', 'channel_id', name='uq_channel_panels_channel'),
    )


def downgrade() -> None:
    op.drop_table('channel_panels')
