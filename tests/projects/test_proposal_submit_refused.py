"""A draft submitted before it is complete: the proposal's page again (422, still a draft) with what is missing listed
under the submit button. It was a flash after a redirect (a 200)."""

import html

from sqlalchemy import select

from accounts.enums import Role
from core.db import db
from projects import proposals
from projects.enums import ProposalStatus
from projects.models import Proposal
from tests.factories import make_user
from tests.projects.helpers import good_org, published_call

ZH = {"Accept-Language": "zh-CN"}


def test_an_incomplete_draft_is_refused_with_what_is_missing(app, client, login_as, session):
    officer, manager = make_user(Role.OFFICER), make_user()
    org = good_org(manager, officer, name="提交测试服务中心")
    with app.test_request_context():
        call = published_call(officer)
        draft = proposals.start_proposal(call, org, actor=manager)
    db.session.commit()
    login_as(manager)
    response = client.post(f"/proposals/{draft.id}/status", headers=ZH, data={"to": "submitted"})
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert 'id="problems"' in page and "请上传必需的附件：申报书盖章扫描件" in page
    assert 'class="alert alert-danger' in page  # the refusal said at the top too
    db.session.expire_all()
    assert db.session.scalar(select(Proposal.status).where(Proposal.id == draft.id)) == ProposalStatus.DRAFT
