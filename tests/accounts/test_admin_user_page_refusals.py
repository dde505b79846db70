"""The administrator's user page, as walked on a phone: a refused new password or (de)activation shows the page again
(422) with the reason beside its field and nothing changed, a reason kept as typed; setting a password asks first
and says its rule before it is typed; the users list is one card per user on a phone (.table-stack)."""

import re

from sqlalchemy import func, select

from accounts.enums import Role
from accounts.models import User
from accounts.tokens import create_token
from audit.models import AuditEvent
from core.db import db
from tests.factories import make_user


def events() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


def field_error(body: str, field: str) -> str:
    found = re.search(rf'id="{field}-error" class="field-errors">(.*?)</div></div>', body, re.S)
    return re.sub(r"<[^>]+>", "", found.group(1)) if found else ""


def test_a_short_new_password_is_refused_beside_the_field(client, session, login_as):
    admin, user = make_user(Role.ADMIN), make_user(Role.OFFICER)
    db.session.commit()
    login_as(admin)
    stored, before = user.password_hash, events()
    response = client.post(f"/admin/users/{user.id}/password", data={"password": "short"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "8" in field_error(body, "password")  # beside the field, in the reset card, not a flash at the top
    assert 'alert-danger' not in body
    assert 'value="short"' not in body  # a password is never written back into the page
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash == stored and events() == before


def test_a_good_new_password_is_set_and_the_form_asks_first(client, session, login_as):
    admin, user = make_user(Role.ADMIN), make_user(Role.OFFICER)
    db.session.commit()
    login_as(admin)
    page = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    form = page.split('id="password-form"', 1)[1].split("</form>", 1)[0]
    assert 'data-confirm="确定设置这个新密码吗？' in form
    assert 'id="password-help">至少 8 个字符。' in form
    stored = user.password_hash
    response = client.post(f"/admin/users/{user.id}/password", data={"password": "a-good-password-1"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash != stored


def test_deactivating_a_user_someone_else_just_deactivated_says_so_on_the_page(client, session, login_as):
    admin, user = make_user(Role.ADMIN), make_user(Role.OFFICER)
    db.session.commit()
    login_as(admin)
    assert client.post(f"/admin/users/{user.id}/deactivate", data={"reason": "离职"}).status_code == 302
    before = events()
    response = client.post(f"/admin/users/{user.id}/deactivate", data={"reason": "离职"})  # a second tab
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "该用户已处于停用状态。" in body
    assert 'id="reactivate-form"' in body and events() == before
    assert "离职</textarea>" not in body  # the deactivation's reason is not offered as the reactivation's


def test_ones_own_page_says_one_cannot_deactivate_oneself(client, session, login_as):
    admin = make_user(Role.ADMIN)
    db.session.commit()
    login_as(admin)
    body = client.get(f"/admin/users/{admin.id}").get_data(as_text=True)
    assert 'id="own-account">不能停用您自己的账户。' in body
    assert 'id="deactivate-form"' not in body  # was a button leading to a 403 page
    other = make_user(Role.OFFICER)
    db.session.commit()
    assert 'id="deactivate-form"' in client.get(f"/admin/users/{other.id}").get_data(as_text=True)


def test_the_new_user_page_says_the_password_rule(client, session, login_as):
    login_as(make_user(Role.ADMIN))
    body = client.get("/admin/users/new").get_data(as_text=True)
    assert 'id="password-help">至少 8 个字符。' in body
    response = client.post("/admin/users/new", data={"username": "kept-name", "display_name": "李四",
                                                     "password": "short"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_error(body, "password") and 'value="kept-name"' in body and 'value="李四"' in body


def test_the_users_list_is_one_card_per_user_on_a_phone(client, session, login_as):
    login_as(make_user(Role.ADMIN))
    make_user(display_name="没有角色的人")
    body = client.get("/admin/users?q=没有角色").get_data(as_text=True)
    table = body.split('id="users"', 1)[1].split("</table>", 1)[0]
    assert 'table-stack' in body.split('id="users"', 1)[0].rsplit("<table", 1)[1]
    assert re.search(r'<td class="stack-title"><a href="/admin/users/\d+">', table)
    assert 'data-label="状态"' in table and 'data-label="姓名"' in table
    assert '<span class="text-muted">无</span>' in table  # no roles: said, not an empty line


def test_a_users_page_links_to_their_history_and_shows_tokens_as_cards(client, session, login_as):
    admin, user = make_user(Role.ADMIN), make_user(Role.OFFICER)
    with client.application.test_request_context():
        create_token(user, "对账脚本", actor=user)
    db.session.commit()
    login_as(admin)
    body = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)" id="user-history">', body).group(1).replace("&amp;", "&")
    assert link == f"/audit/?target_type=users&target_id={user.id}"
    history = client.get(link).get_data(as_text=True)
    assert "user.created" in history  # the account's own events, found by the link
    tokens = body.split('id="user-tokens"', 1)[0].rsplit("<table", 1)[1] + body.split('id="user-tokens"', 1)[1]
    assert "table-stack" in tokens.split(">", 1)[0]
    assert '<td class="stack-title">对账脚本</td>' in tokens and 'data-label="最近使用"' in tokens


def test_a_refused_form_comes_back_scrolled_to_itself_and_a_done_one_to_the_message(client, session, login_as):
    admin, user = make_user(Role.ADMIN), make_user(Role.OFFICER)
    db.session.commit()
    login_as(admin)
    body = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert f'action="/admin/users/{user.id}/password#password-form" id="password-form"' in body
    assert f'action="/admin/users/{user.id}/deactivate#deactivate-form" id="deactivate-form"' in body
    done = client.post(f"/admin/users/{user.id}/password", data={"password": "a-good-password-1"})
    assert done.headers["Location"] == f"/admin/users/{user.id}#main"  # a redirect keeps the form's anchor unless
    done = client.post(f"/admin/users/{user.id}/deactivate", data={"reason": "离职"})  # given its own
    assert done.headers["Location"] == f"/admin/users/{user.id}#main"
    body = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert f'action="/admin/users/{user.id}/reactivate#reactivate-form" id="reactivate-form"' in body


def test_what_to_correct_is_listed_at_the_top_linked_to_each_field(client, session, login_as):
    login_as(make_user(Role.ADMIN))
    make_user(username="taken-name")
    db.session.commit()
    body = client.post("/admin/users/new", data={"username": "ok-name", "display_name": "李四", "email": "bad@",
                                                  "password": "short"}).get_data(as_text=True)
    summary = body.split('id="form-errors"', 1)[1].split("</div>", 1)[0]
    assert re.search(r'<a class="alert-link" href="#email">电子邮箱</a>：', summary)
    assert re.search(r'<a class="alert-link" href="#password">初始密码</a>：', summary)
    assert body.index('id="form-errors"') < body.index('<form method="post" novalidate>')
    body = client.post("/admin/users/new", data={"username": "taken-name", "display_name": "李四",
                                                  "password": "long-enough-1"}).get_data(as_text=True)
    summary = body.split('id="form-errors"', 1)[1].split("</div>", 1)[0]
    # the service's refusal too, listed as the form's own
    assert '<a class="alert-link" href="#username">用户名</a>：该用户名已被使用。' in summary
    assert summary.count("请按提示修改标出的内容") == 0
