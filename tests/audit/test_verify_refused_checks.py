"""A check refused on the public verification page (nothing sent, not a PDF, not a SHA-256) answers 422, as every
refused form does, with the reason beside its field and what was typed kept; it answered 200. An answer, a match or
not, is still a 200."""

import io

import pytest

from tests.audit.test_public_verify_page import issued_by
from tests.factories import make_user

TOO_LONG = "a" * 401  # the field takes 400 (a digest in byte pairs, or with its file name)


@pytest.mark.parametrize(("data", "field"), [
    ({}, "sha256"),  # neither a file nor a hash
    ({"sha256": "not-a-digest"}, "sha256"),
    ({"sha256": TOO_LONG}, "sha256"),
    ({"file": (io.BytesIO(b"hello, not a pdf"), "note.txt")}, "file"),
])
def test_a_refused_check_is_a_422_with_the_reason_beside_the_field(client, session, data, field):
    response = client.post("/verify", data=data, content_type="multipart/form-data")
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}-error"' in body and 'aria-invalid="true"' in body and 'id="check-result"' not in body


def test_what_was_pasted_is_kept_and_the_reason_is_in_english_for_an_english_reader(client, session):
    response = client.post("/verify", data={"sha256": "not-a-digest"}, headers={"Accept-Language": "en"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and 'value="not-a-digest"' in body
    assert "Upload the PDF or paste its SHA-256 (64 hexadecimal characters)." in body


def test_on_a_documents_page_a_refused_check_still_shows_the_document(app, client, session):
    document = issued_by(app, make_user())
    response = client.post(f"/verify/{document.code}", data={})
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="sha256-error"' in body and document.code in body


def test_answers_are_still_200(app, client, session):
    document = issued_by(app, make_user())
    assert client.get("/verify").status_code == 200
    assert client.get(f"/verify/{document.code}").status_code == 200
    no_match = client.post("/verify", data={"sha256": "0" * 64})
    assert no_match.status_code == 200 and 'data-matched="no"' in no_match.get_data(as_text=True)
    match = client.post(f"/verify/{document.code}", data={"sha256": document.sha256})
    assert match.status_code == 200 and 'data-matched="yes"' in match.get_data(as_text=True)
    assert client.get("/verify", query_string={"code": "bad"}).status_code == 422  # a look-up refused, as before
