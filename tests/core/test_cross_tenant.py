"""Cross-tenant (IDOR) sweep: every URL rule with an id or key in it, filled with another tenant's object, is refused.

tests/test_permissions.py is the role × route table (may this role open this page at all); this is its per-object
half (DESIGN.md rule 8: permissions are per object). Walking app.url_map, each rule with arguments is requested as each
tenant-A user of the demo data (an organisation's manager, a resident, a community's staff, an expert) and as an
anonymous visitor, with its arguments filled with tenant B's objects (tests/core/tenant_objects.py): GET for a GET
rule, POST/PUT with an empty body for the others. Every answer must be 403 or 404 (a redirect to the login page, or
401, for anonymous), never a page or a success; and the POSTs must write no audit event (nothing changed). A rule
added later is swept as soon as its argument names are known; a rule with an argument no one knows fails
test_every_rule_with_an_argument_is_swept_or_listed until it is mapped or listed here with its reason.
"""

import io
import itertools
from datetime import timedelta

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage
from werkzeug.routing.converters import AnyConverter

from accounts import needs, tokens
from accounts.models import User
from accounts.resident_models import ResidentProfile
from core.db import db
from core.timeutil import local_today
from evaluation import rectification
from evaluation.project_models import EvaluationAssignment, ProjectEvaluation
from orgs import changes
from orgs.models import Organisation
from projects import contract_money
from projects.call_clarifications import ask_question
from projects.contract_models import Contract
from projects.models import Call
from tests.core.tenant_objects import known, object_for
from tests.factories import login
from tests.projects.contract_helpers import PNG_BYTES

USERS = ("anonymous", "org01", "resident1", "staff1", "expert1")
DEMO_PASSWORD = "gongzhi-demo"
SWEPT_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}

# Public by design: anyone may open these whoever the object belongs to (still swept for the audit check: an empty
# POST changes nothing, and none may answer with a server error).
PUBLIC = {
    "static": "the site's own CSS, scripts and fonts",
    "bootstrap.static": "Bootstrap's files, served locally",
    "core.language": "switching the interface language",
    "orgs.profile": "an organisation's public registry page (public information of registered organisations)",
    "orgs_api.get_org": "the same public registry record, as JSON",
    "project_public.project": "a project's public page (open government purchasing: what was bought, from whom)",
    "project_evaluation_api.published": "a project's published evaluation results, public like the project page",
    "project_public.answer": "a satisfaction survey, answered by residents with the one-time code they were given",
    "documents.verify": "verifying an issued document by its code: anyone holding the paper may check it",
    "vouchers.catalogue_provider": "a voucher provider's services, ratings and booking phone, as the catalogue shows "
                                   "them to anyone logged in choosing a service (no one's own object)",
}

# Rules left out, each with its reason: none at present. What the demo lacks (a need, a token, a change registration,
# a call question, a document request, a contract's file) is made by make_missing_objects(); a rule whose object
# cannot be made goes here with why, rather than being swept against an id that does not exist (a 404 that proves
# nothing).
NOT_COVERED: dict[str, str] = {}

# A user's own object where the demo has no tenant-B one for them: both demo surveys are on evaluations expert1
# evaluates (and may hand out codes for), so survey codes are swept for the other users only.
OWN_OBJECT = {("expert1", "project_evaluation.survey_codes"), ("expert1", "project_evaluation.survey_page"),
              ("expert1", "project_evaluation.request_page")}  # (the test's document request is on org09's too)


def swept_rules(app):
    return sorted((rule for rule in app.url_map.iter_rules()
                   if rule._converters and rule.endpoint not in NOT_COVERED), key=lambda rule: rule.rule)


def fillable(rule) -> bool:
    return all(isinstance(rule._converters[name], AnyConverter) or known(rule.endpoint, name)
               for name in rule._converters)


def urls_for_tenant_b(rule) -> list[str]:
    """The rule filled with tenant B's objects, once per choice of each `any(...)` argument (every action)."""
    objects, choices = {}, [{}]
    for name, converter in rule._converters.items():
        if isinstance(converter, AnyConverter):
            choices = [{**chosen, name: item} for chosen in choices for item in sorted(converter.items)]
        else:
            objects[name] = object_for(rule.endpoint, name)
    return [rule.build({**objects, **chosen})[1] for chosen in choices]


def refused(response, anonymous: bool) -> bool:
    if response.status_code in (403, 404):
        return True
    return anonymous and (response.status_code == 401 or (
        response.status_code == 302 and "/login" in response.headers.get("Location", "")))


def make_missing_objects(app):
    """What the demo lacks, made by tenant B through the services: a need raised by resident3; an API token, a
    change registration and a question about a call from org02's manager; a document request to org09 (from expert1,
    the one cleared evaluator of an evaluation in progress: only org09 may answer it, so expert1 too is refused); an
    expense of org02's contract with its receipt."""
    user = {name: db.session.scalar(sa.select(User).where(User.username == name))
            for name in ("resident3", "org02", "expert1")}
    profile = db.session.scalar(sa.select(ResidentProfile).where(ResidentProfile.user_id == user["resident3"].id))
    needs.raise_need(profile, "meals", "每天中午需要送餐", False, actor=user["resident3"])
    tokens.create_token(user["org02"], "对账脚本", actor=user["org02"])
    org_b = db.session.get(Organisation, object_for("orgs.profile", "org_id"))
    changes.request_change(org_b, changes.RegisteredItems(name=org_b.name, uscc=org_b.uscc or "",
                                                          legal_representative="李新", address=org_b.address or ""),
                           "法定代表人换届", actor=user["org02"])
    published = db.session.scalar(sa.select(Call).where(Call.status == "published").order_by(Call.id))
    ask_question(published, org_b, "服务对象是否包括外区户籍老人？", actor=user["org02"])
    evaluation = db.session.scalar(sa.select(ProjectEvaluation).join(EvaluationAssignment)
                                   .where(EvaluationAssignment.user_id == user["expert1"].id,
                                          ProjectEvaluation.status == "in_progress"))
    rectification.request_documents(evaluation, "请补充活动签到表", local_today() + timedelta(days=5),
                                    actor=user["expert1"])
    record_receipt(app, user["org02"])
    db.session.commit()


def audit_events() -> int:
    return db.session.execute(sa.text("select count(*) from audit_events")).scalar()


def record_receipt(app, manager) -> None:
    """An expense of org02's contract with its receipt (the demo's contracts hold no stored file)."""
    contract = db.session.get(Contract, object_for("contracts.show", "contract_id"))
    with app.test_request_context():
        receipt = FileStorage(io.BytesIO(PNG_BYTES), filename="发票.png", content_type="image/png")
        contract_money.record_expense(contract, contract.lines[0], local_today(), "张明", 100, receipt, actor=manager)


def test_every_rule_with_an_argument_is_swept_or_listed(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert set(PUBLIC) - endpoints == set() and set(NOT_COVERED) - endpoints == set()  # no stale entries
    unknown = [rule.rule for rule in swept_rules(app) if rule.endpoint not in PUBLIC and not fillable(rule)]
    assert unknown == [], "map these rules' arguments in tests/core/tenant_objects.py, or list them in NOT_COVERED"


@pytest.mark.parametrize("username", USERS)
def test_tenant_a_is_refused_tenant_b_objects(app, client, session, demo_data, username):
    make_missing_objects(app)
    anonymous = username == "anonymous"
    api = {}
    if not anonymous:
        assert login(client, username, DEMO_PASSWORD).status_code == 302
        user = db.session.scalar(sa.select(User).where(User.username == username))
        api = {"Authorization": f"Bearer {tokens.create_token(user, '测试', actor=user)[1]}"}
        db.session.commit()
    before = audit_events()
    wrong, swept = {}, 0
    for rule in swept_rules(app):
        if (username, rule.endpoint) in OWN_OBJECT or (rule.endpoint in PUBLIC and not fillable(rule)):
            continue  # (a public rule with an argument of no one's object, a file name or a language: not an object)
        for url, method in itertools.product(urls_for_tenant_b(rule), sorted(rule.methods & SWEPT_METHODS)):
            if url.startswith("/api/"):  # the API knows its callers by their token, not a session
                response = client.open(url, method=method, headers=api, json={} if method != "GET" else None)
            else:
                response = client.open(url, method=method, data={})
            swept += 1
            if response.status_code >= 500 or (rule.endpoint not in PUBLIC and not refused(response, anonymous)):
                wrong[f"{method} {url}"] = (response.status_code, response.headers.get("Location"))
    assert swept > 175  # every rule (and every action) was reached, not only the first few
    assert not wrong, "\n".join(f"{request}: {answer}" for request, answer in sorted(wrong.items()))
    assert audit_events() == before  # nothing was changed (every change writes its audit event)

