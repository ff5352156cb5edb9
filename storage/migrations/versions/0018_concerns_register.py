"""the concerns register: every concern a decision's rounds raised, open, addressed (in which round) or an assumption

Revision ID: 0018_concerns_register
Revises: 0017_body_decisions
Create Date: 2026-12-06 20:00:00
"""
import sqlalchemy as sa
from alembic import op

import storage.types

revision = '0018_concerns_register'
down_revision = '0017_body_decisions'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('decision_concerns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('round_raised', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('text_key', sa.String(length=64), nullable=False),
    sa.Column('partners', sa.JSON(), nullable=False),
    sa.Column('raised_by', sa.JSON(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('addressed_in_round', sa.Integer(), nullable=True),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'], name=op.f('fk_decision_concerns_decision_id_decisions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decision_concerns')),
    sa.UniqueConstraint('decision_id', 'round_raised', 'text_key', name='uq_decision_concerns_text')
    )


def downgrade() -> None:
    op.drop_table('decision_concerns')
