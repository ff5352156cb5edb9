"""disputes of body decisions (timed escalation, issue 19): the body a dispute is with and its window, and each step

Revision ID: 0019_disputes
Revises: 0018_concerns_register
Create Date: 2026-12-06 20:00:00
"""
import sqlalchemy as sa
from alembic import op

import storage.types

revision = '0019_disputes'
down_revision = '0018_concerns_register'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('disputes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('opened_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('window_ends_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('resolution', sa.String(length=16), nullable=True),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'], name=op.f('fk_disputes_decision_id_decisions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disputes')),
    sa.UniqueConstraint('decision_id', name='uq_disputes_decision')
    )
    op.create_table('dispute_steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dispute_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('body', sa.String(length=40), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('business_days', sa.Integer(), nullable=True),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['dispute_id'], ['disputes.id'], name=op.f('fk_dispute_steps_dispute_id_disputes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispute_steps')),
    sa.UniqueConstraint('dispute_id', 'kind', 'body', name='uq_dispute_steps_once')
    )


def downgrade() -> None:
    op.drop_table('dispute_steps')
    op.drop_table('disputes')
