"""Change registration (变更登记) over the JSON API: an organisation's manager requests a change of its registered
items (JSON, or multipart with the supporting document), its members and the staff read the requests, an officer
approves or rejects; refusals are JSON, change nothing and write no audit event."""

import hashlib
import io
import json

import pytest
from jsonschema import Draft202012Validator
from sqlalchemy import func, select

from accounts.enums import Role
from audit.models import AuditEvent
from core.db import db
from orgs.enums import ChangeStatus, MemberRole
from orgs.models import ChangeRequest, Membership, Organisation
from tests.factories import make_user
from tests.orgs.helpers import PDF_BYTES, approved_org, make_uscc, submitted_org
from tests.orgs.test_api import token_for

API = "/api/v1"


@pytest.fixture
def scene(session):
    manager, officer, auditor, member, stranger = (make_user(), make_user(Role.OFFICER), make_user(Role.AUDITOR),
                                                   make_user(), make_user())
    org = approved_org(manager, officer, name="幸福家园社工中心")
    db.session.add(Membership(org=org, user=member, role=MemberRole.MEMBER.value))
    db.session.flush()
    headers = {name: token_for(user) for name, user in (("manager", manager), ("officer", officer),
                                                         ("auditor", auditor), ("member", member),
                                                         ("stranger", stranger))}
    db.session.commit()
    return org, headers


def events(action: str, org: Organisation) -> list[dict]:
    rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action == action,
                                                       AuditEvent.target_id == str(org.id))
                              .order_by(AuditEvent.seq))
    return [json.loads(e.data) for e in rows]


def requests_of(org: Organisation) -> int:
    return db.session.scalar(select(func.count()).select_from(ChangeRequest).where(ChangeRequest.org_id == org.id))


def ask(client, org, headers, **body):
    return client.post(f"{API}/orgs/{org.id}/changes", json=body, headers=headers)


def decide(client, change_id, action, headers, **body):
    return client.post(f"{API}/orgs/changes/{change_id}/{action}", json=body or None, headers=headers)


def matches_its_description(client, change: dict) -> None:
    """The answer has the shape the OpenAPI description declares (no field more, none less)."""
    spec = client.get(f"{API}/openapi.json").get_json()
    schema = {"$ref": "#/components/schemas/OrganisationChange", "components": spec["components"]}
    assert [e.message for e in Draft202012Validator(schema).iter_errors(change)] == []


def refused(response, status: int, *fields: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["message"] and set(fields) <= set(error["fields"]), error
    return error


def test_a_name_change_requested_approved_and_listed(client, scene):
    org, headers = scene
    old_name, old_address = org.name, org.address
    asked = ask(client, org, headers["manager"], name="幸福家园社会工作服务中心", reason="理事会决议更名")
    assert asked.status_code == 201, asked.get_json()
    change = asked.get_json()
    # An item left out stays as registered; only the name changes.
    assert change["status"] == "pending" and change["changes"] == {"name": [old_name, "幸福家园社会工作服务中心"]}
    assert change["address"] == old_address and change["uscc"] == org.uscc and change["document"] is None
    matches_its_description(client, change)
    [requested] = events("org.change_requested", org)
    assert requested["request_id"] == change["id"] and requested["reason"] == "理事会决议更名"

    for reader in ("manager", "member", "officer", "auditor"):  # as on the organisation's page
        listed = client.get(f"{API}/orgs/{org.id}/changes", headers=headers[reader])
        assert listed.status_code == 200 and [c["id"] for c in listed.get_json()["items"]] == [change["id"]]

    approved = decide(client, change["id"], "approve", headers["officer"])
    assert approved.status_code == 200, approved.get_json()
    assert approved.get_json()["status"] == "approved" and approved.get_json()["decided_at"]
    matches_its_description(client, approved.get_json())
    assert client.get(f"{API}/orgs/{org.id}").get_json()["name"] == "幸福家园社会工作服务中心"
    [event] = events("org.change_approved", org)
    assert event["request_id"] == change["id"] and event["to"] == "approved"


def test_the_supporting_document_goes_as_multipart(client, scene):
    org, headers = scene
    data = {"data": json.dumps({"address": "东城区光明路9号", "reason": "办公地址迁移"}),
            "document": (io.BytesIO(PDF_BYTES), "新证书.pdf")}
    asked = client.post(f"{API}/orgs/{org.id}/changes", data=data, content_type="multipart/form-data",
                        headers=headers["manager"])
    assert asked.status_code == 201, asked.get_json()
    document = asked.get_json()["document"]
    assert document == {"name": "新证书.pdf", "sha256": hashlib.sha256(PDF_BYTES).hexdigest(), "size": len(PDF_BYTES)}
    assert events("org.change_requested", org)[0]["document_sha256"] == document["sha256"]
    matches_its_description(client, asked.get_json())

    not_a_document = {"data": json.dumps({"address": "东城区光明路10号", "reason": "迁移"}),
                      "document": (io.BytesIO(b"just text"), "a.txt")}
    decide(client, asked.get_json()["id"], "withdraw", headers["manager"])
    refused(client.post(f"{API}/orgs/{org.id}/changes", data=not_a_document, content_type="multipart/form-data",
                        headers=headers["manager"]), 422, "document")
    broken = {"data": "{not json", "document": (io.BytesIO(PDF_BYTES), "a.pdf")}
    error = refused(client.post(f"{API}/orgs/{org.id}/changes", data=broken, content_type="multipart/form-data",
                                headers=headers["manager"]), 422)
    assert error["code"] == "bad_json" and requests_of(org) == 1


def test_a_rejection_says_why_and_needs_a_reason(client, scene):
    org, headers = scene
    change = ask(client, org, headers["manager"], legal_representative="王芳", reason="换届").get_json()
    refused(decide(client, change["id"], "reject", headers["officer"]), 422, "reason")
    refused(decide(client, change["id"], "reject", headers["officer"], reason=42), 422, "reason")
    refused(decide(client, change["id"], "reject", headers["officer"], reason="长" * 2001), 422, "reason")
    refused(client.post(f"{API}/orgs/changes/{change['id']}/reject", data="[1]", content_type="application/json",
                        headers=headers["officer"]), 422)
    assert events("org.change_rejected", org) == []
    rejected = decide(client, change["id"], "reject", headers["officer"], reason="缺少换届会议纪要")
    assert rejected.status_code == 200 and rejected.get_json()["decision_reason"] == "缺少换届会议纪要"
    listed = client.get(f"{API}/orgs/{org.id}/changes", headers=headers["manager"]).get_json()["items"]
    assert listed[0]["status"] == "rejected" and listed[0]["decision_reason"] == "缺少换届会议纪要"
    assert db.session.get(Organisation, org.id).legal_representative != "王芳"
    assert events("org.change_rejected", org)[0]["reason"] == "缺少换届会议纪要"


def test_a_decision_twice_or_on_a_stale_request_is_409_and_changes_nothing(client, scene):
    org, headers = scene
    change = ask(client, org, headers["manager"], name="新名字社工中心", reason="更名").get_json()
    refused(ask(client, org, headers["manager"], address="别处1号", reason="又一个"), 409)  # one open at a time
    assert decide(client, change["id"], "reject", headers["officer"], reason="材料不全").status_code == 200
    for action in ("approve", "reject", "withdraw"):  # another officer, a second tab: decided already
        who = "manager" if action == "withdraw" else "officer"
        error = refused(decide(client, change["id"], action, headers[who], reason="再来"), 409)
        assert error["code"] == "conflict"
    assert db.session.get(Organisation, org.id).name == "幸福家园社工中心"
    assert len(events("org.change_rejected", org)) == 1 and events("org.change_approved", org) == []

    # Asked for a credit code that another organisation's application has taken since: the approval is a 409.
    code = make_uscc("2", 8_812)
    second = ask(client, org, headers["manager"], uscc=code, reason="证书换发").get_json()
    submitted_org(make_user(), uscc=code)
    db.session.commit()
    refused(decide(client, second["id"], "approve", headers["officer"]), 409, "uscc")
    assert db.session.get(ChangeRequest, second["id"]).status == ChangeStatus.PENDING
    assert db.session.get(Organisation, org.id).uscc != code and events("org.change_approved", org) == []


def test_no_token_401_not_theirs_403_not_visible_404(client, scene):
    org, headers = scene
    assert client.get(f"{API}/orgs/{org.id}/changes").status_code == 401
    assert ask(client, org, {}, name="无令牌社工中心", reason="x").status_code == 401
    assert client.get(f"{API}/orgs/{org.id}/changes", headers=headers["stranger"]).status_code == 403
    for who in ("stranger", "member", "officer", "auditor"):  # only its manager asks
        error = refused(ask(client, org, headers[who], name="别人改的名字", reason="x"), 403)
        assert error["code"] == "forbidden"
    change = ask(client, org, headers["manager"], name="自己改的名字", reason="更名").get_json()
    for who, action in (("manager", "approve"), ("member", "approve"), ("stranger", "reject"),
                        ("auditor", "approve"), ("officer", "withdraw"), ("member", "withdraw")):
        refused(decide(client, change["id"], action, headers[who], reason="不行"), 403)
    assert decide(client, change["id"], "approve", {}).status_code == 401
    assert db.session.get(ChangeRequest, change["id"]).status == ChangeStatus.PENDING
    hidden = submitted_org(make_user())  # an application: not public
    db.session.commit()
    assert client.get(f"{API}/orgs/{hidden.id}/changes", headers=headers["stranger"]).status_code == 404
    assert decide(client, 2_000_000_000, "approve", headers["officer"]).status_code == 404


def test_malformed_requests_are_422_naming_the_field_and_create_nothing(client, scene):
    org, headers = scene
    manager = headers["manager"]
    refused(ask(client, org, manager, name=["列表"], reason="x"), 422, "name")
    refused(ask(client, org, manager, name="新名字社工中心", reason=7), 422, "reason")
    refused(ask(client, org, manager, name="新名字社工中心"), 422, "reason")
    refused(ask(client, org, manager, name="新名字社工中心", reason="长" * 2001), 422, "reason")
    refused(ask(client, org, manager, uscc="52110101MJ00005550", reason="换证"), 422, "uscc")
    refused(ask(client, org, manager, address=None, reason="清空地址"), 422, "address")
    refused(ask(client, org, manager, name=org.name, reason="什么也没改"), 422, "name")
    error = refused(client.post(f"{API}/orgs/{org.id}/changes", data="name=x", headers=manager,
                                content_type="application/x-www-form-urlencoded"), 422)
    assert error["code"] == "bad_json"
    assert requests_of(org) == 0 and events("org.change_requested", org) == []
