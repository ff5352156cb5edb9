"""consensus decisions, rounds and votes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 14:06:45.933941
"""
import sqlalchemy as sa
from alembic import op

import storage.types

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('installation_id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.String(length=32), nullable=False),
    sa.Column('creator_id', sa.String(length=32), nullable=False),
    sa.Column('deciders', sa.JSON(), nullable=False),
    sa.Column('partners', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('outcome', sa.String(length=32), nullable=True),
    sa.Column('message_ts', sa.String(length=32), nullable=True),
    sa.Column('thread_ts', sa.String(length=32), nullable=True),
    sa.Column('background', sa.Text(), nullable=True),
    sa.Column('preread_url', sa.String(length=2000), nullable=True),
    sa.Column('deadline', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('auto_close', sa.Boolean(), nullable=False),
    sa.Column('assumptions', sa.JSON(), nullable=True),
    sa.Column('review_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['installation_id'], ['installations.id'], name=op.f('fk_decisions_installation_id_installations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decisions'))
    )
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.create_index('ix_decisions_channel_status', ['installation_id', 'channel_id', 'status'], unique=False)

    op.create_table('decision_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('proposal', sa.Text(), nullable=False),
    sa.Column('started_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'], name=op.f('fk_decision_rounds_decision_id_decisions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decision_rounds')),
    sa.UniqueConstraint('decision_id', 'number', name='uq_decision_rounds_number')
    )
    op.create_table('votes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('voter_id', sa.String(length=32), nullable=False),
    sa.Column('partner', sa.String(length=100), nullable=True),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('concern', sa.Text(), nullable=True),
    sa.Column('changes', sa.Integer(), nullable=False),
    sa.Column('updated_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['decision_rounds.id'], name=op.f('fk_votes_round_id_decision_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_votes')),
    sa.UniqueConstraint('round_id', 'voter_id', name='uq_votes_round_voter')
    )


def downgrade() -> None:
    op.drop_table('votes')
    op.drop_table('decision_rounds')
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_index('ix_decisions_channel_status')

    op.drop_table('decisions')
