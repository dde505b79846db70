"""A conflict of interest an expert declared with an organisation while sitting on a call's review panel (on its
proposal, blind or not) counts at the commissioning of an evaluation of that organisation's projects, as one declared
in an earlier evaluation does: not offered, listed apart with what they declared, refused (422, the input kept,
nothing changed) when chosen anyway. A conflict declared with another organisation's proposal changes nothing."""

import re
from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from audit.models import AuditEvent
from core.db import db
from core.errors import Conflict
from core.timeutil import local_today
from evaluation import candidates, project_services, services
from evaluation.project_models import EvaluationAssignment, ProjectEvaluation
from tests.evaluation.helpers import drawn_panel
from tests.evaluation.project_helpers import final_report, project_template
from tests.projects.contract_helpers import active_contract

EN = {"Accept-Language": "en"}
RELATIONSHIP = "曾在该机构兼职督导"


def stored() -> tuple[int, int, int]:
    return (db.session.scalar(select(func.count(ProjectEvaluation.id))),
            db.session.scalar(select(func.count(EvaluationAssignment.id))),
            db.session.scalar(select(func.count(AuditEvent.seq))))


def offered(contract) -> set[int]:
    return {p.user_id for p in candidates.eligible_experts(contract)}


@pytest.fixture(params=["open", "blind"])
def scene(request, app, session):
    """A contract, and a review panel of three on another call: the first member declares a conflict with the
    proposal of the first applicant (by the proposal, or in blind review by the applicant's name), the second none."""
    officer, _manager, contract = active_contract(app)
    blind = request.param == "blind"
    call, orgs, props, panel = drawn_panel(app, officer, blind=blind)
    conflicted, cleared, _third = [m.user for m in panel.members]
    with app.test_request_context():
        first, second = panel.members[0], panel.members[1]
        if blind:
            services.declare_applicant_conflict(first, orgs[0].id, RELATIONSHIP, actor=conflicted)
        else:
            services.declare(first, props[0], True, RELATIONSHIP, actor=conflicted)
        services.declare(second, props[0], False, "", actor=cleared)
        template = project_template(officer)
    db.session.commit()
    return {"officer": officer, "contract": contract, "call": call, "orgs": orgs, "template": template,
            "conflicted": conflicted, "cleared": cleared, "url": f"/evaluations/contracts/{contract.id}/new"}


def of_the_applicant(scene):
    """The contract made a project of the organisation the conflict was declared with, arranged as a fixture."""
    scene["contract"].org_id = scene["orgs"][0].id
    db.session.commit()


def test_declared_with_another_organisation_the_expert_is_still_offered(app, scene):
    assert {scene["conflicted"].id, scene["cleared"].id} <= offered(scene["contract"])
    with app.test_request_context():
        assert candidates.choices(scene["contract"]).conflicted() == {}
        made = project_services.commission(scene["contract"], "midterm", scene["template"],
                                           local_today() + timedelta(days=20), actor=scene["officer"],
                                           evaluator_ids=[scene["conflicted"].id])
    assert [a.user_id for a in made.assignments] == [scene["conflicted"].id]


def test_declared_in_proposal_review_the_expert_is_not_offered_and_is_refused(app, scene):
    conflicted, cleared = scene["conflicted"], scene["cleared"]
    of_the_applicant(scene)
    assert cleared.id in offered(scene["contract"]) and conflicted.id not in offered(scene["contract"])
    with app.test_request_context(), force_locale("en"):
        shown = candidates.choices(scene["contract"]).conflicted()
    assert list(shown) == [conflicted.id] and shown[conflicted.id][0] == conflicted.display_name
    assert f"review of its proposal to “{scene['call'].title}”" in shown[conflicted.id][1]
    assert RELATIONSHIP in shown[conflicted.id][1]

    before = stored()
    with pytest.raises(Conflict) as refused, app.test_request_context(), force_locale("en"):
        project_services.commission(scene["contract"], "midterm", scene["template"],
                                    local_today() + timedelta(days=20), actor=scene["officer"],
                                    evaluator_ids=[cleared.id, conflicted.id])
    db.session.rollback()
    assert set(refused.value.fields) == {"evaluator_ids"}
    assert "earlier evaluation or proposal review" in refused.value.message
    assert conflicted.display_name in refused.value.message and RELATIONSHIP in refused.value.message
    assert stored() == before


def test_over_http_the_expert_is_listed_apart_and_a_crafted_choice_is_refused_with_the_input_kept(client, login_as,
                                                                                                  scene):
    conflicted, cleared = scene["conflicted"], scene["cleared"]
    of_the_applicant(scene)
    login_as(scene["officer"])
    page = client.get(scene["url"], headers=EN).get_data(as_text=True)
    boxes = re.search(r'<fieldset[^>]*id="evaluators".*?</fieldset>', page, re.S).group(0)
    assert f'value="{cleared.id}"' in boxes and f'value="{conflicted.id}"' not in boxes
    listed = re.search(rf'<li id="conflicted-{conflicted.id}">(.*?)</li>', page).group(1)
    assert conflicted.display_name in listed and RELATIONSHIP in listed and scene["call"].title in listed

    due = (local_today() + timedelta(days=20)).isoformat()
    data = {"kind": "midterm", "template_id": str(scene["template"].id), "agency_id": "", "aggregation": "mean",
            "due_on": due, "evaluator_ids": [str(cleared.id), str(conflicted.id)]}
    before = stored()
    refused = client.post(scene["url"], data=data, headers=EN)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Declared a conflict of interest with this organisation." in text.split('id="evaluator_ids-error"')[1]
    assert "checked" in re.search(rf'<input[^>]*value="{cleared.id}"[^>]*>', text).group(0)  # kept
    assert f'value="{due}"' in text
    assert stored() == before
    assert client.post(scene["url"], data={**data, "evaluator_ids": [str(cleared.id)]}).status_code == 302


def test_the_expert_cannot_be_added_to_an_evaluation_of_the_organisation(client, login_as, app, scene):
    conflicted, cleared = scene["conflicted"], scene["cleared"]
    of_the_applicant(scene)
    with app.test_request_context():
        final_report(scene["contract"])  # a final evaluation follows the last milestone's report
        made = project_services.commission(scene["contract"], "final", scene["template"],
                                           local_today() + timedelta(days=20), actor=scene["officer"],
                                           evaluator_ids=[cleared.id])
    db.session.commit()
    login_as(scene["officer"])
    before = stored()
    refused = client.post(f"/evaluations/{made.id}/evaluators", data={"user_id": str(conflicted.id)}, headers=EN)
    assert refused.status_code == 422
    assert "Declared a conflict of interest" in refused.get_data(as_text=True).split('id="user_id-error"')[1]
    assert stored() == before
