"""governance bodies: an alliance's JSC, JDC, … with members per partner, decision rule, quorum, escalation; their history

Revision ID: 0015_governance_bodies
Revises: 0014_calendar_feeds
Create Date: 2026-12-06 17:35:00
"""
import sqlalchemy as sa
from alembic import op

import storage.types

revision = '0015_governance_bodies'
down_revision = '0014_calendar_feeds'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('governance_bodies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('installation_id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('members', sa.JSON(), nullable=False),
    sa.Column('rule', sa.String(length=32), nullable=False),
    sa.Column('quorum', sa.String(length=32), nullable=False),
    sa.Column('window_days', sa.Integer(), nullable=False),
    sa.Column('escalates_to', sa.String(length=40), nullable=True),
    sa.Column('fallback', sa.JSON(), nullable=True),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['installation_id'], ['installations.id'], name=op.f('fk_governance_bodies_installation_id_installations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_governance_bodies')),
    sa.UniqueConstraint('installation_id', 'channel_id', 'name', name='uq_governance_bodies_name')
    )
    op.create_table('governance_body_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.Column('changed_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('changed_by', sa.String(length=32), nullable=False),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['body_id'], ['governance_bodies.id'], name=op.f('fk_governance_body_changes_body_id_governance_bodies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_governance_body_changes'))
    )


def downgrade() -> None:
    op.drop_table('governance_body_changes')
    op.drop_table('governance_bodies')
