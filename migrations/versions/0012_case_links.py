"""case links

Cases the secretariat links as related (关联), each pair once with the smaller id first.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27 05:26:16.303172

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('case_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('linked_case_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('case_id < linked_case_id', name=op.f('ck_case_links_ordered')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_links_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_case_links_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['linked_case_id'], ['cases.id'], name=op.f('fk_case_links_linked_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_links')),
    sa.UniqueConstraint('case_id', 'linked_case_id', name='uq_case_links_pair')
    )
    with op.batch_alter_table('case_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_links_linked_case_id'), ['linked_case_id'], unique=False)



def downgrade():
    with op.batch_alter_table('case_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_links_linked_case_id'))

    op.drop_table('case_links')
