"""A label in a notification (a member's role, an evaluation's grade, a kind of contract change) reads in the
reader's language: it used to be stored as text in the language of whoever caused the notice, so an English reader
was told 'You are invited to join … as 负责人'."""

import json

from flask_babel import force_locale

from accounts.enums import Role
from accounts.notifications import Notification, notify
from core.db import db
from orgs import services as org_services
from tests.factories import make_user
from tests.orgs.helpers import approved_org


def test_an_invitation_sent_in_chinese_names_the_role_in_the_readers_language(app, session):
    officer, manager, invitee = make_user(Role.OFFICER), make_user(), make_user()
    with app.test_request_context():
        org = approved_org(manager, officer)
        with force_locale("zh_Hans_CN"):
            org_services.invite_member(org, invitee.username, "manager", actor=manager)
    note = db.session.query(Notification).filter_by(user_id=invitee.id, code="org.invited").one()
    assert json.loads(note.data)["role"] == "manager"  # the value, not a translation
    with app.test_request_context():
        with force_locale("en"):
            assert note.text.endswith("as Manager.")
        with force_locale("zh_Hans_CN"):
            assert "负责人" in note.text and "Manager" not in note.text


def test_a_notice_stored_with_the_labels_text_still_reads_as_stored(app, session):
    reader = make_user()
    with app.test_request_context():
        note = notify(reader.id, "org.invited", org="幸福家园", role="负责人")
        with force_locale("en"):
            assert note.text.endswith("as 负责人.")
        assert notify(reader.id, "org.invited", org="幸福家园").text  # a value missing: the sentence, no error


def test_the_evaluation_report_notice_gives_the_grade_in_the_readers_language(app, session):
    from evaluation import project_report
    from tests.evaluation.project_helpers import commissioned, half_points_for_total, score_all

    _officer, manager, _contract, evaluation, (ev,) = commissioned(app)
    with app.test_request_context(), force_locale("zh_Hans_CN"):
        score_all(evaluation, {ev.id: half_points_for_total(evaluation, 100)})  # 50 of 100: 不合格
        project_report.issue_report(evaluation, "未达到合同约定。", [], actor=ev)
    note = db.session.query(Notification).filter_by(user_id=manager.id, code="evaluation.report_issued").one()
    assert json.loads(note.data)["grade"] == "fail"
    with app.test_request_context():
        with force_locale("en"):
            assert note.text.endswith(": Fail.")
        with force_locale("zh_Hans_CN"):
            assert note.text.endswith("：不合格。") or note.text.endswith("不合格。")
