"""community staff look after the residents of their communities

Revision ID: 0013_staff_communities
Revises: 0012_registry_fixes
"""
from alembic import op
import sqlalchemy as sa


revision = '0013_staff_communities'
down_revision = '0012_registry_fixes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'staff_communities',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('community_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['community_id'], ['communities.id'],
                                name=op.f('fk_staff_communities_community_id_communities'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_staff_communities_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', 'community_id', name=op.f('pk_staff_communities')),
    )


def downgrade():
    op.drop_table('staff_communities')
