"""The OpenAPI description of /api/v1 (core.openapi): it covers exactly the routes, is valid OpenAPI 3.1, every GET
answers with the shape it declares, and a fuzz of every operation against it, as real users with real tokens, never
gets a 5xx nor a refusal of another shape."""

import contextvars
import os
import re
import time
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from sqlalchemy import select

from accounts.models import User
from accounts.resident_models import ResidentProfile
from accounts.tokens import create_token
from evaluation.models import PanelMember
from evaluation.project_models import EvaluationAssignment, ProjectEvaluation
from orgs.models import ChangeRequest, Membership, Organisation
from projects.contract_models import Contract, Milestone
from projects.contract_report_models import FeePayment
from projects.models import Call, Proposal
from vouchers.models import Programme
from vouchers.redemption_models import Redemption, Settlement

API = "/api/v1"


def _spec(client) -> dict:
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def _rule_as_path(rule: str) -> str:
    """Written apart from core.openapi.path_of on purpose: the test must not share the code it checks."""
    return re.sub(r"<(?:[^:>]+:)?(\w+)>", r"{\1}", rule)


def test_the_description_covers_exactly_the_api_routes(app, client):
    """A route without a description, or a description without its route, fails here."""
    routes = {(_rule_as_path(r.rule), method.lower()) for r in app.url_map.iter_rules()
              if r.rule.startswith(f"{API}/") for method in r.methods - {"HEAD", "OPTIONS"}}
    described = {(path, method) for path, ops in _spec(client)["paths"].items() for method in ops}
    assert routes - described == set(), "routes without a description (add @api_doc beside the route)"
    assert described - routes == set(), "descriptions of routes that do not exist"
    assert len(routes) >= 39


def test_the_description_is_valid_openapi_3_1(client):
    from openapi_spec_validator import validate

    spec = _spec(client)
    assert spec["openapi"].startswith("3.1")
    validate(spec)
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            assert op["summary"] and op["tags"] and "401" in op["responses"], (method, path)
            assert set(re.findall(r"{(\w+)}", path)) == {p["name"] for p in op.get("parameters", [])
                                                          if p["in"] == "path"}, (method, path)


def test_the_description_is_public_and_cacheable(client):
    first = client.get(f"{API}/openapi.json")
    assert first.status_code == 200 and "public" in first.headers["Cache-Control"] and first.headers["ETag"]
    again = client.get(f"{API}/openapi.json", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    refused = client.get(f"{API}/openapi.json", headers={"Authorization": "Bearer gz_not-a-token"})
    assert refused.status_code == 401 and refused.get_json()["error"]["code"] == "invalid_token"


# --- real users, real tokens, the demo's data ----------------------------------------------------------------------

def _first(stmt):
    from core.db import db

    return db.session.scalar(stmt.limit(1))


@pytest.fixture
def demo(session, demo_data):
    """The demo data (loaded once per worker, see demo_data in tests/conftest.py), and a token for each kind of API
    user: an officer, an auditor, an organisation's manager with contracts, a voucher provider's member, an evaluator
    on a panel, an evaluation agency's evaluator, a resident with redemptions."""
    with_contract = select(User).join(Membership, Membership.user_id == User.id).join(
        Contract, Contract.org_id == Membership.org_id).where(Membership.role == "manager").order_by(User.id)
    provider = select(User).join(Membership, Membership.user_id == User.id).join(
        Redemption, Redemption.provider_org_id == Membership.org_id).order_by(User.id)
    users = {
        "officer": _first(select(User).where(User.username == "officer")),
        "auditor": _first(select(User).where(User.username == "auditor")),
        "manager": _first(with_contract),
        "provider": _first(provider),
        "expert": _first(select(User).join(PanelMember, PanelMember.user_id == User.id).order_by(User.id)),
        "agency": _first(select(User).join(EvaluationAssignment, EvaluationAssignment.user_id == User.id)
                         .order_by(User.id)),
        "resident": _first(select(User).join(ResidentProfile, ResidentProfile.user_id == User.id)
                           .join(Redemption, Redemption.resident_id == ResidentProfile.id).order_by(User.id)),
    }
    assert all(users.values()), users
    session.commit()
    tokens = {name: create_token(user, "openapi test", actor=user)[1] for name, user in users.items()}
    session.commit()
    return tokens


def _ids(model) -> list[int]:
    from core.db import db

    return list(db.session.scalars(select(model.id).order_by(model.id).limit(12)))


# Path parameters by name: drawn from the records that exist (and one that does not), so the fuzz reaches past the
# 404s into the checks of real records.
PATH_RECORDS = {"call_id": Call, "contract_id": Contract, "proposal_id": Proposal, "member_id": PanelMember,
                "evaluation_id": ProjectEvaluation, "fee_id": FeePayment, "milestone_id": Milestone,
                "org_id": Organisation, "redemption_id": Redemption, "change_id": ChangeRequest,
                "settlement_id": Settlement}
BODY_RECORDS = {"org_id": Organisation, "programme_id": Programme, "proposal_id": Proposal}
MISSING = 2_000_000_000


def _fuzzed_spec(spec: dict) -> dict:
    """The description with each path id narrowed to existing records, and a few body ids too (a copy)."""
    import copy

    spec = copy.deepcopy(spec)
    for ops in spec["paths"].values():
        for op in ops.values():
            for parameter in op.get("parameters", []):
                if parameter["in"] == "path" and parameter["name"] in PATH_RECORDS:
                    parameter["schema"] = {"type": "integer",
                                           "enum": _ids(PATH_RECORDS[parameter["name"]]) + [MISSING]}
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
            for name, model in BODY_RECORDS.items():
                if name in body.get("properties", {}):
                    body["properties"][name] = {"type": "integer", "enum": _ids(model) + [MISSING]}
    return spec


FUZZ_EXAMPLES = int(os.environ.get("GONGZHI_FUZZ_EXAMPLES", "12"))  # per operation and mode; by hand: 120


def _error_shape(response) -> str | None:
    """What is wrong with a refusal's body (DESIGN.md rule 7), or None."""
    try:
        body = response.get_json()
        error = body["error"]
        ok = (isinstance(error["code"], str) and error["code"] and isinstance(error["message"], str)
              and error["message"] and isinstance(error["fields"], dict)
              and all(isinstance(k, str) and isinstance(v, str) for k, v in error["fields"].items()))
    except (TypeError, KeyError, ValueError):
        ok = False
    return None if ok else f"not the error shape: {response.get_data(as_text=True)[:300]}"


def _unknown_fields(op: dict, response) -> str | None:
    """A refusal names the fields by the names they have in the request (its body's properties, its parameters), so
    that a client can show each reason beside what it sent; score sheets name criterion ids (keys of `scores`)."""
    body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
    known = {*body.get("properties", {}), *(p["name"] for p in op.get("parameters", []))}
    named = set(response.get_json()["error"]["fields"])
    if "scores" in known:
        named = {name for name in named if not name.isdigit()}
    unknown = named - known
    return f"fields named that the request does not have: {sorted(unknown)}" if unknown else None


def test_fuzz_every_operation_as_real_users(app, client, demo):
    """Each operation gets FUZZ_EXAMPLES valid and FUZZ_EXAMPLES invalid requests (schemathesis, derandomized: the
    same requests on every run), each as one of the users or with no token. Any 5xx, undeclared status, refusal
    of another shape or answer that does not match its declared schema fails, naming the request."""
    import schemathesis
    from schemathesis import GenerationMode
    from schemathesis.checks import (
        content_type_conformance,
        not_a_server_error,
        response_schema_conformance,
        status_code_conformance,
    )
    from schemathesis.transport.wsgi import WSGI_TRANSPORT

    schema = schemathesis.openapi.from_dict(_fuzzed_spec(_spec(client)))
    tokens = [*demo.values(), None]  # (the first is drawn most: hypothesis starts from the simplest)
    failures, seen, by_token = [], Counter(), Counter()
    started = time.monotonic()
    for operation in (result.ok() for result in schema.get_all_operations()):
        op = operation.definition.raw
        strategy = st.one_of(operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
                             operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))

        @settings(max_examples=2 * FUZZ_EXAMPLES, derandomize=True, database=None, deadline=None,
                  suppress_health_check=list(HealthCheck), print_blob=False)
        @given(case=strategy, token=st.sampled_from(tokens))
        def exchange(case, token):
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            request = WSGI_TRANSPORT.serialize_case(case, headers=headers)
            response = contextvars.Context().run(client.open, request.pop("path"), **request)
            seen[response.status_code] += 1
            by_token[tokens.index(token), response.status_code // 100] += 1
            # (exchange() runs within its loop iteration, so `op` is this operation's)
            if response.status_code >= 400 and (problem := _error_shape(response)
                                                or _unknown_fields(op, response)):  # noqa: B023
                raise AssertionError(f"{case.method} {case.formatted_path}: {problem}")
            case.validate_response(response, checks=[not_a_server_error, status_code_conformance,
                                                     content_type_conformance, response_schema_conformance])

        try:
            exchange()
        except (Exception, BaseExceptionGroup) as exc:  # schemathesis' FailureGroup is a BaseExceptionGroup
            failures.append(f"{operation.label}: {exc}")
    print(f"fuzzed {len(list(schema.get_all_operations()))} operations in {time.monotonic() - started:.1f}s: "
          f"{sorted(seen.items())} {sorted(by_token.items())}")
    assert not failures, "\n\n".join(failures)


def test_every_get_answers_with_its_declared_shape(client, demo):
    """Every GET with real records, as each user: the answer matches its schema exactly (response objects allow no
    undeclared field), so a field added to a *_json function without its description fails here."""
    from core.db import db

    spec = _spec(client)
    checked = set()
    for path, ops in spec["paths"].items():
        if "get" not in ops:
            continue
        op = ops["get"]
        names = re.findall(r"{(\w+)}", path)
        if names == ["member_id", "proposal_id"]:  # a panel seat and a proposal of its call
            examples = [(m.id, p.id) for m in db.session.scalars(select(PanelMember))
                        for p in db.session.scalars(select(Proposal).where(Proposal.call_id == m.panel.call_id))]
        else:
            model = PATH_RECORDS[names[0]] if names else None
            examples = [(i,) for i in db.session.scalars(select(model.id).order_by(model.id))] if names else [()]
        schema = op["responses"]["200"]["content"]["application/json"]["schema"]
        validator = Draft202012Validator({"allOf": [schema], "components": spec["components"]})
        for token in demo.values():
            for ids in examples:
                url = path
                for name, value in zip(names, ids, strict=True):
                    url = url.replace("{" + name + "}", str(value))
                response = client.get(url, headers={"Authorization": f"Bearer {token}"})
                if response.status_code == 200:
                    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
                              for e in validator.iter_errors(response.get_json())]
                    assert not errors, (url, errors[:5])
                    checked.add(path)
    unchecked = {p for p, ops in spec["paths"].items() if "get" in ops} - checked
    assert unchecked <= {f"{API}/openapi.json"}, f"no 200 seen for {unchecked}"


def test_the_reference_page_shows_every_operation_in_the_users_language(client):
    spec = _spec(client)
    page = client.get("/api", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "<h1" in page and "API reference" in page and "Download the OpenAPI description" in page
    for path, ops in spec["paths"].items():
        for op in ops.values():
            assert f'id="{op["operationId"].replace(".", "-")}"' in page and path in page
    for name in spec["components"]["schemas"]:
        assert f'id="shape-{name}"' in page
    assert "<script>" not in page and "style=" not in page  # the CSP allows neither
    chinese = client.get("/api").get_data(as_text=True)
    assert "API 参考" in chinese and "数据结构" in chinese


def test_the_account_page_links_to_the_reference(client, session, login_as):
    from tests.factories import make_user

    login_as(make_user("officer"))
    assert 'href="/api"' in client.get("/account").get_data(as_text=True)
