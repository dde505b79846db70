"""Details from the evaluators' walk: reopening a sheet checks its reason before asking to confirm (a required
field: the browser refuses the empty form before the submit event that asks); the sheet's way back and its
attachment links are 44px targets; a conflict of interest is 声明 (declared), never 申报 (which is applying)."""

import re

from accounts.enums import Role
from core.db import db
from evaluation import services
from tests.evaluation.helpers import fully_scored, review_panel
from tests.factories import make_user

ZH = {"Accept-Language": "zh-CN"}


def test_the_reopen_reason_is_required_before_the_confirmation(app, client, login_as, session):
    officer = make_user(Role.OFFICER)
    call, _orgs, _props, _ranking = fully_scored(app, officer)
    db.session.commit()
    login_as(officer)
    page = client.get(f"/evaluation/calls/{call.id}/results", headers=ZH).get_data(as_text=True)
    forms = re.findall(r'<form method="post" action="/evaluation/sheets/reopen".*?</form>', page, re.S)
    assert forms
    for form in forms:
        assert "novalidate" not in form.split(">", 1)[0]  # the browser checks the field before the submit event
        assert re.search(r'<input[^>]*name="reason"[^>]*\brequired\b', form)
        assert "data-confirm" in form


def test_the_sheets_links_are_finger_sized(app, client, login_as, session):
    _officer, _call, _orgs, props, panel = review_panel(app)
    member, proposal = panel.members[0], props[0]
    with app.test_request_context():
        services.declare(member, proposal, False, "", actor=member.user)
    db.session.commit()
    login_as(member.user)
    page = client.get(f"/evaluation/members/{member.id}/proposals/{proposal.id}", headers=ZH).get_data(as_text=True)
    back = re.search(r"<a[^>]*id=\"back-to-reviews\"[^>]*>", page).group(0)
    assert 'class="inline-target"' in back
    for link in re.findall(r'<a[^>]*href="/evaluation/members/\d+/attachments/\d+"[^>]*>', page):
        assert 'class="inline-target"' in link
    # the running total knows each criterion's maximum, to leave a score above it out
    for c in panel.template.criteria:
        assert re.search(rf'<input[^>]*name="c{c.id}"[^>]*data-max="{c.max_points}"', page)


def test_conflicts_are_declared_not_applied_for(app):
    from flask_babel import gettext

    with app.test_request_context(headers=ZH):
        assert gettext("Conflict declared") == "已声明利益冲突"
        assert gettext("Conflict declared: you do not review this proposal.").startswith("已声明利益冲突")
