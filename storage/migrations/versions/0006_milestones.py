"""milestones, slips and channel schedules

Revision ID: 0006_milestones
Revises: 0002
Create Date: 2026-11-29 04:49:56.464150
"""
import sqlalchemy as sa
from alembic import op

import storage.types

revision = '0006_milestones'
down_revision = '0005_meetings'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('channel_schedules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('installation_id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.String(length=32), nullable=False),
    sa.Column('nudge_offsets', sa.JSON(), nullable=True),
    sa.Column('digest_every', sa.String(length=8), nullable=True),
    sa.Column('digest_weekday', sa.Integer(), nullable=True),
    sa.Column('digest_at', sa.String(length=5), nullable=True),
    sa.Column('digest_zone', sa.String(length=64), nullable=True),
    sa.Column('digest_version', sa.Integer(), nullable=False),
    sa.Column('last_digest_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['installation_id'], ['installations.id'], name=op.f('fk_channel_schedules_installation_id_installations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_channel_schedules')),
    sa.UniqueConstraint('installation_id', 'channel_id', name='uq_channel_schedules_channel')
    )
    op.create_table('milestones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('installation_id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('partner', sa.String(length=100), nullable=True),
    sa.Column('owner_id', sa.String(length=32), nullable=True),
    sa.Column('amount', sa.String(length=40), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('direction', sa.String(length=3), nullable=True),
    sa.Column('achieved_on', sa.Date(), nullable=True),
    sa.Column('payment_state', sa.String(length=16), nullable=True),
    sa.Column('snoozed', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.String(length=32), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['installation_id'], ['installations.id'], name=op.f('fk_milestones_installation_id_installations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_milestones'))
    )
    with op.batch_alter_table('milestones', schema=None) as batch_op:
        batch_op.create_index('ix_milestones_channel_due', ['installation_id', 'channel_id', 'due_date'], unique=False)

    op.create_table('milestone_slips',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('milestone_id', sa.Integer(), nullable=False),
    sa.Column('from_date', sa.Date(), nullable=False),
    sa.Column('to_date', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('by_user', sa.String(length=32), nullable=False),
    sa.Column('at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['milestone_id'], ['milestones.id'], name=op.f('fk_milestone_slips_milestone_id_milestones'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_milestone_slips'))
    )
    with op.batch_alter_table('milestone_slips', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_milestone_slips_milestone_id'), ['milestone_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('milestone_slips', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_milestone_slips_milestone_id'))

    op.drop_table('milestone_slips')
    with op.batch_alter_table('milestones', schema=None) as batch_op:
        batch_op.drop_index('ix_milestones_channel_due')

    op.drop_table('milestones')
    op.drop_table('channel_schedules')
