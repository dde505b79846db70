"""An expert's review list: what still needs doing comes first (a new call was listed after finished ones), and
the conflict-of-interest declaration has no preselected answer: declaring without choosing is refused with a
clear message beside the choice, and nothing is recorded."""

import re

import pytest

from accounts.enums import Role
from core.db import db
from evaluation import panels, services
from tests.evaluation.helpers import closed_call_with_proposals, fully_scored
from tests.factories import make_user

CHOOSE = "请选择是否存在利益冲突。"


@pytest.fixture
def officer(session):
    return make_user(Role.OFFICER)


def _two_panels(app, officer):
    """The same experts on a finished review (every sheet submitted) and, drawn later, a new one."""
    done, _orgs, _props, _ranking = fully_scored(app, officer)
    new, _orgs, props = closed_call_with_proposals(app, officer)
    with app.test_request_context():
        panel = panels.draw_panel(new, {"social_service": 3}, actor=officer)
    db.session.commit()
    return done, new, props, panel.members[0]


def test_the_call_still_to_review_comes_before_finished_ones(app, client, officer, login_as):
    done, new, _props, member = _two_panels(app, officer)
    login_as(member.user)
    page = client.get("/evaluation/assignments").get_data(as_text=True)
    assert page.index(f'id="panel-call-{new.id}"') < page.index(f'id="panel-call-{done.id}"')


def test_the_declaration_has_no_preselected_answer_and_an_empty_one_is_refused(app, client, officer, login_as):
    _done, new, props, member = _two_panels(app, officer)
    login_as(member.user)
    page = client.get("/evaluation/assignments").get_data(as_text=True)
    card = page.split(f'id="panel-call-{new.id}"', 1)[1]
    select = re.search(r'<select[^>]*name="conflict".*?</select>', card, re.S).group(0)
    assert re.search(r'<option value=""[^>]*selected', select)  # the prompt, not an answer
    assert not re.search(r'<option value="(no|yes)"[^>]*selected', select)

    response = client.post(f"/evaluation/members/{member.id}/declare",
                           data={"proposal_id": props[0].id, "conflict": "", "relationship": "曾任该机构理事"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    row = page.split(f'id="assignment-{props[0].id}"', 1)[1].split("</li>", 1)[0]
    assert CHOOSE in row and 'value="曾任该机构理事"' in row  # beside the choice, with what was typed
    assert CHOOSE not in page.split(f'id="assignment-{props[1].id}"', 1)[1].split("</li>", 1)[0]
    assert services.declarations(member) == {}

    response = client.post(f"/evaluation/members/{member.id}/declare",
                           data={"proposal_id": props[0].id, "conflict": "yes", "relationship": ""})
    assert response.status_code == 422  # a conflict needs the relationship: said beside it, the answer kept
    row = response.get_data(as_text=True).split(f'id="assignment-{props[0].id}"', 1)[1].split("</li>", 1)[0]
    assert "请说明具体关系" in row and re.search(r'<option value="yes"[^>]*selected', row)
    assert services.declarations(member) == {}

    assert client.post(f"/evaluation/members/{member.id}/declare",
                       data={"proposal_id": props[0].id, "conflict": "no"}).status_code == 302
    assert not services.declarations(member)[props[0].id].has_conflict
