"""decisions in a governance body: the body as it stood when the decision started, its decision type, and each party's vote

Revision ID: 0017_body_decisions
Revises: 0016_partner_country
Create Date: 2026-12-06 19:10:00
"""
import sqlalchemy as sa
from alembic import op

import storage.types

revision = '0017_body_decisions'
down_revision = '0016_partner_country'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('decisions') as batch:
        batch.add_column(sa.Column('body', sa.JSON(), nullable=True))
        batch.add_column(sa.Column('decision_type', sa.String(length=40), nullable=True))
    op.create_table('party_votes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('partner', sa.String(length=100), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('concern', sa.Text(), nullable=True),
    sa.Column('cast_by', sa.String(length=32), nullable=False),
    sa.Column('cast_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['decision_rounds.id'], name=op.f('fk_party_votes_round_id_decision_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_party_votes')),
    sa.UniqueConstraint('round_id', 'partner', name='uq_party_votes_round_partner')
    )


def downgrade() -> None:
    op.drop_table('party_votes')
    with op.batch_alter_table('decisions') as batch:
        batch.drop_column('decision_type')
        batch.drop_column('body')
