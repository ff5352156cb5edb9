"""private messages: how each person was last reached (DM, or an ephemeral when Slack refuses DMs to them)

Revision ID: 0010_private_routes
Revises: 0009_channel_panels
Create Date: 2026-12-06 14:00:00
"""
import sqlalchemy as sa
from alembic import op

import storage.types

revision = '0010_private_routes'
down_revision = '0009_channel_panels'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('private_routes',
    sa.Column('installation_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('route', sa.String(length=16), nullable=False),
    sa.Column('checked_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['installation_id'], ['installations.id'], name=op.f('fk_private_routes_installation_id_installations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('installation_id', 'user_id', name=op.f('pk_private_routes'))
    )


def downgrade() -> None:
    op.drop_table('private_routes')
