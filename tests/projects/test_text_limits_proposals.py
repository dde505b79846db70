"""A proposal's row texts must be text within the form's limits, whoever calls proposals.save_draft: a number, a
list or true is refused with a field error naming its row (it was stored as its Python repr, "7" or "['x']"), so is
a text over its limit (never cut); valid rows, including output targets as numbers or digits, are saved as before."""

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from accounts.enums import Role
from audit.models import AuditEvent
from core.db import db
from core.errors import ServiceError
from projects import proposals
from projects.models import BudgetLine, Proposal
from tests.factories import make_user
from tests.projects.helpers import full_data, good_org, published_call


@pytest.fixture
def draft(app, session):
    officer, manager = make_user(Role.OFFICER), make_user()
    with app.test_request_context():
        call = published_call(officer)
        proposal = proposals.start_proposal(call, good_org(manager, officer), actor=manager)
        proposals.save_draft(proposal, full_data(), actor=manager)
    db.session.commit()
    return proposal, manager


def state(proposal) -> tuple:
    db.session.expire_all()
    p = db.session.get(Proposal, proposal.id)
    return (p.work_plan, p.outputs, p.team, db.session.scalar(select(func.count()).select_from(BudgetLine)),
            db.session.scalar(select(func.count()).select_from(AuditEvent)))


@pytest.mark.parametrize(("section", "rows", "message"), [
    ("work_plan", [{"month": "2027-01", "activity": "调研"}, {"month": "2027-02", "activity": 7}],
     "Row 2: enter text."),
    ("work_plan", [{"month": ["2027-01"], "activity": "调研"}], "Row 1: enter text."),
    ("team", [{"name": "王", "role": True, "qualification": ""}], "Row 1: enter text."),
    ("outputs", [{"indicator": {"x": 1}, "target": 5, "unit": "人"}], "Row 1: enter text."),
    ("outputs", [{"indicator": "探访", "target": True, "unit": "人"}], "Output targets are whole numbers, 0 or more."),
    ("budget_lines", [{"category": "personnel", "item": 12, "quantity": 1, "unit_price_fen": 100}],
     "Row 1: enter text."),
    ("work_plan", [{"month": "2027-01", "activity": "调" * 301}], "Row 1: at most 300 characters."),
    ("team", [{}, {"name": "王" * 61, "role": "", "qualification": ""}], "Row 2: at most 60 characters."),
])
def test_rows_that_are_not_text_or_too_long_are_refused_and_change_nothing(app, draft, section, rows, message):
    proposal, manager = draft
    before = state(proposal)
    with app.test_request_context(), force_locale("en"), pytest.raises(ServiceError) as caught:
        proposals.save_draft(proposal, full_data(**{section: rows}), actor=manager)
    assert str(caught.value.fields[section]) == message
    db.session.rollback()
    assert state(proposal) == before


def test_valid_rows_are_saved_as_before(app, draft):
    proposal, manager = draft
    data = full_data(work_plan=[{"month": " 2027-01 ", "activity": "调" * 300}, {"month": None, "activity": ""}],
                     outputs=[{"indicator": "探访", "target": 1200, "unit": "人次"},
                              {"indicator": "讲座", "target": "12", "unit": "场"}, {"indicator": "", "target": 0}],
                     team=[{"name": "王" * 60, "role": "社工", "qualification": None}])
    with app.test_request_context():
        proposals.save_draft(proposal, data, actor=manager)
    db.session.commit()
    work_plan, outputs, team, _lines, _events = state(proposal)
    assert work_plan == [{"month": "2027-01", "activity": "调" * 300}]
    assert outputs == [{"indicator": "探访", "target": 1200, "unit": "人次"},
                       {"indicator": "讲座", "target": 12, "unit": "场"}]
    assert team == [{"name": "王" * 60, "role": "社工", "qualification": ""}]
