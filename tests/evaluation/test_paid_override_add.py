"""Adding an evaluator to an evaluation under way offers the same override as commissioning: a pool expert the
organisation paid under the contract is added only with the officer's reason (required, at most
MAX_OVERRIDE_REASON characters), kept on the assignment, audited as evaluation.paid_exclusion_overridden and shown
on the evaluation's page as when commissioning. A declared conflict is still never overridden, nor is an agency's
evaluation given one."""

import json
import re

import pytest

from accounts.enums import Role
from core.db import db
from core.errors import Conflict, ServiceError
from evaluation import panels, project_services, project_status
from evaluation.project_models import EvaluationAssignment
from tests.evaluation.project_helpers import agency_with_evaluators
from tests.evaluation.test_paid_override import REASON, commission, scene, stored  # noqa: F401  (scene: a fixture)
from tests.factories import make_user
from tests.projects.contract_helpers import last_event

EN = {"Accept-Language": "en"}


@pytest.fixture
def under_way(app, scene):  # noqa: F811
    """scene, and a mid-term evaluation of its contract commissioned from the unpaid expert alone."""
    made = commission(app, scene, [scene["unpaid"].id])
    db.session.commit()
    return {**scene, "evaluation": made, "page": f"/evaluations/{made.id}"}


def add(app, under_way, reason=None, user=None):
    with app.test_request_context():
        return project_services.add_evaluator(under_way["evaluation"], user or under_way["paid"],
                                              actor=under_way["officer"], paid_override_reason=reason)


def test_with_a_reason_the_paid_expert_is_added_kept_and_audited(app, under_way):
    paid = under_way["paid"]
    with app.test_request_context():
        assert [u.id for u in project_services.overridable_to_add(under_way["evaluation"])] == [paid.id]
    added = add(app, under_way, f"  {REASON}  ")
    db.session.commit()
    assert added.user_id == paid.id and added.paid_override_reason == REASON  # stripped
    event = json.loads(last_event("evaluation.paid_exclusion_overridden").data)
    assert event["assignment_id"] == added.id and event["user_id"] == paid.id and event["reason"] == REASON
    assert event["contract_id"] == under_way["contract"].id and len(event["fee_ids"]) == 1
    assert json.loads(last_event("evaluation.evaluator_added").data) == {"user_id": paid.id, "paid_overridden": True}
    assert paid.display_name not in last_event("evaluation.paid_exclusion_overridden").data
    with app.test_request_context():  # on it now: no longer offered for an override
        assert project_services.overridable_to_add(under_way["evaluation"]) == []


@pytest.mark.parametrize("reason", ["", "   ", "长" * (project_services.MAX_OVERRIDE_REASON + 1)])
def test_the_reason_is_required_and_limited(app, under_way, reason):
    paid = under_way["paid"]
    before = stored()
    with pytest.raises(ServiceError) as refused:
        add(app, under_way, reason)
    db.session.rollback()
    assert set(refused.value.fields) == {f"override_reason_{paid.id}"}
    assert stored() == before
    with pytest.raises(Conflict) as plain:  # and without the override, refused with the payment as before
        add(app, under_way)
    db.session.rollback()
    assert "¥1,500.00" in plain.value.message and stored() == before


def test_an_override_for_someone_not_paid_overrides_nothing(app, under_way):
    other = make_user(Role.EVALUATOR)
    with app.test_request_context():
        panels.save_expert(other, "finance", "预算绩效评价", [], True, actor=under_way["officer"])
    added = add(app, under_way, REASON, user=other)
    assert added.paid_override_reason is None
    assert last_event("evaluation.paid_exclusion_overridden") is None


def test_a_declared_conflict_is_never_overridden(app, under_way):
    """The paid expert, chosen with an override on an earlier (now cancelled) evaluation of the project, declared a
    conflict there: no override is offered them, and a crafted one is refused with what they declared."""
    paid, officer = under_way["paid"], under_way["officer"]
    with app.test_request_context():
        project_status.transition_evaluation(under_way["evaluation"], "cancelled", actor=officer, reason="重新委托")
    earlier = commission(app, under_way, [paid.id], {paid.id: REASON})
    with app.test_request_context():
        project_services.declare(earlier.assignments[0], True, "曾任该机构顾问", actor=paid)
        project_status.transition_evaluation(earlier, "cancelled", actor=officer, reason="评估人员声明回避")
    now = commission(app, under_way, [under_way["unpaid"].id])
    db.session.commit()
    with app.test_request_context():
        assert project_services.overridable_to_add(now) == []
    before = stored()
    with pytest.raises(Conflict) as refused:
        add(app, {**under_way, "evaluation": now}, REASON)
    db.session.rollback()
    assert "曾任该机构顾问" in refused.value.message and stored() == before


def test_not_on_an_agencys_evaluation(app, under_way):
    agency, staff = agency_with_evaluators(under_way["officer"])
    with app.test_request_context():
        project_status.transition_evaluation(under_way["evaluation"], "cancelled", actor=under_way["officer"],
                                               reason="改由机构评估")
    by_agency = commission(app, under_way, [], agency=agency)
    db.session.commit()
    with app.test_request_context():
        assert project_services.overridable_to_add(by_agency) == []
    before = stored()
    with pytest.raises(ServiceError) as refused:
        add(app, {**under_way, "evaluation": by_agency}, REASON)
    db.session.rollback()
    assert set(refused.value.fields) == {"evaluator_ids"} and stored() == before


def test_over_http_refused_beside_the_field_with_the_reason_kept_then_added_and_shown(client, login_as, app,
                                                                                     under_way):
    paid, unpaid, page_url = under_way["paid"], under_way["unpaid"], under_way["page"]
    url = f"{page_url}/evaluators/paid"
    login_as(under_way["officer"])
    page = client.get(page_url, headers=EN).get_data(as_text=True)
    form = re.search(r'<form[^>]*id="add-paid-form".*?</form>', page, re.S).group(0)
    assert f'<option value="{paid.id}">' in form and f'value="{unpaid.id}"' not in form
    assert 'id="paid-user_id"' in form and 'name="paid-reason"' in form
    assert "<details" in page.split('id="add-paid-evaluator"')[0].rsplit("\n", 1)[1]  # closed until wanted
    before = stored()

    too_long = "长" * (project_services.MAX_OVERRIDE_REASON + 1)
    refused = client.post(url, data={"paid-user_id": str(paid.id), "paid-reason": too_long}, headers=EN)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and stored() == before
    assert "At most 500 characters." in text.split('id="paid-reason-error"')[1].split("</div></div>")[0]
    assert too_long in re.search(r'<textarea[^>]*name="paid-reason".*?</textarea>', text, re.S).group(0)  # kept
    assert re.search(r'<details class="mb-3" id="add-paid-evaluator" open>', text)
    empty = client.post(url, data={"paid-user_id": str(paid.id), "paid-reason": "  "}, headers=EN)
    assert empty.status_code == 422 and stored() == before
    assert "Give the reason for choosing them despite the payment." in \
        empty.get_data(as_text=True).split('id="paid-reason-error"')[1]
    nobody = client.post(url, data={"paid-user_id": "", "paid-reason": REASON}, headers=EN)
    assert nobody.status_code == 422 and "Choose an evaluator from the list." in \
        nobody.get_data(as_text=True).split('id="paid-user_id-error"')[1]

    done = client.post(url, data={"paid-user_id": str(paid.id), "paid-reason": REASON})
    assert done.status_code == 302
    added = db.session.query(EvaluationAssignment).filter_by(evaluation_id=under_way["evaluation"].id,
                                                              user_id=paid.id).one()
    assert added.paid_override_reason == REASON
    shown = client.get(page_url, headers=EN).get_data(as_text=True)
    line = re.search(rf'<div class="small" id="paid-override-{paid.id}">(.*?)</div>', shown, re.S).group(1)
    assert "Chosen despite being paid by the organisation under this contract" in line and REASON in line
    assert 'id="add-paid-form"' not in shown  # nobody else to override for
    client.post("/logout")
    login_as(unpaid)  # an evaluator on it sees no other evaluator's override, nor the form
    other_view = client.get(page_url, headers=EN).get_data(as_text=True)
    assert REASON not in other_view and 'id="add-paid-form"' not in other_view
    assert client.post(url, data={"paid-user_id": str(paid.id), "paid-reason": REASON}).status_code in (403, 404)
