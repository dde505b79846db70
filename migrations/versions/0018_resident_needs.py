"""residents raise needs (居民需求); community staff and officers answer them

Revision ID: 0018_resident_needs
Revises: 0017_pending_uploads
"""
import sqlalchemy as sa
from alembic import op

revision = '0018_resident_needs'
down_revision = '0017_pending_uploads'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'resident_needs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('resident_id', sa.Integer(), nullable=False),
        sa.Column('community_id', sa.Integer(), nullable=False),
        sa.Column('category', sa.String(length=20), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('wants_contact', sa.Boolean(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('reply', sa.Text(), nullable=False),
        sa.Column('handled_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('open', 'acknowledged', 'closed')", name=op.f('ck_resident_needs_status_valid')),
        sa.CheckConstraint("category IN ('elderly_care', 'meals', 'health', 'home_repair', 'children', 'disability', "
                           "'other')", name=op.f('ck_resident_needs_category_valid')),
        sa.ForeignKeyConstraint(['community_id'], ['communities.id'],
                                name=op.f('fk_resident_needs_community_id_communities')),
        sa.ForeignKeyConstraint(['handled_by_id'], ['users.id'], name=op.f('fk_resident_needs_handled_by_id_users')),
        sa.ForeignKeyConstraint(['resident_id'], ['resident_profiles.id'],
                                name=op.f('fk_resident_needs_resident_id_resident_profiles'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_resident_needs')),
    )
    with op.batch_alter_table('resident_needs', schema=None) as batch_op:
        batch_op.create_index('ix_resident_needs_community_status', ['community_id', 'status', 'id'], unique=False)
        batch_op.create_index('ix_resident_needs_resident', ['resident_id', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('resident_needs', schema=None) as batch_op:
        batch_op.drop_index('ix_resident_needs_resident')
        batch_op.drop_index('ix_resident_needs_community_status')
    op.drop_table('resident_needs')
