"""Blind review: a conflict with an applicant refused (no relationship; an organisation not among the applicants)
shows the list again (422) with the applicant chosen and the relationship typed kept and the reason beside its
field; it was a flash after a redirect, what was typed lost. Nothing is declared."""

import html
import re

from sqlalchemy import func, select

from core.db import db
from evaluation.models import ConflictDeclaration
from tests.evaluation.helpers import drawn_panel
from tests.factories import make_user

EN = {"Accept-Language": "en"}


def beside(page: str, element_id: str) -> str:
    found = re.search(rf'<div class="invalid-feedback" id="{element_id}-error">([^<]*)</div>', page)
    return html.unescape(found.group(1)) if found else ""


def test_a_refused_declaration_comes_back_as_typed(app, client, login_as, session):
    officer = make_user("officer")
    _call, orgs, _props, panel = drawn_panel(app, officer, blind=True)
    member = panel.members[0]
    db.session.commit()
    login_as(member.user)
    url = f"/evaluation/members/{member.id}/declare-applicant"

    empty = client.post(url, data={"org_id": orgs[1].id, "relationship": "  "}, headers=EN)
    page = empty.get_data(as_text=True)
    assert empty.status_code == 422
    assert beside(page, f"applicant-relationship-{member.id}") == "This field is required."
    assert re.search(rf'<option value="{orgs[1].id}" selected>', page)  # the applicant chosen, kept
    assert 'aria-invalid="true"' in re.search(rf'<input[^>]*id="applicant-relationship-{member.id}"[^>]*>',
                                              page).group(0)

    stranger = client.post(url, data={"org_id": 999999, "relationship": "本人是该机构理事"}, headers=EN)
    page = stranger.get_data(as_text=True)
    assert stranger.status_code == 422
    assert beside(page, f"applicant-org-{member.id}") == "Choose an applicant from the list."
    assert 'value="本人是该机构理事"' in page  # the relationship typed, kept
    assert db.session.scalar(select(func.count(ConflictDeclaration.id))) == 0

    done = client.post(url, data={"org_id": orgs[1].id, "relationship": "本人是该机构理事"})
    assert done.status_code == 302 and db.session.scalar(select(func.count(ConflictDeclaration.id))) == 1
