"""Two tabs on one score sheet: the later save no longer wipes the earlier tab's scores. The form carries the
fingerprint of the entries it showed; a save sent with a fingerprint the stored entries no longer match is refused
(409, code stale_sheet), nothing saved, what was typed kept, with a link to reload; on both kinds of sheet and on
the API (a client that sends no fingerprint still saves). A draft is saved without the comments its scores require
(they are asked for on submitting); a score out of range is still refused on a draft."""

import html
import re

import pytest
from sqlalchemy import func, select

from accounts.tokens import create_token
from audit.models import AuditEvent
from core.db import db
from core.errors import Conflict, ServiceError
from evaluation import project_sheets, score_sheets, services
from evaluation.enums import SheetStatus
from evaluation.models import Score, ScoreSheet
from tests.evaluation.helpers import review_panel
from tests.evaluation.project_helpers import commissioned

EN = {"Accept-Language": "en"}


def mid(c) -> str:
    return str(c.max_points * 3 // 4)  # no comment needed


@pytest.fixture
def review(app, session):
    """A member's proposal sheet, not yet saved: (user, criteria, sheet getter, page path, API path)."""
    _officer, _call, _orgs, props, panel = review_panel(app)
    member, proposal = panel.members[0], props[0]
    with app.test_request_context():
        services.declare(member, proposal, False, "", actor=member.user)
    db.session.commit()
    return (member.user, panel.template.criteria, lambda: score_sheets.existing_sheet(member, proposal),
            f"/evaluation/members/{member.id}/proposals/{proposal.id}",
            f"/api/v1/evaluation/members/{member.id}/sheets/{proposal.id}")


@pytest.fixture
def project(app, session):
    _officer, _manager, _contract, evaluation, (evaluator,) = commissioned(app)
    assignment = evaluation.assignments[0]
    db.session.commit()
    return (evaluator, evaluation.template.criteria, lambda: project_sheets.existing_sheet(assignment),
            f"/evaluations/{evaluation.id}/workspace", f"/api/v1/evaluation/project-evaluations/{evaluation.id}/sheet")


@pytest.fixture(params=["review", "project"])
def sheet(request):
    return request.getfixturevalue(request.param)


def stored(get_sheet) -> list:
    db.session.expire_all()
    found = get_sheet()
    if found is None:
        return []
    return sorted(db.session.execute(select(Score.indicator_id, Score.half_points, Score.comment)
                                     .where(Score.sheet_id == found.id)).all())


def events() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


def hidden_fingerprint(page: str) -> str:
    return re.search(r'<input type="hidden" name="fingerprint" value="([0-9a-f]*)"', page).group(1)


def input_value(page: str, name: str) -> str:
    tag = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', page).group(0)
    return html.unescape(re.search(r'\bvalue="([^"]*)"', tag).group(1))


def form_of(criteria, fingerprint: str | None, points: dict, action: str = "save") -> dict:
    form = {f"c{c.id}": points.get(c.id, "") for c in criteria} | {f"comment{c.id}": "" for c in criteria}
    return form | {"action": action} | ({"fingerprint": fingerprint} if fingerprint is not None else {})


@pytest.mark.parametrize("started", [False, True], ids=["first save", "saved before"])
def test_the_later_of_two_tabs_is_refused_and_keeps_what_was_typed(client, login_as, sheet, started):
    user, criteria, get_sheet, path, _api = sheet
    first, second = criteria[0], criteria[1]
    login_as(user)
    if started:
        opened = client.get(path, headers=EN).get_data(as_text=True)
        assert client.post(path, headers=EN, data=form_of(criteria, hidden_fingerprint(opened),
                                                          {second.id: mid(second)})).status_code == 302
    tab_a = hidden_fingerprint(client.get(path, headers=EN).get_data(as_text=True))
    tab_b = hidden_fingerprint(client.get(path, headers=EN).get_data(as_text=True))
    assert tab_a == tab_b
    kept = {second.id: mid(second)} if started else {}
    assert client.post(path, headers=EN, data=form_of(criteria, tab_a, {first.id: mid(first)} | kept)
                       ).status_code == 302
    after_a, count = stored(get_sheet), events()
    assert [row[0] for row in after_a] == sorted([first.id] + ([second.id] if started else []))

    typed = {second.id: "1.5" if started else mid(second)}
    response = client.post(path, headers=EN, data=form_of(criteria, tab_b, typed))

    assert response.status_code == 409
    page = html.unescape(response.get_data(as_text=True))
    assert "These scores were changed elsewhere (in another tab or on another device)" in page
    assert 'id="stale-sheet"' in page and f'href="{path}" id="reload-sheet"' in page
    assert input_value(page, f"c{second.id}") == typed[second.id]  # what was typed, not what is stored
    assert input_value(page, f"c{first.id}") == ""
    assert hidden_fingerprint(page) == tab_b  # saving this page again is refused again: reload first
    assert stored(get_sheet) == after_a and events() == count  # tab A's scores kept, nothing written
    # reloaded: the stored scores, a fingerprint that saves
    reloaded = client.get(path, headers=EN).get_data(as_text=True)
    assert input_value(reloaded, f"c{first.id}") == mid(first)
    assert client.post(path, headers=EN, data=form_of(
        criteria, hidden_fingerprint(reloaded), {first.id: mid(first), second.id: mid(second)})).status_code == 302


def test_saving_the_same_tab_twice_is_not_stale(client, login_as, sheet):
    """After a save the page is loaded again (redirect) with the new fingerprint: the next save goes through."""
    user, criteria, get_sheet, path, _api = sheet
    login_as(user)
    for points in ("1", "2"):
        opened = client.get(path, headers=EN).get_data(as_text=True)
        form = form_of(criteria, hidden_fingerprint(opened), {criteria[0].id: mid(criteria[0]),
                                                              criteria[1].id: points})
        form[f"comment{criteria[1].id}"] = "低分原因"
        assert client.post(path, headers=EN, data=form).status_code == 302
    assert [row[1] for row in stored(get_sheet) if row[0] == criteria[1].id] == [4]


def test_a_refused_form_keeps_the_fingerprint_it_was_loaded_with(client, login_as, sheet):
    """A refusal for another reason (a score out of range) re-renders with the fingerprint sent: a save made in
    another tab meanwhile is not then overwritten by correcting and saving the refused page."""
    user, criteria, get_sheet, path, _api = sheet
    login_as(user)
    loaded = hidden_fingerprint(client.get(path, headers=EN).get_data(as_text=True))
    refused = client.post(path, headers=EN, data=form_of(criteria, loaded, {criteria[0].id: "999"}))
    assert refused.status_code == 422
    assert hidden_fingerprint(refused.get_data(as_text=True)) == loaded
    assert client.post(path, headers=EN, data=form_of(criteria, loaded, {criteria[1].id: mid(criteria[1])})
                       ).status_code == 302
    again = client.post(path, headers=EN, data=form_of(criteria, loaded, {criteria[0].id: mid(criteria[0])}))
    assert again.status_code == 409
    assert [row[0] for row in stored(get_sheet)] == [criteria[1].id]


def test_a_form_without_the_field_is_not_checked(client, login_as, sheet):
    user, criteria, get_sheet, path, _api = sheet
    login_as(user)
    for c in criteria[:2]:
        assert client.post(path, headers=EN, data=form_of(criteria, None, {c.id: mid(c)})).status_code == 302
    assert len(stored(get_sheet)) == 1  # the second save emptied the first criterion, as typed


def test_the_api_gives_and_checks_the_fingerprint(client, login_as, sheet):
    user, criteria, get_sheet, _path, api = sheet
    _t, plain = create_token(user, "t", actor=user)
    headers = {"Authorization": f"Bearer {plain}"}
    db.session.commit()
    read = client.get(api, headers=headers).get_json()
    assert read["sheet_id"] is None and len(read["fingerprint"]) == 32
    one = {str(criteria[0].id): {"points": int(mid(criteria[0]))}}
    saved = client.put(api, headers=headers, json={"scores": one, "fingerprint": read["fingerprint"]})
    assert saved.status_code == 200 and saved.get_json()["fingerprint"] != read["fingerprint"]
    before, count = stored(get_sheet), events()
    stale = client.put(api, headers=headers, json={"scores": {str(criteria[1].id): {"points": 1, "comment": "低"}},
                                                   "fingerprint": read["fingerprint"]})
    assert stale.status_code == 409
    error = stale.get_json()["error"]
    assert error["code"] == "stale_sheet" and "fingerprint" in error["fields"]
    assert stored(get_sheet) == before and events() == count
    assert client.put(api, headers=headers, json={"scores": one, "fingerprint": 7}).status_code == 422
    fresh = client.put(api, headers=headers, json={"scores": one, "fingerprint": saved.get_json()["fingerprint"]})
    assert fresh.status_code == 200
    assert client.put(api, headers=headers, json={"scores": one}).status_code == 200  # older clients: unchecked


def test_the_service_refuses_a_stale_first_save(app, review):
    """Both tabs opened the sheet before it existed: the second first save finds the first's entries."""
    user, criteria, get_sheet, _path, _api = review
    member_sheet = lambda: score_sheets.sheet_for(*_owner(get_sheet, user))  # noqa: E731
    with app.test_request_context():
        empty = score_sheets.sheet_fingerprint(ScoreSheet(status=SheetStatus.DRAFT.value))
        score_sheets.save_scores(member_sheet(), {criteria[0].id: (2 * int(mid(criteria[0])), "")}, actor=user,
                                 fingerprint=empty)
        with pytest.raises(Conflict) as refused:
            score_sheets.save_scores(member_sheet(), {criteria[1].id: (2 * int(mid(criteria[1])), "")}, actor=user,
                                     fingerprint=empty)
    assert refused.value.code == "stale_sheet"


def _owner(get_sheet, user):
    from evaluation.models import PanelMember
    from projects.models import Proposal

    member = db.session.scalar(select(PanelMember).where(PanelMember.user_id == user.id))
    declared = services.declarations(member)
    return member, db.session.get(Proposal, next(iter(declared)))


# --- comments: asked for on submitting, not on a draft ------------------------------------------------------------

def test_a_draft_is_saved_without_the_comment_its_score_requires(client, login_as, sheet):
    user, criteria, get_sheet, path, _api = sheet
    login_as(user)
    low = criteria[0]
    loaded = hidden_fingerprint(client.get(path, headers=EN).get_data(as_text=True))
    response = client.post(path, headers=EN, data=form_of(criteria, loaded, {low.id: "0"}))
    assert response.status_code == 302
    assert stored(get_sheet) == [(low.id, 0, "")]


def test_submitting_asks_for_the_comment_beside_it_and_saves_nothing(client, login_as, sheet):
    user, criteria, get_sheet, path, _api = sheet
    login_as(user)
    low = criteria[0]
    points = {c.id: mid(c) for c in criteria} | {low.id: "0"}
    loaded = hidden_fingerprint(client.get(path, headers=EN).get_data(as_text=True))
    assert client.post(path, headers=EN, data=form_of(criteria, loaded, points)).status_code == 302  # the draft
    draft, count = stored(get_sheet), events()
    loaded = hidden_fingerprint(client.get(path, headers=EN).get_data(as_text=True))
    refused = client.post(path, headers=EN, data=form_of(criteria, loaded, points, action="submit"))
    assert refused.status_code == 422
    page = html.unescape(refused.get_data(as_text=True))
    low_bound, _high_bound = score_sheets.comment_bounds(low.max_points)
    assert low.max_points <= 10  # the upper bound is full marks (test_comment_rule_wording)
    assert (f'id="comment{low.id}-error">A comment is required for a score of {low_bound} or less, or for full '
            "marks.<") in page
    assert get_sheet().status == SheetStatus.DRAFT and stored(get_sheet) == draft and events() == count


def test_submitting_a_stored_draft_without_its_comment_is_refused_by_the_engine(app, review):
    """The API may submit a draft saved earlier without sending the scores again: the engine checks the stored
    sheet."""
    user, criteria, get_sheet, _path, _api = review
    member, proposal = _owner(get_sheet, user)
    with app.test_request_context():
        sheet = score_sheets.sheet_for(member, proposal)
        score_sheets.save_scores(sheet, {c.id: (0 if c is criteria[0] else 2 * int(mid(c)), "") for c in criteria},
                                 actor=user)
        with pytest.raises(ServiceError) as refused:
            score_sheets.transition_sheet(sheet, SheetStatus.SUBMITTED, actor=user)
    assert set(refused.value.fields) == {f"comment{criteria[0].id}"}
    assert criteria[0].title in refused.value.message


def test_a_score_out_of_range_is_still_refused_on_a_draft(app, review):
    user, criteria, get_sheet, _path, _api = review
    member, proposal = _owner(get_sheet, user)
    with app.test_request_context():
        sheet = score_sheets.sheet_for(member, proposal)
        with pytest.raises(ServiceError) as refused:
            score_sheets.save_scores(sheet, {criteria[0].id: (2 * criteria[0].max_points + 1, "x")}, actor=user)
    assert set(refused.value.fields) == {f"c{criteria[0].id}"}
