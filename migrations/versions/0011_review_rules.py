"""review rules stated in advance: template, blind mode and aggregation on the call; standing conflicts

Revision ID: 0011_review_rules
Revises: 0010_vouchers
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0011_review_rules'
down_revision = '0010_vouchers'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('template_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('blind', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('aggregation', sa.String(length=20), nullable=False,
                                      server_default='trimmed_mean'))
        batch_op.create_foreign_key(batch_op.f('fk_calls_template_id_indicator_templates'), 'indicator_templates',
                                    ['template_id'], ['id'])
        batch_op.create_check_constraint(batch_op.f('ck_calls_aggregation_valid'),
                                         "aggregation IN ('mean', 'trimmed_mean', 'median')")
        batch_op.drop_column('scoring_template_ref')
    op.create_table('expert_conflicts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('relationship_note', sa.Text(), nullable=False),
    sa.Column('declared_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_expert_conflicts_org_id_organisations')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_expert_conflicts_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expert_conflicts')),
    sa.UniqueConstraint('user_id', 'org_id', name='uq_expert_conflicts_user_org')
    )
    with op.batch_alter_table('expert_conflicts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expert_conflicts_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('expert_conflicts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_expert_conflicts_user_id'))
    op.drop_table('expert_conflicts')
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scoring_template_ref', sa.String(length=100), nullable=False,
                                      server_default=''))
        batch_op.drop_constraint(batch_op.f('ck_calls_aggregation_valid'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_calls_template_id_indicator_templates'), type_='foreignkey')
        batch_op.drop_column('aggregation')
        batch_op.drop_column('blind')
        batch_op.drop_column('template_id')
