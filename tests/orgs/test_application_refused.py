"""An organisation's application refused, made or edited: the form again with each reason beside its field and a 422
(it answered 200), nothing saved."""

import html
import io
import re

from sqlalchemy import select

from core.db import db
from orgs import services
from orgs.models import Organisation
from tests.factories import make_user
from tests.orgs.helpers import PDF_BYTES, make_uscc, org_data
from tests.orgs.test_views import form_for

EN = {"Accept-Language": "en"}


def test_a_refused_application_is_a_422(client, session, login_as):
    login_as(make_user())
    data = org_data(uscc=make_uscc("1", 902))  # an association's code for an agency
    response = client.post("/orgs/apply", data=form_for(data))
    assert response.status_code == 422
    assert "属于其他类型的组织" in response.get_data(as_text=True)
    assert db.session.scalar(select(Organisation).where(Organisation.name == data.name)) is None


def test_a_refused_edit_is_a_422_and_changes_nothing(client, session, login_as):
    applicant = make_user()
    org = services.create_application(org_data(), actor=applicant)
    db.session.commit()
    login_as(applicant)
    data = org_data(name=org.name, uscc=org.uscc)
    response = client.post(f"/orgs/{org.id}/edit", headers=EN,
                           data={**form_for(data), "address": "幸福街道新址 8 号", "contact_phone": "138 0013 800"})
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert 'id="contact_phone-error"' in page and 'value="幸福街道新址 8 号"' in page
    db.session.expire_all()
    assert db.session.get(Organisation, org.id).address != "幸福街道新址 8 号"
    response = client.post(f"/orgs/{org.id}/edit", headers=EN, data={**form_for(data), "address": "幸福街道新址 8 号"})
    assert response.status_code == 302


def test_a_refused_document_is_said_beside_its_field_with_the_kind_kept(client, session, login_as):
    """It was one flash after a redirect ('Please choose the kind of document and a file.') for every reason."""
    applicant = make_user()
    org = services.create_application(org_data(), actor=applicant)
    db.session.commit()
    login_as(applicant)
    for file, reason in ((None, "Please choose a file."), ((io.BytesIO(b"MZ\x90\x00 not a document"), "章程.pdf"), "")):
        response = client.post(f"/orgs/{org.id}/documents", headers=EN, content_type="multipart/form-data",
                               data={"kind": "charter", **({"file": file} if file else {})})
        assert response.status_code == 422
        page = html.unescape(response.get_data(as_text=True))
        beside = re.search(r'id="file-error"[^>]*><div class="invalid-feedback">([^<]+)<', page)
        assert beside and reason in beside.group(1)
        assert re.search(r'<option selected value="charter">|<option value="charter" selected', page)
    db.session.expire_all()
    assert db.session.get(Organisation, org.id).documents == []
    response = client.post(f"/orgs/{org.id}/documents", headers=EN, content_type="multipart/form-data",
                           data={"kind": "charter", "file": (io.BytesIO(PDF_BYTES), "章程.pdf")})
    assert response.status_code == 302


def test_an_application_submitted_without_its_documents_is_a_422_saying_what_is_missing(client, session, login_as):
    """It was a flash after a redirect."""
    applicant = make_user()
    org = services.create_application(org_data(), actor=applicant)
    db.session.commit()
    login_as(applicant)
    response = client.post(f"/orgs/{org.id}/status", headers=EN, data={"to": "submitted"})
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert re.search(r'id="missing-count">3 missing<', page) and 'id="submit-application"' in page
    db.session.expire_all()
    assert db.session.get(Organisation, org.id).status == "draft"


def test_the_upload_offers_the_first_document_still_missing(client, session, login_as):
    """It offered the registration certificate again after it was uploaded: a charter chosen on a phone without
    changing the kind replaced the certificate instead."""
    applicant = make_user()
    org = services.create_application(org_data(), actor=applicant)
    db.session.commit()
    login_as(applicant)
    chosen = re.compile(r'<option selected value="(\w+)"|<option value="(\w+)" selected')

    def offered():
        found = chosen.search(client.get(f"/orgs/{org.id}").get_data(as_text=True))
        return found and (found.group(1) or found.group(2))

    assert offered() == "certificate"
    for kind, then in (("certificate", "charter"), ("charter", "annual_report"), ("annual_report", None)):
        assert client.post(f"/orgs/{org.id}/documents", content_type="multipart/form-data",
                           data={"kind": kind, "file": (io.BytesIO(PDF_BYTES), f"{kind}.pdf")}).status_code == 302
        assert offered() == then
