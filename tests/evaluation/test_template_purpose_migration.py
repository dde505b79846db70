"""Migration 0025 gives every indicator template a purpose: the templates already there get theirs from what they are
(the platform's project-evaluation default, a template with measured figures, one a project evaluation scores
against and the template it was copied from), the rest are proposal-review ones; no indicator is lost on the way
(SQLite's batch mode would have copied the table and deleted every indicator with the old one), and the CHECK
refuses anything else. Downgrading takes the column away again."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from core.db import db
from tests.migration_helpers import database_at

BEFORE = "0024_expense_withdrawal"
NOW = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
# id -> (name, frozen, source_id, the purpose the migration must give it)
TEMPLATES = {
    1: ("申报书评审通用标准", False, None, "proposal_review"),
    2: ("项目评估通用标准", False, None, "project_evaluation"),  # the platform's default, by its name
    3: ("自定义项目标准", False, None, "project_evaluation"),  # a criterion shows a measured figure
    4: ("区里的评估标准", False, None, "project_evaluation"),  # copied for a project evaluation (5)
    5: ("区里的评估标准", True, 4, "project_evaluation"),  # the copy a project evaluation scores against
    6: ("某街道评审标准", False, None, "proposal_review"),
    7: ("某街道评审标准", True, 6, "proposal_review"),  # a call's frozen copy
}


def _insert_rows(conn, dialect) -> None:
    """Rows as a database at 0024 holds them (no contract behind the evaluation)."""
    for template_id, (name, frozen, source_id, _purpose) in TEMPLATES.items():
        conn.execute(sa.text("INSERT INTO indicator_templates (id, name, description, frozen, source_id, "
                             "created_at) VALUES (:id, :name, '', :frozen, :source_id, :now)"),
                     {"id": template_id, "name": name, "frozen": frozen, "source_id": source_id, "now": NOW})
        conn.execute(sa.text("INSERT INTO indicators (id, template_id, position, title, guidance) "
                             "VALUES (:id, :template_id, 0, '一', '')"), {"id": template_id * 10,
                                                                        "template_id": template_id})
        conn.execute(sa.text("INSERT INTO indicators (id, template_id, parent_id, position, title, max_points, "
                             "guidance, evidence_key) VALUES (:id, :template_id, :parent, 1, '甲', 100, '', "
                             ":evidence)"),
                     {"id": template_id * 10 + 1, "template_id": template_id, "parent": template_id * 10,
                      "evidence": "budget_execution" if template_id == 3 else None})
    conn.execute(sa.text("INSERT INTO project_evaluations (id, contract_id, kind, status, template_id, "
                         "aggregation, due_on, final_score, summary, status_reason, created_at) VALUES "
                         "(1, 999, 'final', 'in_progress', 5, 'mean', '2026-02-01', '', '', '', :now)"),
                 {"now": NOW})
    if dialect == "postgresql":  # (the ids were given: the sequences move past them)
        for table in ("indicator_templates", "indicators"):
            conn.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), 1000)")


@pytest.mark.committing
def test_existing_templates_get_their_purpose_and_keep_their_indicators(scratch_url, tmp_path):
    with database_at(scratch_url, tmp_path, BEFORE, _insert_rows):
        upgrade()
        with db.engine.connect() as conn:
            purposes = dict(conn.execute(sa.text("SELECT id, purpose FROM indicator_templates")).all())
            indicators = conn.scalar(sa.text("SELECT count(*) FROM indicators"))
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO indicator_templates (name, description, frozen, purpose, "
                                 "created_at) VALUES ('坏', '', :no, 'survey', :now)"), {"no": False, "now": NOW})
        assert purposes == {template_id: row[3] for template_id, row in TEMPLATES.items()}
        assert indicators == 2 * len(TEMPLATES)

        downgrade(revision=BEFORE)
        with db.engine.connect() as conn:
            columns = {c["name"] for c in sa.inspect(conn).get_columns("indicator_templates")}
            assert "purpose" not in columns
            assert conn.scalar(sa.text("SELECT count(*) FROM indicators")) == 2 * len(TEMPLATES)
