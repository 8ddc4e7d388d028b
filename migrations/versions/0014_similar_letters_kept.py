"""similar letters kept

The earlier letters found about the same matter as a case, kept when it is submitted, so its page
reads them instead of scoring hundreds of letters each time it is shown; cases.similar_found_at
tells when (NULL: a letter from before, scored when shown until `djgc similar-letters` runs).

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-27 08:07:31.081908

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('similar_letters',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('similar_case_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('names', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_similar_letters_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['similar_case_id'], ['cases.id'], name=op.f('fk_similar_letters_similar_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id', 'similar_case_id', name=op.f('pk_similar_letters'))
    )
    # Not in batch mode: on SQLite that would rebuild `cases` and drop its search triggers.
    op.add_column('cases', sa.Column('similar_found_at', sa.DateTime(), nullable=True))


def downgrade():
    # ALTER TABLE … DROP COLUMN: SQLite 3.35 or newer (batch mode would drop the search triggers).
    op.drop_column('cases', 'similar_found_at')
    op.drop_table('similar_letters')
