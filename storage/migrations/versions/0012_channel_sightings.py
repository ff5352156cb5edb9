"""shared channels: which installations have seen a channel, and an index to find a channel's alliance by its id

Revision ID: 0012_channel_sightings
Revises: 0011_user_enterprise
Create Date: 2026-12-06 16:30:00
"""
import sqlalchemy as sa
from alembic import op

import storage.types

revision = '0012_channel_sightings'
down_revision = '0011_user_enterprise'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('channel_sightings',
    sa.Column('installation_id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.String(length=32), nullable=False),
    sa.Column('seen_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['installation_id'], ['installations.id'], name=op.f('fk_channel_sightings_installation_id_installations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('installation_id', 'channel_id', name=op.f('pk_channel_sightings'))
    )
    op.create_index('ix_alliances_channel', 'alliances', ['channel_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_alliances_channel', table_name='alliances')
    op.drop_table('channel_sightings')
