"""The administrators' user list filtered by role and status, found by mobile number, and the filters kept while
paging; a filter value not in the list is refused beside it (422), not ignored."""

import re

from accounts import services
from accounts.enums import Role
from core.db import db
from tests.factories import make_user


def listed(response) -> set[str]:
    table = response.get_data(as_text=True).split('id="users"', 1)[1].split("</table>", 1)[0]
    return set(re.findall(r'<td class="stack-title"><a href="[^"]+">([^<]+)</a>', table))


def test_by_role_no_role_and_status(client, session, login_as):
    admin = make_user(Role.ADMIN, username="flt-admin")
    make_user(Role.OFFICER, username="flt-officer")
    make_user(Role.OFFICER, Role.AUDITOR, username="flt-both")
    make_user(username="flt-none")
    gone = make_user(Role.OFFICER, username="flt-gone")
    services.set_active(gone, False, actor=admin, reason="调岗")
    db.session.commit()
    login_as(admin)
    assert listed(client.get("/admin/users?q=flt-&role=officer")) == {"flt-officer", "flt-both", "flt-gone"}
    assert listed(client.get("/admin/users?q=flt-&role=auditor")) == {"flt-both"}
    assert listed(client.get("/admin/users?q=flt-&role=none")) == {"flt-none"}
    assert listed(client.get("/admin/users?q=flt-&role=officer&status=deactivated")) == {"flt-gone"}
    assert listed(client.get("/admin/users?q=flt-&status=active")) == {"flt-admin", "flt-officer", "flt-both",
                                                                         "flt-none"}


def test_found_by_mobile_number_as_typed(client, session, login_as):
    login_as(make_user(Role.ADMIN))
    make_user(username="flt-phone", phone="13912345678")
    make_user(username="flt-other", phone="13912345679")
    assert listed(client.get("/admin/users", query_string={"q": "139 1234 5678"})) == {"flt-phone"}
    assert listed(client.get("/admin/users", query_string={"q": "１３９１２３４５６７８"})) == {"flt-phone"}


def test_paging_keeps_the_filters(client, session, login_as):
    login_as(make_user(Role.ADMIN))
    for i in range(27):
        make_user(Role.EVALUATOR, username=f"flt-ev{i:02d}")
    make_user(username="flt-ev-none")
    first = client.get("/admin/users?q=flt-ev&role=evaluator").get_data(as_text=True)
    link = re.search(r'href="(/admin/users\?[^"]*page=2[^"]*)"', first).group(1).replace("&amp;", "&")
    assert "role=evaluator" in link and "q=flt-ev" in link
    second = listed(client.get(link))
    assert second == {"flt-ev25", "flt-ev26"}  # not flt-ev-none, which has no role


def test_an_unknown_role_or_status_is_refused_beside_the_field(client, session, login_as):
    login_as(make_user(Role.ADMIN))
    for query, field, message in (("role=superuser", "role", "请从列表中选择角色。"),
                                  ("status=gone", "status", "请从列表中选择状态。")):
        response = client.get(f"/admin/users?{query}")
        body = response.get_data(as_text=True)
        assert response.status_code == 422
        assert f'id="{field}-error"' in body and message in body
        assert 'id="users"' not in body  # no unfiltered list under a filter that looks applied


def test_only_administrators(client, session, login_as):
    login_as(make_user(Role.OFFICER))
    assert client.get("/admin/users?role=officer").status_code == 403
