"""consensus: anonymous ballots and tallies, governance load, admins in the users cache

Revision ID: 0003_consensus
Revises: 0002
Create Date: 2026-11-29 05:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0003_consensus'
down_revision = '0002'
branch_labels = None
depends_on = None

LOAD = ('load_votes', 'load_vote_changes', 'load_concerns', 'load_revisions', 'load_reminders')


def upgrade() -> None:
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('anonymous', sa.Boolean(), server_default='0', nullable=False))
        for column in LOAD:
            batch_op.add_column(sa.Column(column, sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('slack_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_admin', sa.Boolean(), server_default='0', nullable=False))
    op.create_table('ballots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('voter_id', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['decision_rounds.id'], name=op.f('fk_ballots_round_id_decision_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ballots')),
    sa.UniqueConstraint('round_id', 'voter_id', name='uq_ballots_round_voter')
    )
    op.create_table('anonymous_tallies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('partner', sa.String(length=100), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('concerns', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['decision_rounds.id'], name=op.f('fk_anonymous_tallies_round_id_decision_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_anonymous_tallies')),
    sa.UniqueConstraint('round_id', 'partner', 'level', name='uq_anonymous_tallies_cell')
    )


def downgrade() -> None:
    op.drop_table('anonymous_tallies')
    op.drop_table('ballots')
    with op.batch_alter_table('slack_users', schema=None) as batch_op:
        batch_op.drop_column('is_admin')
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        for column in reversed(LOAD):
            batch_op.drop_column(column)
        batch_op.drop_column('anonymous')
