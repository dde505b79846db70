"""An expert's home page says, on the cards that lead to the work, what is waiting for them: in their proposal reviews
the conflict declarations to make and the score sheets to submit; in their project evaluations the same, the reports
to issue once every sheet is in, and the rectification responses to verify. The counts follow the work as it is
assigned and done, in a constant number of queries; the launcher stays one cached fragment (the counts are slots)."""

import re
from datetime import timedelta

from accounts.enums import Role
from core.db import db
from core.timeutil import local_today
from evaluation import (
    project_report,
    project_services,
    project_sheets,
    project_status,
    rectification,
    score_sheets,
    services,
)
from evaluation.enums import SheetStatus
from evaluation.project_enums import TaskStatus
from tests.evaluation.helpers import drawn_panel
from tests.evaluation.project_helpers import commissioned
from tests.factories import make_user, statements_during
from tests.orgs.helpers import Upload

EN = {"Accept-Language": "en"}
NOTHING = "Nothing waiting for you."


def notes(client) -> tuple[str, str]:
    """The lines on the 'My reviews' and 'My project evaluations' cards of the home page (each card a link)."""
    page = client.get("/", headers=EN).get_data(as_text=True)
    found = []
    for card, target in (("reviews", "/evaluation/assignments"), ("my-evaluations", "/evaluations/mine")):
        assert f'id="go-{card}" href="{target}"' in page
        found.append(re.search(rf'<p class="[^"]*" id="{card}-note">(.*?)</p>', page, re.S).group(1))
    return found[0], found[1]


def submit_sheet(sheet, criteria, user):
    score_sheets.save_scores(sheet, {c.id: (c.max_points, "") for c in criteria}, actor=user)
    score_sheets.transition_sheet(sheet, SheetStatus.SUBMITTED, actor=user)


def test_the_review_counts_follow_declarations_and_sheets(app, client, login_as, session):
    officer = make_user(Role.OFFICER)
    _call, _orgs, props, panel = drawn_panel(app, officer)
    member = panel.members[0]
    login_as(member.user)
    assert notes(client) == ("Conflict declarations to make: 3", NOTHING)

    with app.test_request_context():
        services.declare(member, props[0], False, "", actor=member.user)
        services.declare(member, props[1], True, "曾任该机构理事", actor=member.user)
    db.session.commit()
    assert notes(client)[0] == "Conflict declarations to make: 1; Score sheets to submit: 1"

    with app.test_request_context():
        services.declare(member, props[2], False, "", actor=member.user)
        submit_sheet(score_sheets.sheet_for(member, props[0]), panel.template.criteria, member.user)
    db.session.commit()
    assert notes(client)[0] == "Score sheets to submit: 1"

    with app.test_request_context():
        score_sheets.sheet_for(member, props[2])  # a draft is still to submit
    db.session.commit()
    assert notes(client)[0] == "Score sheets to submit: 1"
    with app.test_request_context():
        submit_sheet(score_sheets.sheet_for(member, props[2]), panel.template.criteria, member.user)
    db.session.commit()
    assert notes(client) == (NOTHING, NOTHING)


def test_the_project_counts_follow_declaring_scoring_the_report_and_rectification(app, client, login_as, session):
    _officer, manager, _contract, evaluation, (first, second) = commissioned(app, n=2, declare=False)
    db.session.commit()
    login_as(first)
    assert notes(client) == (NOTHING, "Conflict declarations to make: 1")
    mine, theirs = (project_status.assignment_of(u, evaluation) for u in (first, second))

    with app.test_request_context():
        project_services.declare(mine, False, "", actor=first)
    db.session.commit()
    assert notes(client)[1] == "Score sheets to submit: 1"

    with app.test_request_context():
        submit_sheet(project_sheets.sheet_for(mine), evaluation.template.criteria, first)
    db.session.commit()
    assert notes(client)[1] == NOTHING  # the report waits for the second evaluator's declaration and sheet

    with app.test_request_context():
        project_services.declare(theirs, False, "", actor=second)
        submit_sheet(project_sheets.sheet_for(theirs), evaluation.template.criteria, second)
    db.session.commit()
    assert notes(client)[1] == "Reports to issue: 1"  # any cleared evaluator may issue it

    with app.test_request_context():
        due = local_today() + timedelta(days=10)
        project_report.issue_report(evaluation, "部分指标需要整改。", [project_report.Flag(
            evaluation.template.criteria[0].id, "补齐服务档案", due)], actor=second)
    db.session.commit()
    task = evaluation.tasks[0]
    assert notes(client)[1] == NOTHING  # the organisation's turn

    with app.test_request_context():
        rectification.transition_task(task, TaskStatus.RESPONDED, actor=manager, text="已整改完毕并补齐档案。",
                                      evidence=Upload())
    db.session.commit()
    assert notes(client)[1] == "Rectification responses to verify: 1"

    with app.test_request_context():
        rectification.transition_task(task, TaskStatus.VERIFIED, actor=first, text="已核实。")
    db.session.commit()
    assert notes(client)[1] == NOTHING


def test_the_counts_take_the_same_queries_however_much_is_waiting(app, client, login_as, session):
    officer = make_user(Role.OFFICER)
    _call, _orgs, props, panel = drawn_panel(app, officer)
    member = panel.members[0]
    expert = member.user
    login_as(expert)
    client.get("/")  # the launcher's fragment rendered and cached
    few, _ = statements_during(lambda: client.get("/"))

    made = [commissioned(app, declare=False) for _ in range(3)]
    with app.test_request_context():
        for officer_, _manager, _contract, evaluation, _evaluators in made:
            project_services.add_evaluator(evaluation, expert, actor=officer_)
        project_services.declare(project_status.assignment_of(expert, made[0][3]), False, "", actor=expert)
        services.declare(member, props[0], False, "", actor=expert)
        score_sheets.sheet_for(member, props[0])
    db.session.commit()
    many, _ = statements_during(lambda: client.get("/"))

    assert notes(client) == ("Conflict declarations to make: 2; Score sheets to submit: 1",
                             "Conflict declarations to make: 2; Score sheets to submit: 1")
    assert len(many) == len(few)


def test_only_experts_are_counted_for(app, client, login_as, session):
    login_as(make_user(Role.OFFICER))
    client.get("/")
    statements, page = statements_during(lambda: client.get("/", headers=EN))
    assert 'id="reviews-note"' not in page.get_data(as_text=True)
    assert not [s for s in statements if "panel_members" in s or "rectification_tasks" in s]


def test_a_withdrawn_evaluator_has_nothing_waiting(app, client, login_as, session):
    officer, _manager, _contract, evaluation, (first, second) = commissioned(app, n=2, declare=False)
    with app.test_request_context():
        project_services.withdraw_evaluator(project_status.assignment_of(first, evaluation),
                                            "近期承接了该组织的培训项目", actor=officer)
    db.session.commit()
    login_as(first)
    assert notes(client) == (NOTHING, NOTHING)
