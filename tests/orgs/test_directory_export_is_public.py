"""The directory's Excel export holds the public register only: what each organisation's public page shows, of
organisations the public may see. That is why its download is not recorded in the audit trail, as the voucher
exports (residents' data) are; a column of contact details or a hidden application would change that."""

import io

from openpyxl import load_workbook

from accounts.enums import Role
from audit import verification
from core.db import db
from tests.factories import make_user
from tests.orgs.helpers import approved_org, submitted_org

PUBLIC_COLUMNS = ["编号", "组织名称", "类型", "状态", "统一社会信用代码/备案编号", "法定代表人", "登记日期", "评估等级",
                  "服务类别", "服务社区", "专职工作人员人数", "持证社会工作者人数", "志愿者人数", "地址"]


def test_the_export_holds_only_what_the_public_pages_show_and_is_not_audited(client, session, login_as):
    officer = make_user(Role.OFFICER)
    shown = approved_org(make_user(), officer, name="公开登记服务中心", legal_representative="周建华",
                         contact_name="吴联系", contact_phone="13912345678", contact_email="wu@example.cn")
    hidden = submitted_org(make_user(), name="尚未登记的服务中心", contact_name="郑申请", contact_phone="13787654321")
    db.session.commit()
    public_page = client.get(f"/orgs/{shown.id}").get_data(as_text=True)  # as anyone sees it, logged out
    login_as(officer)
    before = verification.head().seq
    response = client.get("/orgs/export.xlsx?q=服务中心", headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 200
    assert verification.head().seq == before  # public data: the download is not an event
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    assert list(rows[0]) == PUBLIC_COLUMNS
    cells = {str(value) for row in rows[1:] for value in row if value is not None}
    assert {shown.name, shown.code, "周建华", shown.address} <= cells
    assert all(value in public_page for value in (shown.name, shown.code, "周建华", shown.address))
    for private in ("吴联系", "13912345678", "wu@example.cn", hidden.name, "郑申请", "13787654321"):
        assert not any(private in cell for cell in cells), private
