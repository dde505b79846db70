"""The officers' managed lists, as walked on a phone: disabling a service category asks first, naming it; its button
keeps its word on one line; the code's rule is said before it is typed, and a code that breaks it is refused beside
the field with what was typed kept."""

import re

from accounts.enums import Role
from core.db import db
from tests.factories import make_user
from tests.orgs.helpers import category


def test_disabling_a_category_asks_first_and_enabling_does_not(client, session, login_as):
    login_as(make_user(Role.OFFICER))
    elderly = category("elderly")
    body = client.get("/orgs/reference").get_data(as_text=True)
    form = re.search(rf'<form method="post" class="flex-shrink-0" action="/orgs/reference/categories/{elderly.id}'
                     r'/disable"\s*data-confirm="([^"]+)">.*?</form>', body, re.S)
    assert form.group(1) == f"确定停用服务类别“{elderly.name_zh}”吗？停用后社会组织将无法再选择该类别。"
    assert 'class="btn btn-sm btn-outline-secondary text-nowrap"' in form.group(0)
    elderly.active = False
    db.session.commit()
    body = client.get("/orgs/reference").get_data(as_text=True)
    enable = re.search(rf'action="/orgs/reference/categories/{elderly.id}/enable"[^>]*>', body).group(0)
    assert "data-confirm" not in enable  # enabling takes nothing away


def test_the_codes_rule_is_said_before_and_beside_the_field(client, session, login_as):
    login_as(make_user(Role.OFFICER))
    body = client.get("/orgs/reference").get_data(as_text=True)
    assert re.search(r'id="cat-code-help">2–40 个字符', body)
    response = client.post("/orgs/reference", data={"list": "category", "cat-code": "养老 服务",
                                                     "cat-name_zh": "助浴", "cat-name_en": "Bathing"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="cat-code-error"' in body and 'value="养老 服务"' in body and 'value="助浴"' in body
    assert category("养老 服务") is None
