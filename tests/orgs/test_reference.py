from sqlalchemy import select

from accounts.enums import Role
from accounts.models import Community
from audit.models import AuditEvent
from core.db import db
from orgs.models import ServiceCategory
from tests.factories import make_user


def test_officer_adds_and_disables_categories_and_communities(client, session, login_as):
    login_as(make_user(Role.OFFICER))
    response = client.post("/orgs/reference", data={"list": "category", "cat-code": "legal_aid",
                                                    "cat-name_zh": "法律援助", "cat-name_en": "Legal aid"})
    assert response.status_code == 302
    category = db.session.scalar(select(ServiceCategory).where(ServiceCategory.code == "legal_aid"))
    assert category.active
    duplicate = client.post("/orgs/reference", data={"list": "category", "cat-code": "legal_aid",
                                                     "cat-name_zh": "重复", "cat-name_en": "Again"})
    assert duplicate.status_code == 422
    bad = client.post("/orgs/reference", data={"list": "category", "cat-code": "法律",
                                               "cat-name_zh": "x", "cat-name_en": "x"})
    assert bad.status_code == 422
    assert client.post(f"/orgs/reference/categories/{category.id}/disable").status_code == 302
    db.session.expire_all()
    assert not category.active
    client.post("/orgs/reference", data={"list": "community", "com-district": "东城区", "com-street": "幸福街道",
                                         "com-name": "新建社区"})
    assert db.session.scalar(select(Community).where(Community.name == "新建社区"))
    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("reference.%"))))
    assert actions == {"reference.category_added", "reference.category_disabled", "reference.community_added"}


def test_only_officers_manage_the_lists(client, session, login_as):
    login_as(make_user())
    assert client.get("/orgs/reference").status_code == 403
    assert client.post("/orgs/reference", data={"list": "community", "com-district": "a", "com-street": "b",
                                                "com-name": "c"}).status_code == 403
