"""The expert pool's rows: one refused shows again as typed, the reason beside its field (422); it was the page as
if just opened, the row as stored, and nothing said."""

from accounts.enums import Role
from core.db import db
from evaluation.models import ExpertProfile
from tests.factories import make_user


def test_a_refused_row_keeps_what_was_typed_and_says_why_beside_it(client, session, login_as):
    officer, evaluator, other = make_user(Role.OFFICER), make_user(Role.EVALUATOR), make_user(Role.EVALUATOR)
    db.session.commit()
    login_as(officer)
    answer = client.post("/evaluation/experts", data={"user_id": evaluator.id, "seat_type": "finance",
                                                      "expertise": "社会工作" * 80, "active": "y"},
                         headers={"Accept-Language": "en"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert f'id="expert-{evaluator.id}-expertise-error">' in page
    assert "社会工作" * 80 in page
    assert f'id="expert-{other.id}-expertise-error"' not in page  # the other rows as stored
    assert db.session.get(ExpertProfile, evaluator.id) is None


def test_a_row_that_passes_is_saved(client, session, login_as):
    officer, evaluator = make_user(Role.OFFICER), make_user(Role.EVALUATOR)
    db.session.commit()
    login_as(officer)
    answer = client.post("/evaluation/experts", data={"user_id": evaluator.id, "seat_type": "finance",
                                                      "expertise": "财务审计", "active": "y"})
    assert answer.status_code == 302
    assert db.session.get(ExpertProfile, evaluator.id).expertise == "财务审计"
