"""The programme form's communities are tick boxes (a multi-select wanted Ctrl-click, missed by most and hard on a
phone), as a provider's service area is; and raising a running programme's budget is 追加预算 everywhere: the button,
its help, the message after it, a refusal and the audit trail's label."""

import html
import re

from flask_babel import force_locale
from sqlalchemy import select

from core.db import db
from tests.orgs.helpers import category, community
from vouchers.labels import ACTION_LABELS
from vouchers.models import Programme

from .helpers import world


def test_communities_are_ticked_and_kept(app, client, login_as):
    with app.test_request_context():
        w = world()
        places = [community("和平社区"), community("平安社区"), community("阳光社区")]
        db.session.commit()
    login_as(w.officer)
    form = client.get("/vouchers/programmes/new").get_data(as_text=True)
    boxes = re.findall(r'<input[^>]*name="community_ids"[^>]*>', form)
    assert len(boxes) >= 3 and all('type="checkbox"' in box for box in boxes)
    assert "<select" not in form.split('name="community_ids"', 1)[0].rsplit("<fieldset", 1)[-1]
    assert 'class="mb-3 big-choices"' in form.split('name="community_ids"', 1)[0].rsplit("<fieldset", 1)[-1]
    assert "社区（不勾选则为全部社区）" in form and "Ctrl" not in form
    chosen = [places[0].id, places[2].id]
    response = client.post(
        "/vouchers/programmes/new",
        data={
            "name": "两个社区的服务券",
            "budget_fen": "10000",
            "face_value_fen": "50",
            "vouchers_per_period": "1",
            "validity_days": "30",
            "category_ids": [str(category("elderly").id)],
            "tags_mode": "any",
            "provider_mode": "open",
            "community_ids": [str(i) for i in chosen],
        },
    )
    assert response.status_code == 302, html.unescape(response.get_data(as_text=True))[-1500:]
    made = db.session.scalar(select(Programme).where(Programme.name == "两个社区的服务券"))
    assert sorted(made.community_ids) == sorted(chosen)
    edit = client.get(f"/vouchers/programmes/{made.id}/edit").get_data(as_text=True)
    ticked = {int(v) for v in re.findall(r'<input checked[^>]*name="community_ids"[^>]*value="(\d+)"', edit)}
    assert ticked == set(chosen)
    page = client.get(f"/vouchers/programmes/{made.id}").get_data(as_text=True)
    rule = html.unescape(page.split('id="rule-eligible"', 1)[1].split("</dd>", 1)[0])
    assert places[0].full_name in rule and places[2].full_name in rule and places[1].full_name not in rule


def test_raising_the_budget_is_said_as_adding_to_it(app, client, login_as):
    with app.test_request_context():
        w = world()
        db.session.commit()
    login_as(w.officer)
    page = html.unescape(client.get(f"/vouchers/programmes/{w.programme.id}").get_data(as_text=True))
    assert "<summary>追加预算</summary>" in page and re.search(r'id="raise-budget">追加预算<', page)
    assert "追加后的预算（元）" in page and "请填写追加后的预算总额，不是追加的金额。现有预算：¥100,000.00。" in page
    assert "调增" not in page
    response = client.post(
        f"/vouchers/programmes/{w.programme.id}/budget", data={"budget_fen": "150000"}, follow_redirects=True
    )
    said = html.unescape(response.get_data(as_text=True))
    assert "已追加预算，预算现为 ¥150,000.00。" in said and "调增" not in said
    refused = html.unescape(
        client.post(f"/vouchers/programmes/{w.programme.id}/budget", data={"budget_fen": "100"}).get_data(as_text=True)
    )
    assert "预算未追加。" in refused and "预算只能追加：请填写高于 ¥150,000.00 的金额。" in refused
    with app.test_request_context(), force_locale("zh_Hans_CN"):
        assert str(ACTION_LABELS["voucher_programme.budget_raised"]) == "服务券项目追加预算"
