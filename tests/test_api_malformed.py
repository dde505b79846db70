"""A malformed-input sweep of every JSON API endpoint (DESIGN.md rule 7): whatever the body, the path ids or the query
arguments, the answer is a 4xx in the shape {"error": {"code", "message", "fields"}} and nothing is written — never
a 500 (which on PostgreSQL also covers NUL characters and integers that overflow a column) and never a 2xx for a
clearly invalid request.

Each test builds one world through the real services, with a token for every role that writes through the API, and
runs every case of its endpoints in a savepoint of its own that is rolled back afterwards, so a case that is (rightly)
accepted leaves nothing behind for the next. A valid request per endpoint is sent first and must succeed: otherwise the
sweep would only be proving that the world was wrong. Row counts of every table (the audit trail among them) are
compared before and after each refused request.
"""

import collections
import copy
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa

from accounts.enums import Role
from accounts.tokens import create_token
from core.api import API_PREFIX
from core.db import db
from core.timeutil import local_today
from evaluation import services as evaluation
from projects import contract_money, contract_reports, contracts
from projects.contract_report_input import FeeInput, ReportInput
from tests.evaluation.helpers import drawn_panel
from tests.evaluation.project_helpers import commissioned
from tests.factories import make_user
from tests.orgs.helpers import category, community
from tests.projects.contract_helpers import awarded_decision, plan
from tests.projects.helpers import good_org, published_call, ready_proposal
from tests.vouchers.helpers import world as voucher_world
from vouchers import catalogue, documents, redemption
from vouchers.redemption_models import RedemptionCode

MISSING_ID, HUGE_ID = "999999", "99999999999999999999"
LONG, NUL = "x" * 10_000, "a\u0000b"
TEXT_LONG = "长" * 10_000

# What is wrong for a field of each kind (null is added for required fields only: an optional field may be null).
NOT_TEXT = [("int", 7), ("list", ["x"]), ("object", {"a": "x"}), ("true", True), ("float", 1.5), ("huge int", 10**30),
            ("negative", -1), ("10k chars", LONG), ("NUL", NUL)]
NOT_INT = [("string", "7"), ("list", [7]), ("object", {"a": 7}), ("true", True), ("float", 1.5),
           ("huge int", 10**30), ("past BIGINT", 2**63), ("negative", -1), ("10k chars", LONG), ("NUL", NUL)]
MALFORMED = {
    "str": NOT_TEXT,
    "text": NOT_TEXT,  # free text: a long one may be accepted if the field allows that much (see LONG_OK)
    "int": NOT_INT,
    "target": [v for v in NOT_INT if v[0] != "string"],  # a proposal's output target may be sent as digits
    "id": [*NOT_INT, ("zero", 0), ("unknown id", 999_999)],
    "date": [("int", 7), ("list", ["2025-01-01"]), ("object", {}), ("true", True), ("float", 1.5), ("huge int", 10**30),
             ("no such day", "2025-13-45"), ("not a date", "x"), ("10k chars", LONG), ("NUL", NUL)],
    "bool": [("string", "true"), ("int", 1), ("list", [True]), ("object", {}), ("float", 1.5)],
    "list": [("string", "x"), ("int", 7), ("object", {"a": 1}), ("list of numbers", [1]), ("true", True),
             ("huge int", 10**30)],
    "ids": [("string", "x"), ("int", 7), ("object", {"a": 1}), ("list of strings", ["1"]), ("list of true", [True]),
            ("list of huge", [10**30]), ("list of negatives", [-1]), ("list of floats", [1.5]),
            ("unknown id", [999_999])],
    "dict": [("string", "x"), ("int", 7), ("list", [1]), ("true", True), ("huge int", 10**30)],
    "points": [("string", "7"), ("list", [7]), ("object", {}), ("true", True), ("quarter point", 7.25),
               ("huge int", 10**30), ("huge float", 1e300), ("negative", -1), ("10k chars", LONG), ("NUL", NUL)],
}
WHOLE_BODIES = [  # (label, content type, raw body)
    ("text/plain", "text/plain", "x"),
    ("broken JSON", "application/json", '{"a": '),
    ("JSON list", "application/json", "[1, 2]"),
    ("JSON string", "application/json", '"x"'),
    ("JSON null", "application/json", "null"),
    ("JSON number", "application/json", "7"),
    ("NaN", "application/json", "NaN"),
]


@dataclass
class Endpoint:
    method: str
    rule: str  # the url_map rule it covers
    path: str  # with {placeholders} from the world's ids
    user: str  # whose token (a user allowed to do it)
    body: Callable[[dict], dict] | None  # a valid body; None: the endpoint reads no body
    fields: dict = field(default_factory=dict)  # path (tuple) -> kind
    required: set = field(default_factory=set)  # paths for which null is invalid too
    long_ok: set = field(default_factory=set)  # free-text paths that may hold 10,000 characters
    empty_ok: bool = False  # {} is a valid body
    ok: int = 201  # the valid request's status
    extra: list = field(default_factory=list)  # (label, path overrides, body (callable of ids) or None, status)


def _set(body, path, value):
    target = body
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value


def counts(conn) -> tuple:
    """Row counts of every table, in one statement."""
    tables = db.metadata.sorted_tables
    query = sa.select(*[sa.select(sa.func.count()).select_from(t).scalar_subquery().label(t.name) for t in tables])
    return tuple(conn.execute(query).one())


def changed_tables(before, after) -> list[str]:
    return [t.name for t, b, a in zip(db.metadata.sorted_tables, before, after, strict=True) if b != a]


def rule7(response) -> str | None:
    """What is wrong with an error answer's shape (None if nothing)."""
    try:
        body = json.loads(response.get_data(as_text=True))
    except ValueError:
        return "not JSON"
    error = body.get("error") if isinstance(body, dict) else None
    if not (isinstance(error, dict) and set(error) == {"code", "message", "fields"} and isinstance(error["code"], str)
            and isinstance(error["message"], str) and error["message"] and isinstance(error["fields"], dict)):
        return f"not rule-7 shaped: {body!r:.200}"
    return None


def cases(ep: Endpoint, ids: dict):
    """(label, path, content type, raw body, allowed statuses) for one endpoint."""
    path = ep.path.format(**ids)
    placeholders = [name for name in ids if "{" + name + "}" in ep.path]
    for name in placeholders:
        for bad in (MISSING_ID, HUGE_ID):
            yield f"{name}={bad}", ep.path.format(**{**ids, name: bad}), "application/json", \
                json.dumps(ep.body(ids) if ep.body else {}), {404}
    for label, overrides, body, status in ep.extra:
        yield label, ep.path.format(**{**ids, **overrides}), "application/json", \
            json.dumps(body(ids) if callable(body) else body), {status}
    if ep.body is None:
        return
    for label, ctype, raw in WHOLE_BODIES:
        yield f"body {label}", path, ctype, raw, range(400, 500)
    if not ep.empty_ok:
        yield "body {}", path, "application/json", "{}", range(400, 500)
    for fpath, kind in ep.fields.items():
        values = list(MALFORMED[kind]) + ([("null", None)] if fpath in ep.required else [])
        for label, value in values:
            body = copy.deepcopy(ep.body(ids))
            _set(body, fpath, value)
            allowed = range(200, 500) if label == "10k chars" and fpath in ep.long_ok else range(400, 500)
            yield f"{'.'.join(map(str, fpath))}={label}", path, "application/json", json.dumps(body), allowed
        if kind in ("int", "id", "target"):  # just past a 32-bit INTEGER column: may be a valid amount, never a 500
            body = copy.deepcopy(ep.body(ids))
            _set(body, fpath, 2**31)
            yield f"{'.'.join(map(str, fpath))}=2**31", path, "application/json", json.dumps(body), range(200, 500)


def sweep(client, endpoints: list[Endpoint], ids: dict, tokens: dict) -> None:
    db.session.commit()
    db.session.close()
    conn = db.engines[None]  # the test's connection (tests/conftest.py): requests join it in savepoints
    failures = []
    for ep in endpoints:
        headers = {"Authorization": f"Bearer {tokens[ep.user]}"}
        url = API_PREFIX + ep.path.format(**ids)
        if ep.body is not None or ep.ok:  # the valid request first: it must succeed (and write)
            savepoint = conn.begin_nested()
            before = counts(conn)
            response = client.open(url, method=ep.method, headers=headers, json=ep.body(ids) if ep.body else None)
            after = counts(conn)
            savepoint.rollback()
            if response.status_code != ep.ok or before == after:
                failures.append(f"{ep.method} {ep.path} valid request: {response.status_code} "
                                f"{response.get_data(as_text=True)[:300]}")
                continue
        for label, path, ctype, raw, allowed in cases(ep, ids):
            savepoint = conn.begin_nested()
            before = counts(conn)
            response = client.open(API_PREFIX + path, method=ep.method, headers=headers, data=raw,
                                   content_type=ctype)
            after = counts(conn)
            savepoint.rollback()
            where = f"{ep.method} {ep.path} [{label}]"
            status = response.status_code
            if status not in allowed:
                failures.append(f"{where}: {status} {response.get_data(as_text=True)[:80]}")
            elif status >= 400 and (problem := rule7(response)):
                failures.append(f"{where}: {status} {problem}")
            elif status >= 400 and before != after:
                failures.append(f"{where}: {status} but wrote to {changed_tables(before, after)}")
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures)


def token(user) -> str:
    return create_token(user, "sweep", actor=user)[1]


# ---------------------------------------------------------------------------------------------------------- the worlds

ORG_BODY = {"name": "幸福家园社工服务中心", "kind": "community", "uscc": "", "legal_representative": "李明",
            "registration_authority": "东城区民政局", "address": "东城区幸福大街1号", "contact_name": "李明",
            "contact_phone": "13800001234", "contact_email": "a@example.cn", "description": "为老服务",
            "registered_on": "2020-05-01", "full_time_staff": 8, "certified_social_workers": 3, "volunteers": 40}


def proposal_body(ids) -> dict:
    return {"title": "上门探访项目", "summary": "摘要", "needs_analysis": "需求", "objectives": "目标",
            "work_plan": [{"month": "2027-01", "activity": "调研"}],
            "outputs": [{"indicator": "探访", "target": "1200", "unit": "人次"}],
            "team": [{"name": "张明", "role": "主管", "qualification": "社工师"}],
            "budget_lines": [{"category": "personnel", "item": "社工补贴", "quantity": 1, "unit_price_fen": 500_000},
                             {"category": "activities", "item": "活动", "quantity": 2, "unit_price_fen": 100_000}],
            "co_funding_fen": 0}


REGISTRY_AND_PROPOSALS = [
    Endpoint("POST", "/api/v1/orgs", "/orgs", "applicant",
             lambda ids: {**ORG_BODY, "category_ids": [ids["category"]], "community_ids": [ids["community"]]},
             fields={**{(k,): "str" for k in ("name", "kind", "uscc", "legal_representative", "registration_authority",
                                              "address", "contact_name", "contact_phone", "contact_email")},
                     ("description",): "text", ("registered_on",): "date", ("full_time_staff",): "int",
                     ("certified_social_workers",): "int", ("volunteers",): "int", ("category_ids",): "ids",
                     ("community_ids",): "ids"},
             required={("name",), ("kind",)}),
    Endpoint("POST", "/api/v1/calls/<int:call_id>/proposals", "/calls/{call}/proposals", "manager2",
             lambda ids: {"org_id": ids["org2"]}, fields={("org_id",): "id"}, required={("org_id",)},
             extra=[("someone else's organisation", {}, lambda ids: {"org_id": ids["org1"]}, 403)]),
    Endpoint("PUT", "/api/v1/proposals/<int:proposal_id>", "/proposals/{proposal}", "manager1", proposal_body,
             fields={("title",): "str", ("summary",): "text", ("needs_analysis",): "text", ("objectives",): "text",
                     ("work_plan",): "list", ("work_plan", 0, "month"): "str", ("work_plan", 0, "activity"): "str",
                     ("outputs",): "list", ("outputs", 0, "target"): "target", ("outputs", 0, "indicator"): "str",
                     ("team",): "list", ("team", 0, "name"): "str", ("budget_lines",): "list",
                     ("budget_lines", 0, "category"): "str", ("budget_lines", 0, "item"): "str",
                     ("budget_lines", 0, "quantity"): "int", ("budget_lines", 0, "unit_price_fen"): "int",
                     ("co_funding_fen",): "int"},
             empty_ok=True, ok=200),  # a draft may be saved empty
    Endpoint("POST", "/api/v1/proposals/<int:proposal_id>/<any(submit, withdraw):action>",
             "/proposals/{proposal}/submit", "manager1", None, ok=200),
    Endpoint("POST", "/api/v1/proposals/<int:proposal_id>/<any(submit, withdraw):action>",
             "/proposals/{proposal}/withdraw", "manager1", None, ok=0,
             extra=[("withdraw a draft", {}, None, 409)]),
]


def test_registry_and_proposal_endpoints(app, client, session):
    officer = make_user(Role.OFFICER)
    manager1, manager2, applicant = make_user(), make_user(), make_user()
    with app.test_request_context():
        call = published_call(officer)
        org1 = good_org(manager1, officer, name="扫描测试服务中心一")
        org2 = good_org(manager2, officer, name="扫描测试服务中心二")
        proposal = ready_proposal(call, org1, manager1)
    ids = {"call": call.id, "org1": org1.id, "org2": org2.id, "proposal": proposal.id, "category": category().id,
           "community": community().id}
    tokens = {"applicant": token(applicant), "manager1": token(manager1), "manager2": token(manager2)}
    sweep(client, REGISTRY_AND_PROPOSALS, ids, tokens)


def scores_body(ids) -> dict:
    return {"scores": {str(ids["criterion"]): {"points": 7, "comment": "依据充分"}}, "submit": False}


def sheet_fields(ids) -> dict:
    c = str(ids["criterion"])
    return {("scores",): "dict", ("scores", c): "dict", ("scores", c, "points"): "points",
            ("scores", c, "comment"): "str", ("submit",): "bool"}


def scoring_endpoints(ids) -> list[Endpoint]:
    odd_keys = [("criterion key not a number", {}, {"scores": {"abc": {"points": 1}}}, 422),
                ("criterion key huge", {}, {"scores": {"9" * 30: {"points": 1}}}, 422),
                ("unknown criterion", {}, {"scores": {"999999": {"points": 1}}}, 422),
                ("negative criterion key", {}, {"scores": {"-1": {"points": 1}}}, 422)]
    return [
        Endpoint("POST", "/api/v1/evaluation/members/<int:member_id>/declarations",
                 "/evaluation/members/{member}/declarations", "evaluator",
                 lambda ids: {"proposal_id": ids["proposal2"], "conflict": False, "relationship": ""},
                 fields={("proposal_id",): "id", ("conflict",): "bool", ("relationship",): "str"},
                 required={("proposal_id",), ("conflict",)}),
        Endpoint("PUT", "/api/v1/evaluation/members/<int:member_id>/sheets/<int:proposal_id>",
                 "/evaluation/members/{member}/sheets/{proposal1}", "evaluator", scores_body,
                 fields=sheet_fields(ids), required={("scores", str(ids["criterion"]), "points")}, ok=200,
                 empty_ok=True, long_ok={("scores", str(ids["criterion"]), "comment")},
                 extra=odd_keys + [("undeclared proposal", {"proposal1": ids["proposal2"]}, scores_body, 404)]),
    ]


def test_review_scoring_endpoints(app, client, session):
    officer = make_user(Role.OFFICER)
    call, orgs, props, panel = drawn_panel(app, officer)
    member = panel.members[0]
    with app.test_request_context():
        evaluation.declare(member, props[0], False, "", actor=member.user)
    ids = {"member": member.id, "proposal1": props[0].id, "proposal2": props[1].id,
           "criterion": panel.template.criteria[0].id}
    sweep(client, scoring_endpoints(ids), ids, {"evaluator": token(member.user)})


def report_body(ids) -> dict:
    return {"narrative": "第二阶段的工作已经完成。", "outputs": {"探访": 10},
            "activities": [{"held_on": ids["today"], "place": "和平社区活动室", "participants": 30,
                            "description": "健康讲座"}],
            "fees": [{"kind": "volunteer_allowance", "name": "王芳", "amount_fen": 5000, "paid_on": ids["today"],
                      "phone": "13800001234", "username": ""}]}


def contract_endpoints(ids) -> list[Endpoint]:
    budget = lambda ids: {"kind": "budget", "from_line_id": ids["line"], "to_line_id": ids["line2"],  # noqa: E731
                          "amount_fen": 500, "reason": "调整预算"}
    schedule = lambda ids: {"kind": "schedule", "milestone_id": ids["m1"], "new_due_on": ids["later"],  # noqa: E731
                            "reason": "延期"}
    return [
        Endpoint("POST", "/api/v1/milestones/<int:milestone_id>/reports", "/milestones/{m1}/reports", "manager",
                 report_body,
                 fields={("narrative",): "text", ("outputs",): "dict", ("outputs", "探访"): "int",
                         ("activities",): "list", ("activities", 0, "held_on"): "date",
                         ("activities", 0, "place"): "str", ("activities", 0, "participants"): "int",
                         ("activities", 0, "description"): "text", ("fees",): "list", ("fees", 0, "kind"): "str",
                         ("fees", 0, "name"): "str", ("fees", 0, "amount_fen"): "int", ("fees", 0, "paid_on"): "date",
                         ("fees", 0, "phone"): "str", ("fees", 0, "username"): "str"},
                 required={("narrative",), ("activities", 0, "held_on"), ("activities", 0, "place"),
                           ("activities", 0, "participants"), ("fees", 0, "kind"), ("fees", 0, "amount_fen"),
                           ("fees", 0, "paid_on")},
                 long_ok={("narrative",), ("activities", 0, "description")},
                 extra=[("milestone already reported", {"m1": ids["m0"]}, report_body, 409)]),
        Endpoint("POST", "/api/v1/contracts/<int:contract_id>/expenses", "/contracts/{c}/expenses", "manager",
                 lambda ids: {"line_id": ids["line"], "spent_on": ids["today"], "payee": "张明", "amount_fen": 100},
                 fields={("line_id",): "id", ("spent_on",): "date", ("payee",): "str", ("amount_fen",): "int"},
                 required={("line_id",), ("spent_on",), ("payee",), ("amount_fen",)}),
        Endpoint("POST", "/api/v1/contracts/<int:contract_id>/expenses/<int:expense_id>/withdraw",
                 "/contracts/{c}/expenses/{expense}/withdraw", "manager", lambda ids: {"reason": "重复登记"},
                 fields={("reason",): "text"}, required={("reason",)}, ok=200),
        Endpoint("POST", "/api/v1/contracts/<int:contract_id>/expenses/<int:expense_id>/correct",
                 "/contracts/{c}/expenses/{wrong}/correct", "manager",
                 lambda ids: {"line_id": ids["line"], "spent_on": ids["today"], "payee": "张明", "amount_fen": 90},
                 fields={("line_id",): "id", ("spent_on",): "date", ("payee",): "str", ("amount_fen",): "int"},
                 required={("line_id",), ("spent_on",), ("payee",), ("amount_fen",)}),
        Endpoint("POST", "/api/v1/contracts/<int:contract_id>/changes", "/contracts/{c}/changes", "manager", budget,
                 fields={("kind",): "str", ("from_line_id",): "id", ("to_line_id",): "id", ("amount_fen",): "int",
                         ("reason",): "text"},
                 required={("kind",), ("from_line_id",), ("to_line_id",), ("amount_fen",), ("reason",)},
                 long_ok={("reason",)}),
        Endpoint("POST", "/api/v1/contracts/<int:contract_id>/changes", "/contracts/{c}/changes", "manager", schedule,
                 fields={("milestone_id",): "id", ("new_due_on",): "date", ("reason",): "text"},
                 required={("milestone_id",), ("new_due_on",), ("reason",)}, long_ok={("reason",)}),
        Endpoint("POST", "/api/v1/fee-receipts/<int:fee_id>/<any(confirm, deny):answer>", "/fee-receipts/{fee}/deny",
                 "recipient", lambda ids: {"reason": "没有收到这笔钱"}, fields={("reason",): "str"}, ok=200,
                 empty_ok=True),  # a denial may give no reason
        Endpoint("POST", "/api/v1/fee-receipts/<int:fee_id>/<any(confirm, deny):answer>",
                 "/fee-receipts/{fee}/confirm", "recipient", lambda ids: {}, empty_ok=True, ok=200,
                 fields={("reason",): "str"}),
        Endpoint("PUT", "/api/v1/evaluation/project-evaluations/<int:evaluation_id>/sheet",
                 "/evaluation/project-evaluations/{evaluation}/sheet", "evaluator", scores_body,
                 fields=sheet_fields(ids), required={("scores", str(ids["criterion"]), "points")}, ok=200,
                 empty_ok=True, long_ok={("scores", str(ids["criterion"]), "comment")}),
    ]


def test_contract_and_project_evaluation_endpoints(app, client, session):
    officer, manager, contract, project_evaluation, (evaluator,) = commissioned(app)
    recipient = make_user(Role.EVALUATOR)
    with app.test_request_context():
        fee = FeeInput("expert_fee", "", 80_000, local_today(), username=recipient.username)
        data = ReportInput("完成第一阶段工作，附证据。", fees=[fee])
        report = contract_reports.submit_report(contract.milestones[0], data, actor=manager)
        # the last milestone's report, which commissioned() submitted for the final evaluation: returned, so that
        # the sweep can report on that milestone again
        contract_reports.review_report(contract.milestones[1].latest_report, False, "请补充。", actor=officer)
        expense, wrong = (contract_money.record_expense(contract, contract.lines[0], local_today(), "张明", 100, None,
                                                        actor=manager) for _ in range(2))
    today = local_today()
    ids = {"c": contract.id, "m0": contract.milestones[0].id, "m1": contract.milestones[1].id, "expense": expense.id,
           "wrong": wrong.id,
           "line": contract.lines[0].id, "line2": contract.lines[1].id, "fee": report.fees[0].id,
           "evaluation": project_evaluation.id, "criterion": project_evaluation.template.criteria[0].id,
           "today": today.isoformat(), "later": (today + timedelta(days=90)).isoformat()}
    tokens = {"manager": token(manager), "recipient": token(recipient), "evaluator": token(evaluator)}
    sweep(client, contract_endpoints(ids), ids, tokens)


def confirm_endpoints(ids) -> list[Endpoint]:
    return [Endpoint("POST", "/api/v1/contracts/<int:contract_id>/confirm", "/contracts/{draft}/confirm", "manager",
                     lambda ids: {"terms_digest": ids["terms"]}, fields={("terms_digest",): "str"},
                     required={("terms_digest",)}, ok=200,
                     extra=[("the terms of something else", {}, {"terms_digest": "0" * 32}, 409)])]


def test_contract_confirmation_endpoint(app, client, session):
    officer, decision, manager = awarded_decision(app)
    with app.test_request_context():
        contract = contracts.draft_contract(decision, local_today(), local_today() + timedelta(days=365), plan(),
                                            [40, 30, 30], "", actor=officer)
    ids = {"draft": contract.id, "terms": contracts.terms_digest(contract)}
    sweep(client, confirm_endpoints(ids), ids, {"manager": token(manager)})


def voucher_endpoints(ids) -> list[Endpoint]:
    return [
        Endpoint("POST", "/api/v1/vouchers/redemptions", "/vouchers/redemptions", "manager",
                 lambda ids: {"code": ids["code"], "service_id": ids["service"], "amount_fen": 5000,
                              "idempotency_key": "pos-2"},
                 fields={("code",): "str", ("service_id",): "id", ("amount_fen",): "int", ("idempotency_key",): "str"},
                 required={("code",), ("service_id",), ("amount_fen",), ("idempotency_key",)}),
        Endpoint("POST", "/api/v1/vouchers/codes", "/vouchers/codes", "resident",
                 lambda ids: {"programme_id": ids["programme"]}, fields={("programme_id",): "id"}, empty_ok=True),
        Endpoint("POST", "/api/v1/vouchers/redemptions/<int:redemption_id>/dispute",
                 "/vouchers/redemptions/{redemption}/dispute", "resident", lambda ids: {"reason": "没有上门服务"},
                 fields={("reason",): "text"}, required={("reason",)}),
        Endpoint("POST", "/api/v1/vouchers/redemptions/<int:redemption_id>/rating",
                 "/vouchers/redemptions/{redemption}/rating", "resident", lambda ids: {"stars": 4, "comment": "很好"},
                 fields={("stars",): "int", ("comment",): "text"}, required={("stars",)},
                 extra=[("six stars", {}, {"stars": 6}, 422), ("no stars", {}, {"stars": 0}, 422)]),
        Endpoint("PUT", "/api/v1/vouchers/redemptions/<int:redemption_id>/rating",
                 "/vouchers/redemptions/{rated}/rating", "resident", lambda ids: {"stars": 2, "comment": "后来不准时"},
                 fields={("stars",): "int", ("comment",): "text"}, required={("stars",)}, ok=200,
                 extra=[("six stars", {}, {"stars": 6}, 422), ("no stars", {}, {"stars": 0}, 422),
                        ("not rated yet", {"rated": ids["redemption"]}, {"stars": 2}, 409)]),
        Endpoint("POST", "/api/v1/vouchers/printed-codes/<int:code_id>/cancel",
                 "/vouchers/printed-codes/{printed}/cancel", "resident", None, ok=200,
                 extra=[("a code already cancelled", {"printed": ids["cancelled"]}, None, 409)]),
    ]


def test_voucher_endpoints(app, client, session):
    w = voucher_world()
    resident_user = w.resident.user
    with app.test_request_context():
        first, _row = redemption.issue_code(w.resident, actor=resident_user)
        done = redemption.redeem(first, w.service, 5000, "pos-1", actor=w.manager).redemption
        second, _row = redemption.issue_code(w.resident, actor=resident_user)
        rated = redemption.redeem(second, w.service, 5000, "pos-0", actor=w.manager).redemption
        catalogue.rate(rated, 4, "很好", actor=resident_user)
        code, _row = redemption.issue_code(w.resident, actor=resident_user)
        for _ in range(2):  # the second sheet (of one code) cancels the first one's
            documents.issue_printed_vouchers(w.resident, actor=resident_user, count=1)
    cancelled, printed = db.session.scalars(sa.select(RedemptionCode.id).where(RedemptionCode.printed)
                                            .order_by(RedemptionCode.id))
    ids = {"code": code, "service": w.service.id, "programme": w.programme.id, "redemption": done.id,
           "rated": rated.id, "printed": printed, "cancelled": cancelled}
    tokens = {"manager": token(w.manager), "resident": token(resident_user)}
    sweep(client, voucher_endpoints(ids), ids, tokens)


def settlement_endpoints(ids) -> list[Endpoint]:
    statement = "/api/v1/vouchers/settlements/<int:settlement_id>/"
    return [
        Endpoint("POST", statement + "approve", "/vouchers/settlements/{draft}/approve", "officer", None, ok=200,
                 extra=[("approved already", {"draft": ids["approved"]}, None, 409)]),
        Endpoint("POST", statement + "pay", "/vouchers/settlements/{approved}/pay", "officer",
                 lambda ids: {"reference": "财付-2026-001"}, fields={("reference",): "str", ("paid_on",): "date"},
                 required={("reference",)}, ok=200,
                 extra=[("not approved yet", {"approved": ids["draft"]}, {"reference": "财付-2026-001"}, 409),
                        ("a blank reference", {}, {"reference": "   "}, 422),
                        ("a payment date", {}, {"reference": "财付-2026-001", "paid_on": "2026-01-05"}, 422)]),
    ]


def test_settlement_endpoints(app, client, session):
    from tests.vouchers.test_settlement_api import Month
    from vouchers import settlement
    from vouchers.enums import SettlementStatus

    with app.test_request_context():
        month = Month()
        draft, approved = month.statement(month.w.org), month.statement(month.org2)
        settlement.transition_settlement(approved, SettlementStatus.APPROVED, actor=month.w.officer)
    ids = {"draft": draft.id, "approved": approved.id}
    sweep(client, settlement_endpoints(ids), ids, {"officer": token(month.w.officer)})


def need_endpoints(ids) -> list[Endpoint]:
    answer = "/api/v1/needs/<int:need_id>/<any(acknowledge, close, reply):action>"
    return [
        Endpoint("POST", "/api/v1/needs", "/needs", "resident",
                 lambda ids: {"category": "meals", "description": "每天中午需要送餐", "wants_contact": True},
                 fields={("category",): "str", ("description",): "text", ("wants_contact",): "bool"},
                 required={("category",), ("description",)}),
        Endpoint("POST", answer, "/needs/{need}/close", "staff", lambda ids: {"reply": "已联系物业，周三上门"},
                 fields={("reply",): "text"}, required={("reply",)}, ok=200,
                 extra=[("a need already closed", {"need": ids["closed"]}, {"reply": "再答一次"}, 409)]),
        Endpoint("POST", answer, "/needs/{need}/acknowledge", "staff", lambda ids: {}, fields={("reply",): "text"},
                 empty_ok=True, ok=200, extra=[("a need already closed", {"need": ids["closed"]}, {}, 409)]),
        Endpoint("POST", answer, "/needs/{taken}/reply", "staff", lambda ids: {"reply": "师傅周三下午上门"},
                 fields={("reply",): "text"}, required={("reply",)}, ok=200,
                 extra=[("a need not taken on", {"taken": ids["need"]}, {"reply": "师傅周三下午上门"}, 409),
                        ("a need already closed", {"taken": ids["closed"]}, {"reply": "再说一次"}, 409),
                        ("an empty reply", {}, {"reply": "   "}, 422)]),
    ]


def test_need_endpoints(app, client, session):
    from accounts import needs
    from tests.accounts.test_needs import raised, resident_user, staff_of

    officer, staff = make_user(Role.OFFICER), staff_of("和平社区")
    with app.test_request_context():
        user, profile = resident_user("和平社区")
        need, taken, closed = raised(profile, user), raised(profile, user), raised(profile, user)
        needs.transition_need(taken, "acknowledged", actor=officer)
        needs.transition_need(closed, "closed", actor=officer, reply="已处理")
    ids = {"need": need.id, "taken": taken.id, "closed": closed.id}
    sweep(client, need_endpoints(ids), ids, {"resident": token(user), "staff": token(staff)})


def change_endpoints(ids) -> list[Endpoint]:
    decision = "/api/v1/orgs/changes/<int:change_id>/<any(approve, reject, withdraw):action>"
    items = {(k,): "str" for k in ("name", "uscc", "legal_representative", "address")}
    asked = lambda ids: {"name": "扫描更名社工服务中心", "reason": "理事会决议更名"}  # noqa: E731
    return [
        Endpoint("POST", "/api/v1/orgs/<int:org_id>/changes", "/orgs/{free}/changes", "manager", asked,
                 fields={**items, ("reason",): "text"}, required={("reason",)},
                 extra=[("one awaiting review already", {"free": ids["busy"]}, asked, 409)]),
        Endpoint("POST", decision, "/orgs/changes/{change}/reject", "officer", lambda ids: {"reason": "材料不全"},
                 fields={("reason",): "text"}, required={("reason",)}, ok=200,
                 extra=[("decided already", {"change": ids["decided"]}, {"reason": "材料不全"}, 409)]),
        Endpoint("POST", decision, "/orgs/changes/{change}/approve", "officer", lambda ids: {}, empty_ok=True,
                 ok=200, fields={("reason",): "text"},
                 extra=[("decided already", {"change": ids["decided"]}, {}, 409)]),
        Endpoint("POST", decision, "/orgs/changes/{change}/withdraw", "manager", lambda ids: {}, empty_ok=True,
                 ok=200, fields={("reason",): "text"}),
    ]


def test_change_registration_endpoints(app, client, session):
    from orgs import changes
    from tests.orgs.helpers import approved_org

    officer, manager = make_user(Role.OFFICER), make_user()
    with app.test_request_context():
        free = approved_org(manager, officer, name="扫描变更社工服务中心一")
        busy = approved_org(manager, officer, name="扫描变更社工服务中心二")
        decided = changes.request_change(busy, changes.RegisteredItems(
            "扫描变更社工服务中心三", busy.uscc, busy.legal_representative, busy.address), "更名", actor=manager)
        changes.transition_change(decided, "rejected", actor=officer, reason="材料不全")
        change = changes.request_change(busy, changes.RegisteredItems(
            busy.name, busy.uscc, "王芳", busy.address), "换届", actor=manager)
    ids = {"free": free.id, "busy": busy.id, "change": change.id, "decided": decided.id}
    sweep(client, change_endpoints(ids), ids, {"manager": token(manager), "officer": token(officer)})


# ------------------------------------------------------------------------------------------ every endpoint is covered

def test_every_write_endpoint_is_swept(app):
    swept = {(ep.method, ep.rule) for ep in REGISTRY_AND_PROPOSALS}
    fake = collections.defaultdict(lambda: 1)
    for endpoints in (scoring_endpoints(fake), contract_endpoints(fake), confirm_endpoints(fake),
                      voucher_endpoints(fake), settlement_endpoints(fake), need_endpoints(fake),
                      change_endpoints(fake)):
        swept |= {(ep.method, ep.rule) for ep in endpoints}
    writes = {(method, rule.rule) for rule in app.url_map.iter_rules() if rule.rule.startswith(API_PREFIX)
              for method in rule.methods & {"POST", "PUT", "PATCH", "DELETE"}}
    assert writes - swept == set(), "write endpoints the sweep does not cover"


# ---------------------------------------------------------------------------------------------- query arguments (GET)

BAD_ARGS = [("x", "x"), ("negative", "-1"), ("float", "1.5"), ("huge", HUGE_ID), ("10k chars", LONG),
            ("NUL", "a%00b"), ("empty", ""), ("full-width digits", "１２"), ("superscript", "²")]
QUERY_ENDPOINTS = [  # path, user, arguments
    ("/orgs", None, ["page", "per_page", "q", "kind", "category", "grade", "community"]),
    ("/calls", None, ["page", "per_page", "status"]),
    ("/contracts", "officer", ["page", "per_page"]),
    ("/contracts/watch", "officer", ["page"]),
    ("/contracts/{c}/expenses", "officer", ["page", "per_page"]),
    ("/audit/events", "admin", ["actor", "action", "target_type", "target_id", "date_from", "date_to", "before"]),
    ("/vouchers/services", "staff", ["page", "per_page"]),
    ("/vouchers/services?programme_id={programme}", "staff", ["programme_id", "category_id", "community_id",
                                                               "page", "per_page"]),
    ("/needs", "officer", ["page", "per_page", "status", "category", "community_id"]),
    ("/needs/mine", "resident", ["page", "per_page"]),
]


def test_query_arguments(app, client, session):
    officer, manager, contract = commissioned(app)[:3]
    w = voucher_world()
    admin = make_user(Role.ADMIN, Role.AUDITOR)
    tokens = {"officer": token(officer), "admin": token(admin), "staff": token(w.staff),
              "resident": token(w.resident.user)}
    ids = {"c": contract.id, "programme": w.programme.id}
    db.session.commit()
    failures = []
    for path, user, names in QUERY_ENDPOINTS:
        headers = {"Authorization": f"Bearer {tokens[user]}"} if user else {}
        base = API_PREFIX + path.format(**ids)
        ok = client.get(base, headers=headers)
        if ok.status_code != 200:
            failures.append(f"GET {base}: {ok.status_code}")
            continue
        for name in names:
            for label, value in BAD_ARGS:
                url = f"{base}{'&' if '?' in base else '?'}{name}={value}"
                if name == "programme_id":
                    url = f"{API_PREFIX}{path.split('?')[0]}?programme_id={value}"
                response = client.get(url, headers=headers)
                status = response.status_code
                if status >= 500 or not response.is_json:
                    failures.append(f"GET {path} [{name}={label}]: {status}")
                elif status >= 400 and (problem := rule7(response)):
                    failures.append(f"GET {path} [{name}={label}]: {status} {problem}")
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures)


def test_unknown_and_huge_ids_in_get_paths(app, client, session):
    """Every GET with ids in its path: an unknown or huge id is a JSON 404, whoever asks."""
    staff = make_user(Role.ADMIN, Role.OFFICER, Role.AUDITOR, Role.EVALUATOR, Role.RESIDENT)
    headers = {"Authorization": f"Bearer {token(staff)}"}
    db.session.commit()
    failures = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API_PREFIX) or "GET" not in rule.methods or not rule.arguments:
            continue
        for bad in (MISSING_ID, HUGE_ID):
            path = rule.rule
            for name in rule.arguments:
                path = path.replace(f"<int:{name}>", bad)
            response = client.get(path, headers=headers)
            if response.status_code != 404 or rule7(response):
                failures.append(f"GET {path}: {response.status_code} {rule7(response)}")
    assert not failures, "\n".join(failures)
