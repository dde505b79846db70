"""an indicator template says what it scores (proposal review or project evaluation), so each chooser offers only
its own kind

Revision ID: 0025_template_purpose
Revises: 0024_expense_withdrawal
"""
import sqlalchemy as sa
from alembic import op

revision = '0025_template_purpose'
down_revision = '0024_expense_withdrawal'
branch_labels = None
depends_on = None

PURPOSES = "purpose IN ('proposal_review', 'project_evaluation')"
PROJECT_DEFAULT_NAME = '项目评估通用标准'  # evaluation.templates.DEFAULT_PROJECT_NAME when this was written


def upgrade():
    if op.get_bind().dialect.name == 'sqlite':
        # Not batch mode: it copies the table and drops the old one, and with foreign keys on (they are, on every
        # connection) that DROP deletes each template's indicators (ON DELETE CASCADE). SQLite adds a NOT NULL
        # column only with a default, which stays on this table here (the app always states the purpose).
        op.execute("ALTER TABLE indicator_templates ADD COLUMN purpose VARCHAR(20) DEFAULT 'proposal_review' NOT NULL "
                   f"CONSTRAINT ck_indicator_templates_purpose_valid CHECK ({PURPOSES})")
    else:
        op.add_column('indicator_templates', sa.Column('purpose', sa.String(length=20),
                                                       server_default='proposal_review', nullable=False))
        op.create_check_constraint(op.f('ck_indicator_templates_purpose_valid'), 'indicator_templates', PURPOSES)
    # Every row is a proposal-review template now; these are project-evaluation ones: the platform's default for
    # project evaluation, a template with a measured figure beside a criterion (only a project evaluation shows
    # one), and a template a project evaluation scores against (a frozen copy) ...
    op.execute(sa.text(
        "UPDATE indicator_templates SET purpose = 'project_evaluation' WHERE name = :name "
        "OR id IN (SELECT template_id FROM indicators WHERE evidence_key IS NOT NULL) "
        "OR id IN (SELECT template_id FROM project_evaluations)").bindparams(name=PROJECT_DEFAULT_NAME))
    # ... and the templates those copies were made from (a frozen copy of the project default is one already)
    op.execute("UPDATE indicator_templates SET purpose = 'project_evaluation' WHERE id IN ("
               "SELECT source_id FROM indicator_templates WHERE source_id IS NOT NULL "
               "AND purpose = 'project_evaluation')")
    if op.get_bind().dialect.name != 'sqlite':
        op.alter_column('indicator_templates', 'purpose', server_default=None)


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("ALTER TABLE indicator_templates DROP COLUMN purpose")  # its CHECK is the column's own
        return
    op.drop_constraint(op.f('ck_indicator_templates_purpose_valid'), 'indicator_templates', type_='check')
    op.drop_column('indicator_templates', 'purpose')
