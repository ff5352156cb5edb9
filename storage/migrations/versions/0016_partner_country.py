"""partners: the country whose public holidays stop the alliance's business-day clocks (ISO 3166-1 alpha-2)

Revision ID: 0016_partner_country
Revises: 0015_governance_bodies
Create Date: 2026-12-06 17:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0016_partner_country'
down_revision = '0015_governance_bodies'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('partners') as batch:
        batch.add_column(sa.Column('country', sa.String(length=2), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('partners') as batch:
        batch.drop_column('country')
