from accounts.enums import Role
from accounts.tokens import create_token
from core.db import db
from orgs import services
from orgs.enums import OrgStatus
from orgs.models import Organisation
from tests.factories import make_user
from tests.orgs.helpers import Upload, approved_org, category, community, make_uscc, submitted_org


def token_for(user):
    _token, plain = create_token(user, "t", actor=user)
    return {"Authorization": f"Bearer {plain}"}


def payload(**overrides):
    body = {"name": "接口创建的服务中心", "kind": "agency", "uscc": make_uscc("2", 555),
            "legal_representative": "王五", "registration_authority": "东城区民政局", "registered_on": "2021-01-01",
            "address": "东城区1号", "full_time_staff": 5, "certified_social_workers": 2, "volunteers": 9,
            "contact_name": "王五", "contact_phone": "13800005555", "category_ids": [category().id],
            "community_ids": [community().id]}
    body.update(overrides)
    return body


def test_list_and_get_only_public_organisations(client, session):
    officer = make_user(Role.OFFICER)
    public = approved_org(make_user(), officer, name="公开的服务中心")
    hidden = submitted_org(make_user(), name="未公开的服务中心")
    db.session.commit()
    listed = client.get("/api/v1/orgs?q=服务中心&per_page=50").get_json()
    names = [o["name"] for o in listed["items"]]
    assert "公开的服务中心" in names and "未公开的服务中心" not in names
    assert client.get(f"/api/v1/orgs/{public.id}").get_json()["uscc"] == public.uscc
    assert "contact" not in client.get(f"/api/v1/orgs/{public.id}").get_json()
    assert client.get(f"/api/v1/orgs/{hidden.id}").status_code == 404
    bad = client.get("/api/v1/orgs?grade=x")
    assert bad.status_code == 422 and "grade" in bad.get_json()["error"]["fields"]


def test_create_application_by_api(client, session):
    user = make_user()
    headers = token_for(user)
    db.session.commit()
    created = client.post("/api/v1/orgs", json=payload(), headers=headers)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["status"] == "draft" and body["contact"]["phone"] == "13800005555"
    # The applicant (the token's user) sees the draft; the public does not.
    assert client.get(f"/api/v1/orgs/{body['id']}", headers=headers).status_code == 200
    assert client.get(f"/api/v1/orgs/{body['id']}").status_code == 404


def test_create_with_bad_input_answers_422_with_fields(client, session):
    headers = token_for(make_user())
    db.session.commit()
    bad_code = client.post("/api/v1/orgs", json=payload(uscc="52110101MJ00005550"), headers=headers)
    assert bad_code.status_code == 422 and "uscc" in bad_code.get_json()["error"]["fields"]
    wrong_types = client.post("/api/v1/orgs", json=payload(full_time_staff="five", registered_on="yesterday"),
                              headers=headers)
    assert wrong_types.status_code == 422
    assert client.post("/api/v1/orgs", data="not json", headers=headers).status_code == 422
    assert client.post("/api/v1/orgs", json=payload()).status_code == 401
    first = client.post("/api/v1/orgs", json=payload(), headers=headers)
    assert first.status_code == 201
    # A draft does not hold its code; a submitted application does.
    org = db.session.get(Organisation, first.get_json()["id"])
    for kind in ("certificate", "charter", "annual_report"):
        services.add_document(org, kind, Upload(), actor=org.memberships[0].user)
    services.transition_org(org, OrgStatus.SUBMITTED, actor=org.memberships[0].user)
    db.session.commit()
    twice = client.post("/api/v1/orgs", json=payload(name="另一个名字服务中心"), headers=headers)
    assert twice.status_code == 422 and "uscc" in twice.get_json()["error"]["fields"]
