"""Recording an incubated group: the officer names it as they know it, by its full name (suggested as they type),
its credit code or its filing number. The form took only the organisation's internal number, which no page shows
(only the address bar), so an officer could not fill it in without hunting for it."""

from sqlalchemy import func, select

from accounts.enums import Role
from core.db import db
from orgs import standing
from orgs.models import Incubation
from tests.factories import login, make_user
from tests.orgs.helpers import approved_org


def hub_and_groups():
    officer = make_user(Role.OFFICER)
    hub = approved_org(make_user(), officer, name="幸福街道社会组织孵化中心")
    standing.designate_hub(hub, True, actor=officer)
    by_name = approved_org(make_user(), officer, name="幸福里社区舞蹈队", kind="community")
    by_code = approved_org(make_user(), officer, name="安康健康促进会")
    db.session.commit()
    return officer, hub, by_name, by_code


def links() -> set[int]:
    return set(db.session.scalars(select(Incubation.child_id)))


def test_a_group_is_named_by_its_name_or_code_and_offered_as_typed(session, client):
    officer, hub, by_name, by_code = hub_and_groups()
    login(client, officer.username)
    page = client.get(f"/orgs/{hub.id}").get_data(as_text=True)
    assert 'list="incubation-candidates"' in page and '<option value="幸福里社区舞蹈队">' in page
    assert '<option value="幸福街道社会组织孵化中心">' not in page  # not the hub itself

    response = client.post(f"/orgs/{hub.id}/incubations", data={"child_id": " 幸福里社区舞蹈队 ",
                                                                 "started_on": "2026-01-05"})
    assert response.status_code == 302
    response = client.post(f"/orgs/{hub.id}/incubations", data={"child_id": by_code.uscc.lower(),
                                                                 "started_on": "2026-01-05"})
    assert response.status_code == 302
    assert links() == {by_name.id, by_code.id}


def test_a_name_nobody_registered_is_refused_beside_the_field_as_typed(session, client):
    officer, hub, _by_name, _by_code = hub_and_groups()
    login(client, officer.username)
    response = client.post(f"/orgs/{hub.id}/incubations", data={"child_id": "幸福里舞蹈队", "started_on": "2026-01-05"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'value="幸福里舞蹈队"' in page
    assert 'id="incubation-child_id-error">没有已登记的社会组织使用此名称、统一社会信用代码或备案编号。<' in page
    response = client.post(f"/orgs/{hub.id}/incubations", data={"child_id": "", "started_on": "2026-01-05"})
    assert response.status_code == 422
    assert "请填写被孵化组织的全称、统一社会信用代码或备案编号。" in response.get_data(as_text=True)
    response = client.post(f"/orgs/{hub.id}/incubations", data={"child_id": "9" * 30, "started_on": "2026-01-05"})
    assert response.status_code == 422  # a number too long for any organisation: no error
    assert db.session.scalar(select(func.count()).select_from(Incubation)) == 0
