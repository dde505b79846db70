"""A GET changes nothing on any evaluation page. The indicator templates' list used to create the platform's default
proposal-review template when it found none (so opening the page on a fresh database, without `flask demo`, wrote a
template and its audit event): it now says the default is not there yet and offers a button (a POST, audited) to
create it; a call without a template of its own still gets it when its review rules are fixed."""

import re

from sqlalchemy import func, select

from accounts.enums import Role
from audit.models import AuditEvent
from core.db import db
from evaluation import services, templates
from evaluation.models import IndicatorTemplate
from tests.evaluation.helpers import drawn_panel
from tests.evaluation.project_helpers import commissioned
from tests.factories import login, logout, make_user

EN = {"Accept-Language": "en"}
EVALUATION_MODULES = "evaluation."


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every table, as stored (a fresh database's few rows)."""
    db.session.expire_all()
    return {table.name: sorted(map(tuple, db.session.execute(table.select()).all()), key=repr)
            for table in db.metadata.sorted_tables}


def audit_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


def test_the_templates_page_of_a_fresh_database_creates_nothing_and_offers_the_default(client, login_as, session):
    officer = make_user(Role.OFFICER)
    db.session.commit()
    login_as(officer)
    before, events = snapshot(), audit_count()

    for _ in range(2):
        page = client.get("/evaluation/templates", headers=EN)
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert 'id="default-missing"' in text and 'id="create-default"' in text and "No templates yet." in text
        assert "- 需求调研充分、数据可靠 | 8 |" in text  # the new-template form, prefilled with the default's outline
    assert snapshot() == before and audit_count() == events
    assert templates.existing_proposal_default() is None


def test_the_create_button_makes_the_default_once_and_audits_it(client, login_as, session):
    officer = make_user(Role.OFFICER)
    db.session.commit()
    login_as(officer)
    events = audit_count()

    made = client.post("/evaluation/templates/default/proposal", headers=EN, follow_redirects=True)

    assert made.status_code == 200
    text = made.get_data(as_text=True)
    assert "The default template was created." in text and 'id="default-missing"' not in text
    default = templates.existing_proposal_default()
    assert default is not None and default.total_points == templates.TOTAL and not default.frozen
    assert f'href="/evaluation/templates/{default.id}"' in text
    last = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert audit_count() == events + 1
    assert last.action == "template.created" and last.actor_id == officer.id

    again = client.post("/evaluation/templates/default/proposal", headers=EN, follow_redirects=True)
    assert "The default template already exists." in again.get_data(as_text=True)
    assert audit_count() == events + 1
    assert db.session.scalar(select(func.count()).select_from(IndicatorTemplate).where(
        IndicatorTemplate.name == templates.DEFAULT_PROPOSAL_NAME, IndicatorTemplate.frozen.is_(False))) == 1


def test_only_those_who_manage_reviews_may_create_the_default(client, login_as, session):
    login_as(make_user(Role.EVALUATOR))
    assert client.post("/evaluation/templates/default/proposal").status_code == 403
    assert templates.existing_proposal_default() is None


def _scene(app):
    """A proposal review (a panel drawn, a member cleared on one proposal) and a project evaluation (its evaluator
    cleared), each through the services; the ids the pages take."""
    officer = make_user(Role.OFFICER)
    call, _orgs, props, panel = drawn_panel(app, officer)
    member, proposal = panel.members[0], props[0]
    with app.test_request_context():
        services.declare(member, proposal, False, "", actor=member.user)
    _officer, _manager, contract, evaluation, (evaluator,) = commissioned(app)
    db.session.commit()
    ids = {"call_id": call.id, "member_id": member.id, "proposal_id": proposal.id, "template_id": panel.template_id,
           "evaluation_id": evaluation.id, "contract_id": contract.id, "survey_id": 1, "attachment_id": 1,
           "key": "0" * 32, "panel_id": panel.id, "assignment_id": evaluation.assignments[0].id, "task_id": 1,
           "request_id": 1}
    editable = db.session.scalar(select(IndicatorTemplate.id).where(IndicatorTemplate.frozen.is_(False)))
    return ids | {"template_id": editable}, [officer, member.user, evaluator]


def _get_pages(app) -> list[tuple[str, str]]:
    """(endpoint, rule) of every GET route of the evaluation package."""
    return [(rule.endpoint, rule.rule) for rule in app.url_map.iter_rules()
            if "GET" in rule.methods and app.view_functions[rule.endpoint].__module__.startswith(EVALUATION_MODULES)]


def test_no_get_of_any_evaluation_page_changes_a_row(app, client, session):
    ids, users = _scene(app)
    pages = _get_pages(app)
    assert len(pages) >= 20  # the crawl below is of every page, not of none
    shown, changed = set(), {}
    for user in users:
        assert login(client, user.username).status_code == 302  # (logging in and out are audited: not counted)
        before, events = snapshot(), audit_count()
        for endpoint, rule in pages:
            path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(ids[m.group(1)]), rule)
            answer = client.get(path, headers=EN)
            assert answer.status_code < 500, (path, user.username)
            if answer.status_code == 200:
                shown.add(endpoint)
        after = snapshot()
        changed[user.username] = (audit_count() - events, [name for name in before if after[name] != before[name]])
        logout(client)
    assert changed == {user.username: (0, []) for user in users}
    # the pages that have something to show in this scene did show it (not a crawl of refusals)
    assert {"evaluation.template_list", "evaluation.template_edit", "evaluation.panel", "evaluation.assignments",
            "evaluation.sheet", "evaluation.results", "evaluation.experts", "evaluation.standing_conflicts",
            "project_evaluation.index", "project_evaluation.mine", "project_evaluation.show",
            "project_evaluation.workspace", "project_evaluation.commission", "project_evaluation.agencies",
            "project_evaluation.survey", "project_public.project"} <= shown
