"""A draft's attachment, refused (no file chosen, a file of a kind not taken): the proposal's page again (422, nothing
added) with the reason beside the file input and the attachment chosen kept. It was a flash after a redirect ('Please
choose the attachment and a file.' for every reason), the choice of attachment lost."""

import html
import io
import re

import pytest
from sqlalchemy import func, select

from accounts.enums import Role
from core.db import db
from projects.models import ProposalAttachment
from tests.factories import make_user
from tests.orgs.helpers import PDF_BYTES
from tests.projects.helpers import good_org, published_call, ready_proposal

EN = {"Accept-Language": "en"}


@pytest.fixture
def world(app, session):
    officer, manager = make_user(Role.OFFICER), make_user()
    org = good_org(manager, officer, name="附件测试社会工作服务中心")
    with app.test_request_context():
        call = published_call(officer)
    draft = ready_proposal(call, org, manager)
    db.session.commit()
    return manager, draft


def attachments() -> int:
    return db.session.scalar(select(func.count(ProposalAttachment.id)))


@pytest.mark.parametrize(("file", "reason"), [
    (None, "Please choose a file."),
    ((io.BytesIO(b"MZ\x90\x00 not a document"), "名单.exe"), None),
])
def test_a_refused_attachment_is_said_beside_the_file(client, login_as, world, file, reason):
    manager, draft = world
    login_as(manager)
    before = attachments()
    data = {"requirement": "other", **({"file": file} if file else {})}
    response = client.post(f"/proposals/{draft.id}/attachments", headers=EN, data=data,
                           content_type="multipart/form-data")
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    beside = re.search(r'id="file-error"[^>]*><div class="invalid-feedback">([^<]+)<', page)
    assert beside, page[page.find('id="attachments"'):][:3000]
    if reason:
        assert beside.group(1) == reason
    assert re.search(r'<option selected value="other">|<option value="other" selected', page)  # the choice kept
    assert attachments() == before


def test_an_attachment_sent_right_is_added(client, login_as, world):
    manager, draft = world
    login_as(manager)
    before = attachments()
    response = client.post(f"/proposals/{draft.id}/attachments", headers=EN, content_type="multipart/form-data",
                           data={"requirement": "other", "file": (io.BytesIO(PDF_BYTES), "预算说明.pdf")})
    assert response.status_code == 302
    assert attachments() == before + 1


def test_a_refused_attachment_takes_the_focus_and_the_page_otherwise_does_not(client, login_as, world):
    """The form is at the foot of a long page: refused, the file input takes the focus (autofocus), so that a phone
    opens the page again at it, not at the top where only the flash was to be seen."""
    manager, draft = world
    login_as(manager)
    focused = re.compile(r'<(?:input|select|textarea)[^>]*\bautofocus\b[^>]*>')
    assert not focused.search(client.get(f"/proposals/{draft.id}").text)
    response = client.post(f"/proposals/{draft.id}/attachments", headers=EN, content_type="multipart/form-data",
                           data={"requirement": "other", "file": (io.BytesIO(b"MZ\x90\x00 not a document"), "a.exe")})
    assert response.status_code == 422
    assert [re.search(r'\sid="([^"]+)"', tag)[1] for tag in focused.findall(response.text)] == ["file"]
