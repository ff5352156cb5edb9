"""action items, their owners and per-channel numbers

Revision ID: 0004_actions
Revises: 0002
Create Date: 2026-11-29 05:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

import storage.types

revision = '0004_actions'
down_revision = '0003_consensus'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('action_counters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('installation_id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.String(length=32), nullable=False),
    sa.Column('last_number', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['installation_id'], ['installations.id'], name=op.f('fk_action_counters_installation_id_installations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_counters')),
    sa.UniqueConstraint('installation_id', 'channel_id', name='uq_action_counters_channel')
    )
    op.create_table('action_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('installation_id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.String(length=32), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('creator_id', sa.String(length=32), nullable=False),
    sa.Column('due', sa.Date(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('permalink', sa.String(length=2000), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('message_ts', sa.String(length=32), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('done_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('done_by', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['installation_id'], ['installations.id'], name=op.f('fk_action_items_installation_id_installations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_items')),
    sa.UniqueConstraint('installation_id', 'channel_id', 'number', name='uq_action_items_number')
    )
    with op.batch_alter_table('action_items', schema=None) as batch_op:
        batch_op.create_index('ix_action_items_channel_status', ['installation_id', 'channel_id', 'status'], unique=False)

    op.create_table('action_owners',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['action_items.id'], name=op.f('fk_action_owners_item_id_action_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_owners')),
    sa.UniqueConstraint('item_id', 'user_id', name='uq_action_owners_item_user')
    )
    with op.batch_alter_table('action_owners', schema=None) as batch_op:
        batch_op.create_index('ix_action_owners_user', ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('action_owners', schema=None) as batch_op:
        batch_op.drop_index('ix_action_owners_user')
    op.drop_table('action_owners')
    with op.batch_alter_table('action_items', schema=None) as batch_op:
        batch_op.drop_index('ix_action_items_channel_status')
    op.drop_table('action_items')
    op.drop_table('action_counters')
