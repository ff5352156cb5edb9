"""calendar feeds: a private iCalendar feed per alliance and per person, reached by a rotatable token

Revision ID: 0014_calendar_feeds
Revises: 0013_user_enterprise_name
Create Date: 2026-12-06 17:10:00
"""
import sqlalchemy as sa
from alembic import op

import storage.types

revision = '0014_calendar_feeds'
down_revision = '0013_user_enterprise_name'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('calendar_feeds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('installation_id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('etag', sa.String(length=64), nullable=False),
    sa.Column('changed_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['installation_id'], ['installations.id'], name=op.f('fk_calendar_feeds_installation_id_installations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_feeds')),
    sa.UniqueConstraint('installation_id', 'channel_id', 'user_id', name='uq_calendar_feeds_owner'),
    sa.UniqueConstraint('token', name='uq_calendar_feeds_token')
    )


def downgrade() -> None:
    op.drop_table('calendar_feeds')
