"""An evaluator who declared a conflict of interest on an evaluation of the organisation's project (the evaluation then
cancelled, or they withdrawn from it) is not offered when the officer commissions one again: listed apart with what
they declared, refused with it when chosen anyway (the service, the form and the page to add an evaluator alike), as
someone the organisation paid is. An agency stays offered without them; declaring no conflict changes nothing."""

import json
import re
from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from audit.models import AuditEvent
from core.db import db
from core.errors import Conflict
from core.timeutil import local_today
from evaluation import candidates, project_services, project_status
from evaluation.enums import SeatType
from evaluation.project_models import EvaluationAssignment, ProjectEvaluation
from tests.evaluation.helpers import expert
from tests.evaluation.project_helpers import agency_with_evaluators, final_report, project_template
from tests.projects.contract_helpers import active_contract, last_event

EN = {"Accept-Language": "en"}
RELATIONSHIP = "其配偶在该机构任职"


@pytest.fixture
def scene(app, session):
    """An evaluation of three pool experts: the first declares a conflict, the second none, the third nothing."""
    officer, _manager, contract = active_contract(app)
    experts = [expert(SeatType.SOCIAL_SERVICE, officer=officer) for _ in range(3)]
    spare = expert(SeatType.FINANCE, officer=officer)  # never on it
    with app.test_request_context():
        template = project_template(officer)
        evaluation = project_services.commission(contract, "midterm", template, local_today() + timedelta(days=30),
                                                 actor=officer, evaluator_ids=[u.id for u in experts])
        first, second, _third = evaluation.assignments
        project_services.declare(first, True, RELATIONSHIP, actor=first.user)
        project_services.declare(second, False, "", actor=second.user)
    db.session.commit()
    return {"officer": officer, "contract": contract, "template": template, "evaluation": evaluation,
            "experts": experts, "spare": spare, "url": f"/evaluations/contracts/{contract.id}/new"}


def cancel(app, scene):
    with app.test_request_context():
        project_status.transition_evaluation(scene["evaluation"], "cancelled", actor=scene["officer"],
                                               reason="评估人员申报回避，重新委托")
    db.session.commit()


def stored() -> tuple[int, int, int]:
    return (db.session.scalar(select(func.count(ProjectEvaluation.id))),
            db.session.scalar(select(func.count(EvaluationAssignment.id))),
            db.session.scalar(select(func.count(AuditEvent.seq))))


def offered(contract) -> set[int]:
    return {p.user_id for p in candidates.eligible_experts(contract)}


def again(app, scene, user_ids, **extra):
    with app.test_request_context():
        return project_services.commission(scene["contract"], "midterm", scene["template"],
                                           local_today() + timedelta(days=20), actor=scene["officer"],
                                           evaluator_ids=user_ids, **extra)


def test_after_a_cancelled_evaluation_the_conflicted_evaluator_is_not_offered_and_is_refused(app, scene):
    conflicted, cleared, undeclared = scene["experts"]
    cancel(app, scene)
    assert offered(scene["contract"]) >= {cleared.id, undeclared.id, scene["spare"].id}
    assert conflicted.id not in offered(scene["contract"])
    with app.test_request_context(), force_locale("en"):
        shown = candidates.choices(scene["contract"]).conflicted()
    assert list(shown) == [conflicted.id] and shown[conflicted.id][0] == conflicted.display_name
    assert RELATIONSHIP in shown[conflicted.id][1] and "Mid-term evaluation of “" in shown[conflicted.id][1]

    before = stored()
    with pytest.raises(Conflict) as refused:
        again(app, scene, [cleared.id, conflicted.id])
    db.session.rollback()
    assert set(refused.value.fields) == {"evaluator_ids"}
    assert conflicted.display_name in refused.value.message and RELATIONSHIP in refused.value.message
    assert stored() == before

    made = again(app, scene, [cleared.id, undeclared.id])
    db.session.commit()
    assert [a.user_id for a in made.assignments] == [cleared.id, undeclared.id]
    assert json.loads(last_event("evaluation.commissioned").data)["conflict_withheld"] == [conflicted.id]


def test_an_evaluator_withdrawn_after_declaring_a_conflict_is_not_offered_for_the_other_kind(app, scene):
    conflicted = scene["experts"][0]
    first = scene["evaluation"].assignments[0]
    with app.test_request_context():
        project_services.withdraw_evaluator(first, "已申报回避", actor=scene["officer"])
    db.session.commit()
    assert conflicted.id not in offered(scene["contract"])
    # the final evaluation (once the last milestone's report is in), the mid-term one still under way
    with app.test_request_context():
        final_report(scene["contract"])
    with pytest.raises(Conflict) as refused, app.test_request_context():
        project_services.commission(scene["contract"], "final", scene["template"],
                                    local_today() + timedelta(days=20), actor=scene["officer"],
                                    evaluator_ids=[conflicted.id])
    db.session.rollback()
    assert set(refused.value.fields) == {"evaluator_ids"} and RELATIONSHIP in refused.value.message


def test_a_conflict_declared_on_another_project_of_the_organisation_counts(app, scene):
    """The relationship is with the organisation: its other projects are not evaluated by them either."""
    conflicted = scene["experts"][0]
    _officer, _manager, other = active_contract(app)
    assert conflicted.id in offered(other)  # another organisation's project
    other.org_id = scene["contract"].org_id  # a second project of the same organisation, arranged as a fixture
    db.session.commit()
    assert conflicted.id not in offered(other)


def test_over_http_the_conflicted_evaluator_is_listed_apart_and_a_crafted_choice_is_refused(client, login_as, app,
                                                                                        scene):
    conflicted, cleared, _undeclared = scene["experts"]
    cancel(app, scene)
    login_as(scene["officer"])
    page = client.get(scene["url"], headers=EN).get_data(as_text=True)
    boxes = re.search(r'<fieldset[^>]*id="evaluators".*?</fieldset>', page, re.S).group(0)
    assert f'value="{cleared.id}"' in boxes and f'value="{conflicted.id}"' not in boxes
    listed = re.search(rf'<li id="conflicted-{conflicted.id}">(.*?)</li>', page).group(1)
    assert conflicted.display_name in listed and RELATIONSHIP in listed
    assert f'id="conflicted-{cleared.id}"' not in page

    data = {"kind": "midterm", "template_id": str(scene["template"].id), "agency_id": "", "aggregation": "mean",
            "due_on": (local_today() + timedelta(days=20)).isoformat(),
            "evaluator_ids": [str(cleared.id), str(conflicted.id)]}
    before = stored()
    refused = client.post(scene["url"], data=data, headers=EN)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Declared a conflict of interest with this organisation." in text.split('id="evaluator_ids-error"')[1]
    assert RELATIONSHIP in text.split('id="conflict-withheld"')[0]  # the service's refusal, said above
    assert "no longer offered" not in text  # refused for the conflict, not as a choice not offered
    assert "checked" in re.search(rf'<input[^>]*value="{cleared.id}"[^>]*>', text).group(0)  # kept
    assert stored() == before
    assert client.post(scene["url"], data={**data, "evaluator_ids": [str(cleared.id)]}).status_code == 302


def test_the_conflicted_evaluator_cannot_be_added_to_the_new_evaluation(client, login_as, app, scene):
    conflicted, cleared, _undeclared = scene["experts"]
    cancel(app, scene)
    made = again(app, scene, [cleared.id])
    db.session.commit()
    login_as(scene["officer"])
    url = f"/evaluations/{made.id}"
    page = client.get(url, headers=EN).get_data(as_text=True)
    add = re.search(r'<select[^>]*name="user_id".*?</select>', page, re.S).group(0)
    assert f'value="{scene["spare"].id}"' in add and f'value="{conflicted.id}"' not in add
    assert f'id="conflicted-{conflicted.id}"' in page
    before = stored()
    refused = client.post(f"{url}/evaluators", data={"user_id": str(conflicted.id)}, headers=EN)
    assert refused.status_code == 422
    assert "Declared a conflict of interest" in refused.get_data(as_text=True).split('id="user_id-error"')[1]
    assert stored() == before


def test_an_agency_stays_offered_without_its_evaluator_who_declared_a_conflict(client, login_as, app, session):
    officer, _manager, contract = active_contract(app)
    agency, staff = agency_with_evaluators(officer, n=3)
    with app.test_request_context():
        template = project_template(officer)
        final_report(contract)
        earlier = project_services.commission(contract, "final", template, local_today() + timedelta(days=30),
                                              actor=officer, agency=agency)
        project_services.declare(earlier.assignments[0], True, RELATIONSHIP, actor=staff[0])
        project_status.transition_evaluation(earlier, "cancelled", actor=officer, reason="重新委托")
    db.session.commit()
    login_as(officer)
    url = f"/evaluations/contracts/{contract.id}/new"
    page = client.get(url, headers=EN).get_data(as_text=True)
    assert f'<option value="{agency.id}">' in page
    boxes = re.search(r'<fieldset[^>]*id="evaluators".*?</fieldset>', page, re.S).group(0)
    assert f'value="{staff[0].id}"' not in boxes and f'value="{staff[1].id}"' in boxes
    data = {"kind": "final", "template_id": str(template.id), "agency_id": str(agency.id), "aggregation": "mean",
            "due_on": (local_today() + timedelta(days=20)).isoformat()}
    refused = client.post(url, data={**data, "evaluator_ids": [str(staff[0].id)]}, headers=EN)
    assert refused.status_code == 422 and RELATIONSHIP in refused.get_data(as_text=True)
    assert client.post(url, data=data).status_code == 302  # none ticked: all the agency's evaluators but her
    made = db.session.scalar(select(ProjectEvaluation).where(ProjectEvaluation.status == "in_progress"))
    assert [a.user_id for a in made.assignments] == [staff[1].id, staff[2].id]
