"""partial index on cases.merged_into_id

Only merged letters are indexed. Over a column that is nearly all NULL, SQLite's statistics made
every lookup of the letters merged into some cases look like a whole-table match, and it scanned
(22 ms at 100,000 cases on the search page).

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27 06:35:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

NOT_NULL = sa.text("merged_into_id IS NOT NULL")


def upgrade():
    # Not in batch mode: on SQLite that would rebuild `cases` and drop its search triggers.
    op.drop_index('ix_cases_merged_into_id', table_name='cases')
    op.create_index('ix_cases_merged_into_id', 'cases', ['merged_into_id'], unique=False,
                    sqlite_where=NOT_NULL, postgresql_where=NOT_NULL)


def downgrade():
    op.drop_index('ix_cases_merged_into_id', table_name='cases')
    op.create_index('ix_cases_merged_into_id', 'cases', ['merged_into_id'], unique=False)
