"""What a longer fuzz of /api/v1 found beyond tests/test_openapi.py's: JSON that the API could not read answered with
a 500 (arrays nested past Python's recursion limit; a lone surrogate escape such as "\\ud800", which no database can
store), and a 400 that the description did not declare (a NUL in a query argument of an operation that takes none).
Each is now a refusal in the error shape, in the user's language, and nothing is written."""

import json

import pytest
from sqlalchemy import func, select

from core.api import json_and_files, json_object
from core.db import db
from core.errors import ServiceError
from orgs.models import Organisation
from tests.factories import make_user
from tests.orgs.test_api import payload, token_for
from tests.test_openapi import demo  # noqa: F401  (a fixture)

DEEP = "[" * 100_000 + "]" * 100_000
ZH = {"Accept-Language": "zh-CN"}


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    error = response.get_json()["error"]
    assert error["code"] == code and isinstance(error["fields"], dict) and error["message"]
    return error


def _organisations() -> int:
    return db.session.scalar(select(func.count()).select_from(Organisation))


def test_json_nested_past_the_recursion_limit_is_refused_not_a_500(client, session):
    headers = token_for(make_user())
    db.session.commit()
    for data in (DEEP, '{"name": ' + DEEP + "}"):
        response = client.post("/api/v1/orgs", data=data, content_type="application/json", headers={**headers, **ZH})
        assert "JSON" in _error(response, 422, "bad_json")["message"]  # 请求正文必须是 JSON 对象
    assert _organisations() == 0


def test_the_multipart_json_text_nested_too_deep_is_refused_too(app):
    with (app.test_request_context("/api/v1/orgs/1/changes", method="POST", data={"data": DEEP},
                                   content_type="multipart/form-data"), pytest.raises(ServiceError) as refused):
        json_and_files()
    assert refused.value.code == "bad_json" and refused.value.status == 422


@pytest.mark.parametrize("field", ["description", "address", "uscc"])
def test_a_lone_surrogate_in_a_text_is_a_400_and_nothing_is_stored(client, session, field):
    headers = token_for(make_user())
    db.session.commit()
    body = json.dumps(payload(**{field: "说明\ud800"}))  # json.dumps escapes it: "\ud800", as a client may send
    assert "\\ud800" in body
    response = client.post("/api/v1/orgs", data=body, content_type="application/json", headers={**headers, **ZH})
    error = _error(response, 400, "bad_json")
    assert error["message"] == "请求正文中含有无效的 Unicode 文本。"
    assert _organisations() == 0
    # A surrogate pair, as ensure_ascii encoders escape any character beyond U+FFFF, is Unicode and is taken.
    emoji = client.post("/api/v1/orgs", data=json.dumps(payload(description="好 😀")), headers=headers,
                        content_type="application/json")
    assert emoji.status_code == 201
    assert db.session.get(Organisation, emoji.get_json()["id"]).description == "好 😀"


def test_a_lone_surrogate_in_a_key_or_in_multipart_json_text_is_refused(app):
    for context in ({"data": '{"\\udfff": 1}', "content_type": "application/json"},
                    {"data": {"data": '{"reason": "\\ud800"}'}, "content_type": "multipart/form-data"}):
        with app.test_request_context("/api/v1/x", method="POST", **context), pytest.raises(ServiceError) as refused:
            json_and_files() if context["content_type"] != "application/json" else json_object()
        assert refused.value.status == 400 and refused.value.code == "bad_json"


def test_every_operation_declares_the_400_a_nul_in_any_query_argument_gets(client, session):
    spec = client.get("/api/v1/openapi.json").get_json()
    undeclared = [(method, path) for path, ops in spec["paths"].items() for method, op in ops.items()
                  if "400" not in op["responses"]]
    assert undeclared == []
    # /api/v1/me takes no query argument, yet a NUL in one is refused before any view runs:
    me = client.get("/api/v1/me?x=%00", headers=token_for(make_user()))
    _error(me, 400, "bad_request")
    assert "400" in spec["paths"]["/api/v1/me"]["get"]["responses"]


def _draft_sheets(client, demo):  # noqa: F811
    """(url, token, a criterion id) of each score sheet the demo's evaluators may still change: a panel member's for
    a proposal, and an evaluation agency's for a project."""
    from evaluation.models import PanelMember
    from evaluation.project_models import ProjectEvaluation
    from projects.models import Proposal

    found = []
    candidates = [(f"/api/v1/evaluation/members/{m.id}/sheets/{p.id}", demo["expert"])
                  for m in db.session.scalars(select(PanelMember))
                  for p in db.session.scalars(select(Proposal).where(Proposal.call_id == m.panel.call_id))]
    candidates += [(f"/api/v1/evaluation/project-evaluations/{e.id}/sheet", demo["agency"])
                   for e in db.session.scalars(select(ProjectEvaluation))]
    for url, token in candidates:
        shown = client.get(url, headers={"Authorization": f"Bearer {token}"})
        if shown.status_code == 200 and shown.get_json()["status"] == "draft" and shown.get_json()["scores"]:
            found.append((url, token, next(iter(shown.get_json()["scores"]))))
    return found


def test_a_refused_score_sheet_names_the_criterion_ids_it_was_sent(client, demo):  # noqa: F811
    """The services name a criterion's fields as the form does (c56, comment56); a client sent `scores` keyed by
    criterion id and must find its reasons under those keys, as the description says."""
    sheets = _draft_sheets(client, demo)
    assert {"members" in url for url, _token, _criterion in sheets} == {True, False}  # both kinds of sheet
    for url, token, criterion in sheets:
        headers = {"Authorization": f"Bearer {token}", **ZH}
        unknown = client.put(url, json={"scores": {"999999": {"points": 1}}}, headers=headers)
        assert set(_error(unknown, 422, "invalid")["fields"]) == {"999999"}
        long = client.put(url, json={"scores": {criterion: {"points": 1, "comment": "长" * 5000}}}, headers=headers)
        fields = _error(long, 422, "invalid")["fields"]
        assert set(fields) == {criterion} and "5000" not in fields[criterion] and "最多" in fields[criterion]
