"""A sign-up or password change refused answers 422 (DESIGN rule 7: bad input is refused, the form shown again with
what was typed), as the platform's other forms do; both answered 200, as if the page had simply been opened."""

from sqlalchemy import func, select

from accounts.models import User
from core.db import db
from tests.factories import login, make_user

from .test_signup_purpose import sign_up


def users() -> int:
    return db.session.scalar(select(func.count(User.id)))


def test_a_bad_or_taken_mobile_number_at_sign_up_is_422_with_the_name_and_number_kept(client, session):
    make_user(username="owner-two", phone="13955550000")
    before = users()
    for phone, said in (("1234", "大陆手机号为 11 位数字"), ("13955550000", "该手机号已被注册")):
        response = sign_up(client, "", phone=phone, purpose="resident")
        assert response.status_code == 422, phone
        assert said in response.text
        assert 'value="赵桂兰"' in response.text and f'value="{phone}"' in response.text
        assert 'id="purpose-resident" value="resident" checked' in response.text
    assert users() == before


def test_a_refused_password_change_is_422_and_changes_nothing(client, session):
    user = make_user(username="forgetful")
    login(client, "forgetful")
    old_hash = user.password_hash
    for current, new, again in (("wrong-one-123", "brand-new-pass-9", "brand-new-pass-9"),  # not the password
                                ("correct-horse-1", "brand-new-pass-9", "other-pass-99"),  # typed twice differently
                                ("correct-horse-1", "short", "short")):  # too short
        data = {"current_password": current, "new_password": new, "confirm": again}
        assert client.post("/account/password", data=data).status_code == 422, data
    db.session.refresh(user)
    assert user.password_hash == old_hash
    assert client.get("/account/password").status_code == 200


def test_a_taken_number_says_to_log_in_with_it_and_what_to_do_about_a_forgotten_password(client, session):
    """"该手机号已被注册" alone left the person — most often its owner, who forgot they had signed up — at the form."""
    make_user(username="owner-three", phone="13955551111")
    page = sign_up(client, "", phone="13955551111", purpose="resident").text
    said = page.split('id="phone-taken">')[1].split("</div>")[0]
    link = '<a href="/login" class="alert-link">用手机号登录</a>'
    assert f"这是您的手机号吗？那您已经有账户了：{link}。" in said  # the full stop a Chinese one, after the link
    assert "忘记密码？" in said and "请携带身份证到所在社区办公室" in said
    assert 'id="phone-taken"' not in sign_up(client, "", phone="1234", purpose="resident").text  # not a taken one
