"""vouchers (issue 8): residents, programmes, vouchers, ledger, settlement

Revision ID: 0010_vouchers
Revises: 0009_project_evaluation
"""
from alembic import op
import sqlalchemy as sa


revision = '0010_vouchers'
down_revision = '0009_project_evaluation'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('resident_profiles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('real_name', sa.String(length=60), nullable=False),
    sa.Column('id_number_enc', sa.String(length=120), nullable=False),
    sa.Column('id_hash', sa.String(length=64), nullable=False),
    sa.Column('id_masked', sa.String(length=18), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('registered_by_id', sa.Integer(), nullable=True),
    sa.Column('verified_by_id', sa.Integer(), nullable=True),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'verified', 'suspended')", name=op.f('ck_resident_profiles_status_valid')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_resident_profiles_community_id_communities')),
    sa.ForeignKeyConstraint(['registered_by_id'], ['users.id'], name=op.f('fk_resident_profiles_registered_by_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_resident_profiles_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['verified_by_id'], ['users.id'], name=op.f('fk_resident_profiles_verified_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resident_profiles')),
    sa.UniqueConstraint('id_hash', name=op.f('uq_resident_profiles_id_hash')),
    sa.UniqueConstraint('user_id', name=op.f('uq_resident_profiles_user_id'))
    )
    with op.batch_alter_table('resident_profiles', schema=None) as batch_op:
        batch_op.create_index('ix_resident_profiles_status_community', ['status', 'community_id', 'id'], unique=False)

    op.create_table('resident_tags',
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('tag', sa.String(length=30), nullable=False),
    sa.CheckConstraint("tag IN ('low_income', 'extreme_poverty', 'disability', 'living_alone', 'aged_80')", name=op.f('ck_resident_tags_tag_valid')),
    sa.ForeignKeyConstraint(['resident_id'], ['resident_profiles.id'], name=op.f('fk_resident_tags_resident_id_resident_profiles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('resident_id', 'tag', name=op.f('pk_resident_tags'))
    )
    with op.batch_alter_table('resident_tags', schema=None) as batch_op:
        batch_op.create_index('ix_resident_tags_tag', ['tag', 'resident_id'], unique=False)

    op.create_table('voucher_programmes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('budget_fen', sa.BigInteger(), nullable=False),
    sa.Column('allocated_fen', sa.BigInteger(), nullable=False),
    sa.Column('face_value_fen', sa.BigInteger(), nullable=False),
    sa.Column('vouchers_per_period', sa.SmallInteger(), nullable=False),
    sa.Column('min_age', sa.SmallInteger(), nullable=True),
    sa.Column('required_tags', sa.JSON(), nullable=False),
    sa.Column('tags_mode', sa.String(length=3), nullable=False),
    sa.Column('validity_days', sa.Integer(), nullable=True),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('provider_mode', sa.String(length=20), nullable=False),
    sa.Column('contract_call_id', sa.Integer(), nullable=True),
    sa.Column('resident_cap_fen', sa.BigInteger(), nullable=True),
    sa.Column('provider_cap_fen', sa.BigInteger(), nullable=True),
    sa.Column('status_reason', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('activated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("provider_mode = 'open' OR contract_call_id IS NOT NULL", name=op.f('ck_voucher_programmes_contract_call_set')),
    sa.CheckConstraint("provider_mode IN ('open', 'contracted')", name=op.f('ck_voucher_programmes_provider_mode_valid')),
    sa.CheckConstraint("status IN ('draft', 'active', 'closed')", name=op.f('ck_voucher_programmes_status_valid')),
    sa.CheckConstraint("tags_mode IN ('any', 'all')", name=op.f('ck_voucher_programmes_tags_mode_valid')),
    sa.CheckConstraint('(resident_cap_fen IS NULL OR resident_cap_fen > 0) AND (provider_cap_fen IS NULL OR provider_cap_fen > 0)', name=op.f('ck_voucher_programmes_caps_positive')),
    sa.CheckConstraint('(validity_days IS NOT NULL AND validity_days > 0) OR valid_until IS NOT NULL', name=op.f('ck_voucher_programmes_validity_set')),
    sa.CheckConstraint('allocated_fen >= 0 AND allocated_fen <= budget_fen', name=op.f('ck_voucher_programmes_allocated_within_budget')),
    sa.CheckConstraint('budget_fen > 0', name=op.f('ck_voucher_programmes_budget_positive')),
    sa.CheckConstraint('face_value_fen > 0', name=op.f('ck_voucher_programmes_face_value_positive')),
    sa.CheckConstraint('min_age IS NULL OR min_age BETWEEN 0 AND 150', name=op.f('ck_voucher_programmes_min_age_range')),
    sa.CheckConstraint('vouchers_per_period BETWEEN 1 AND 31', name=op.f('ck_voucher_programmes_vouchers_per_period_range')),
    sa.ForeignKeyConstraint(['contract_call_id'], ['calls.id'], name=op.f('fk_voucher_programmes_contract_call_id_calls')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_voucher_programmes_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voucher_programmes'))
    )
    op.create_table('voucher_services',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('price_fen', sa.BigInteger(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('price_fen > 0', name=op.f('ck_voucher_services_price_positive')),
    sa.ForeignKeyConstraint(['category_id'], ['service_categories.id'], name=op.f('fk_voucher_services_category_id_service_categories')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_voucher_services_org_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voucher_services'))
    )
    with op.batch_alter_table('voucher_services', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_voucher_services_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_voucher_services_org_id'), ['org_id'], unique=False)

    op.create_table('voucher_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_voucher_codes_created_by_id_users')),
    sa.ForeignKeyConstraint(['programme_id'], ['voucher_programmes.id'], name=op.f('fk_voucher_codes_programme_id_voucher_programmes')),
    sa.ForeignKeyConstraint(['resident_id'], ['resident_profiles.id'], name=op.f('fk_voucher_codes_resident_id_resident_profiles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voucher_codes'))
    )
    with op.batch_alter_table('voucher_codes', schema=None) as batch_op:
        batch_op.create_index('ix_voucher_codes_code_hash', ['code_hash'], unique=False)
        batch_op.create_index('ix_voucher_codes_resident', ['resident_id', 'created_at'], unique=False)

    op.create_table('voucher_issuance_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('expected_residents', sa.Integer(), nullable=False),
    sa.Column('cursor_resident_id', sa.Integer(), nullable=False),
    sa.Column('residents_issued', sa.Integer(), nullable=False),
    sa.Column('vouchers_issued', sa.Integer(), nullable=False),
    sa.Column('issued_fen', sa.BigInteger(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('started_by_id', sa.Integer(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('running', 'done', 'budget_exhausted', 'failed')", name=op.f('ck_voucher_issuance_batches_status_valid')),
    sa.ForeignKeyConstraint(['programme_id'], ['voucher_programmes.id'], name=op.f('fk_voucher_issuance_batches_programme_id_voucher_programmes')),
    sa.ForeignKeyConstraint(['started_by_id'], ['users.id'], name=op.f('fk_voucher_issuance_batches_started_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voucher_issuance_batches'))
    )
    with op.batch_alter_table('voucher_issuance_batches', schema=None) as batch_op:
        batch_op.create_index('ix_voucher_issuance_batches_programme', ['programme_id', 'period'], unique=False)

    op.create_table('voucher_period_usage',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('subject', sa.String(length=10), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('used_fen', sa.BigInteger(), nullable=False),
    sa.CheckConstraint("subject IN ('resident', 'provider')", name=op.f('ck_voucher_period_usage_subject_valid')),
    sa.CheckConstraint('used_fen >= 0', name=op.f('ck_voucher_period_usage_used_not_negative')),
    sa.ForeignKeyConstraint(['programme_id'], ['voucher_programmes.id'], name=op.f('fk_voucher_period_usage_programme_id_voucher_programmes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voucher_period_usage')),
    sa.UniqueConstraint('programme_id', 'period', 'subject', 'subject_id', name='uq_voucher_period_usage_subject')
    )
    op.create_table('voucher_programme_categories',
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['service_categories.id'], name=op.f('fk_voucher_programme_categories_category_id_service_categories')),
    sa.ForeignKeyConstraint(['programme_id'], ['voucher_programmes.id'], name=op.f('fk_voucher_programme_categories_programme_id_voucher_programmes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('programme_id', 'category_id', name=op.f('pk_voucher_programme_categories'))
    )
    op.create_table('voucher_programme_communities',
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_voucher_programme_communities_community_id_communities')),
    sa.ForeignKeyConstraint(['programme_id'], ['voucher_programmes.id'], name=op.f('fk_voucher_programme_communities_programme_id_voucher_programmes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('programme_id', 'community_id', name=op.f('pk_voucher_programme_communities'))
    )
    op.create_table('voucher_service_communities',
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_voucher_service_communities_community_id_communities')),
    sa.ForeignKeyConstraint(['service_id'], ['voucher_services.id'], name=op.f('fk_voucher_service_communities_service_id_voucher_services'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('service_id', 'community_id', name=op.f('pk_voucher_service_communities'))
    )
    with op.batch_alter_table('voucher_service_communities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_voucher_service_communities_community_id'), ['community_id'], unique=False)

    op.create_table('voucher_settlements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('provider_org_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('seq', sa.SmallInteger(), nullable=False),
    sa.Column('total_fen', sa.BigInteger(), nullable=False),
    sa.Column('redemption_count', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('paid_by_id', sa.Integer(), nullable=True),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('payment_reference', sa.String(length=100), nullable=False),
    sa.Column('document_code', sa.String(length=20), nullable=True),
    sa.CheckConstraint("status IN ('draft', 'approved', 'paid')", name=op.f('ck_voucher_settlements_status_valid')),
    sa.CheckConstraint('total_fen >= 0 AND redemption_count >= 0', name=op.f('ck_voucher_settlements_totals_not_negative')),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_voucher_settlements_approved_by_id_users')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_voucher_settlements_created_by_id_users')),
    sa.ForeignKeyConstraint(['paid_by_id'], ['users.id'], name=op.f('fk_voucher_settlements_paid_by_id_users')),
    sa.ForeignKeyConstraint(['programme_id'], ['voucher_programmes.id'], name=op.f('fk_voucher_settlements_programme_id_voucher_programmes')),
    sa.ForeignKeyConstraint(['provider_org_id'], ['organisations.id'], name=op.f('fk_voucher_settlements_provider_org_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voucher_settlements')),
    sa.UniqueConstraint('programme_id', 'provider_org_id', 'period', 'seq', name='uq_voucher_settlements_statement')
    )
    with op.batch_alter_table('voucher_settlements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_voucher_settlements_provider_org_id'), ['provider_org_id'], unique=False)

    op.create_table('voucher_redemptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('provider_org_id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('code_id', sa.Integer(), nullable=True),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('idempotency_key', sa.String(length=100), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('redeemed_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('settlement_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('completed', 'disputed', 'reversed')", name=op.f('ck_voucher_redemptions_status_valid')),
    sa.CheckConstraint('amount_fen > 0', name=op.f('ck_voucher_redemptions_amount_positive')),
    sa.ForeignKeyConstraint(['code_id'], ['voucher_codes.id'], name=op.f('fk_voucher_redemptions_code_id_voucher_codes')),
    sa.ForeignKeyConstraint(['programme_id'], ['voucher_programmes.id'], name=op.f('fk_voucher_redemptions_programme_id_voucher_programmes')),
    sa.ForeignKeyConstraint(['provider_org_id'], ['organisations.id'], name=op.f('fk_voucher_redemptions_provider_org_id_organisations')),
    sa.ForeignKeyConstraint(['redeemed_by_id'], ['users.id'], name=op.f('fk_voucher_redemptions_redeemed_by_id_users')),
    sa.ForeignKeyConstraint(['resident_id'], ['resident_profiles.id'], name=op.f('fk_voucher_redemptions_resident_id_resident_profiles')),
    sa.ForeignKeyConstraint(['service_id'], ['voucher_services.id'], name=op.f('fk_voucher_redemptions_service_id_voucher_services')),
    sa.ForeignKeyConstraint(['settlement_id'], ['voucher_settlements.id'], name=op.f('fk_voucher_redemptions_settlement_id_voucher_settlements')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voucher_redemptions')),
    sa.UniqueConstraint('provider_org_id', 'idempotency_key', name='uq_voucher_redemptions_provider_key')
    )
    with op.batch_alter_table('voucher_redemptions', schema=None) as batch_op:
        batch_op.create_index('ix_voucher_redemptions_provider_time', ['provider_org_id', 'created_at'], unique=False)
        batch_op.create_index('ix_voucher_redemptions_resident', ['resident_id', 'created_at'], unique=False)
        batch_op.create_index('ix_voucher_redemptions_settle', ['programme_id', 'provider_org_id', 'period', 'status'], unique=False)

    op.create_table('vouchers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('seq', sa.SmallInteger(), nullable=False),
    sa.Column('face_value_fen', sa.BigInteger(), nullable=False),
    sa.Column('balance_fen', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('active', 'expired', 'revoked')", name=op.f('ck_vouchers_status_valid')),
    sa.CheckConstraint('balance_fen <= face_value_fen', name=op.f('ck_vouchers_balance_within_face_value')),
    sa.CheckConstraint('balance_fen >= 0', name=op.f('ck_vouchers_balance_not_negative')),
    sa.CheckConstraint('seq >= 1', name=op.f('ck_vouchers_seq_positive')),
    sa.ForeignKeyConstraint(['programme_id'], ['voucher_programmes.id'], name=op.f('fk_vouchers_programme_id_voucher_programmes')),
    sa.ForeignKeyConstraint(['resident_id'], ['resident_profiles.id'], name=op.f('fk_vouchers_resident_id_resident_profiles')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vouchers')),
    sa.UniqueConstraint('programme_id', 'resident_id', 'period', 'seq', name='uq_vouchers_programme_resident_period')
    )
    with op.batch_alter_table('vouchers', schema=None) as batch_op:
        batch_op.create_index('ix_vouchers_resident_spend', ['resident_id', 'programme_id', 'status', 'expires_at'], unique=False)
        batch_op.create_index('ix_vouchers_status_expires', ['status', 'expires_at'], unique=False)

    op.create_table('voucher_disputes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('redemption_id', sa.Integer(), nullable=False),
    sa.Column('raised_by_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('open', 'upheld', 'rejected')", name=op.f('ck_voucher_disputes_status_valid')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_voucher_disputes_decided_by_id_users')),
    sa.ForeignKeyConstraint(['raised_by_id'], ['users.id'], name=op.f('fk_voucher_disputes_raised_by_id_users')),
    sa.ForeignKeyConstraint(['redemption_id'], ['voucher_redemptions.id'], name=op.f('fk_voucher_disputes_redemption_id_voucher_redemptions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voucher_disputes')),
    sa.UniqueConstraint('redemption_id', name=op.f('uq_voucher_disputes_redemption_id'))
    )
    op.create_table('voucher_ledger',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('voucher_id', sa.Integer(), nullable=True),
    sa.Column('resident_id', sa.Integer(), nullable=True),
    sa.Column('provider_org_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('redemption_id', sa.Integer(), nullable=True),
    sa.Column('settlement_id', sa.Integer(), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(kind IN ('issue', 'reverse') AND amount_fen > 0 AND voucher_id IS NOT NULL) OR (kind IN ('redeem', 'expire', 'revoke') AND amount_fen < 0 AND voucher_id IS NOT NULL) OR (kind = 'settle' AND amount_fen >= 0 AND voucher_id IS NULL)", name=op.f('ck_voucher_ledger_signed_by_kind')),
    sa.CheckConstraint("kind IN ('issue', 'redeem', 'reverse', 'expire', 'revoke', 'settle')", name=op.f('ck_voucher_ledger_kind_valid')),
    sa.ForeignKeyConstraint(['programme_id'], ['voucher_programmes.id'], name=op.f('fk_voucher_ledger_programme_id_voucher_programmes')),
    sa.ForeignKeyConstraint(['provider_org_id'], ['organisations.id'], name=op.f('fk_voucher_ledger_provider_org_id_organisations')),
    sa.ForeignKeyConstraint(['redemption_id'], ['voucher_redemptions.id'], name=op.f('fk_voucher_ledger_redemption_id_voucher_redemptions')),
    sa.ForeignKeyConstraint(['settlement_id'], ['voucher_settlements.id'], name=op.f('fk_voucher_ledger_settlement_id_voucher_settlements')),
    sa.ForeignKeyConstraint(['voucher_id'], ['vouchers.id'], name=op.f('fk_voucher_ledger_voucher_id_vouchers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voucher_ledger'))
    )
    with op.batch_alter_table('voucher_ledger', schema=None) as batch_op:
        batch_op.create_index('ix_voucher_ledger_programme_kind', ['programme_id', 'kind'], unique=False)
        batch_op.create_index('ix_voucher_ledger_redemption', ['redemption_id'], unique=False,
                              postgresql_where=sa.text('redemption_id IS NOT NULL'),
                              sqlite_where=sa.text('redemption_id IS NOT NULL'))
        batch_op.create_index('ix_voucher_ledger_voucher', ['voucher_id'], unique=False)

    op.create_table('voucher_ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('redemption_id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('provider_org_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('stars', sa.SmallInteger(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('stars BETWEEN 1 AND 5', name=op.f('ck_voucher_ratings_stars_range')),
    sa.ForeignKeyConstraint(['provider_org_id'], ['organisations.id'], name=op.f('fk_voucher_ratings_provider_org_id_organisations')),
    sa.ForeignKeyConstraint(['redemption_id'], ['voucher_redemptions.id'], name=op.f('fk_voucher_ratings_redemption_id_voucher_redemptions')),
    sa.ForeignKeyConstraint(['resident_id'], ['resident_profiles.id'], name=op.f('fk_voucher_ratings_resident_id_resident_profiles')),
    sa.ForeignKeyConstraint(['service_id'], ['voucher_services.id'], name=op.f('fk_voucher_ratings_service_id_voucher_services')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voucher_ratings')),
    sa.UniqueConstraint('redemption_id', name=op.f('uq_voucher_ratings_redemption_id'))
    )
    with op.batch_alter_table('voucher_ratings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_voucher_ratings_provider_org_id'), ['provider_org_id'], unique=False)


def downgrade():
    with op.batch_alter_table('voucher_ratings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_voucher_ratings_provider_org_id'))

    op.drop_table('voucher_ratings')
    with op.batch_alter_table('voucher_ledger', schema=None) as batch_op:
        batch_op.drop_index('ix_voucher_ledger_voucher')
        batch_op.drop_index('ix_voucher_ledger_redemption')
        batch_op.drop_index('ix_voucher_ledger_programme_kind')

    op.drop_table('voucher_ledger')
    op.drop_table('voucher_disputes')
    with op.batch_alter_table('vouchers', schema=None) as batch_op:
        batch_op.drop_index('ix_vouchers_status_expires')
        batch_op.drop_index('ix_vouchers_resident_spend')

    op.drop_table('vouchers')
    with op.batch_alter_table('voucher_redemptions', schema=None) as batch_op:
        batch_op.drop_index('ix_voucher_redemptions_settle')
        batch_op.drop_index('ix_voucher_redemptions_resident')
        batch_op.drop_index('ix_voucher_redemptions_provider_time')

    op.drop_table('voucher_redemptions')
    with op.batch_alter_table('voucher_settlements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_voucher_settlements_provider_org_id'))

    op.drop_table('voucher_settlements')
    with op.batch_alter_table('voucher_service_communities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_voucher_service_communities_community_id'))

    op.drop_table('voucher_service_communities')
    op.drop_table('voucher_programme_communities')
    op.drop_table('voucher_programme_categories')
    op.drop_table('voucher_period_usage')
    with op.batch_alter_table('voucher_issuance_batches', schema=None) as batch_op:
        batch_op.drop_index('ix_voucher_issuance_batches_programme')

    op.drop_table('voucher_issuance_batches')
    with op.batch_alter_table('voucher_codes', schema=None) as batch_op:
        batch_op.drop_index('ix_voucher_codes_resident')
        batch_op.drop_index('ix_voucher_codes_code_hash')

    op.drop_table('voucher_codes')
    with op.batch_alter_table('voucher_services', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_voucher_services_org_id'))
        batch_op.drop_index(batch_op.f('ix_voucher_services_category_id'))

    op.drop_table('voucher_services')
    op.drop_table('voucher_programmes')
    with op.batch_alter_table('resident_tags', schema=None) as batch_op:
        batch_op.drop_index('ix_resident_tags_tag')

    op.drop_table('resident_tags')
    with op.batch_alter_table('resident_profiles', schema=None) as batch_op:
        batch_op.drop_index('ix_resident_profiles_status_community')

    op.drop_table('resident_profiles')
