"""A file chosen on a refused form is kept as a pending upload of the user's, for a day, named by a signed
reference: only its owner may use it, on the form it was chosen on, once, before it expires; a reference that was
tampered with, another user's, expired or used is refused with a reason beside the field and changes nothing.
Expired ones are purged with their files."""

import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from core.db import db, utcnow
from core.errors import ServiceError
from core.uploads import (
    KEEP_FOR,
    PNG,
    KeptFile,
    KeptUpload,
    PendingUpload,
    StoredFile,
    discard_kept,
    keep_upload,
    purge_expired_uploads,
    resolve_reference,
    sign_reference,
    store_upload,
)
from tests.factories import make_user
from tests.orgs.helpers import PDF_BYTES

PURPOSE = "contracts.expense:receipt"


def pdf(name="发票.pdf", data=PDF_BYTES):
    return FileStorage(io.BytesIO(data), filename=name)


@pytest.fixture
def kept(app, session):
    """(owner, the pending upload, its reference), inside a request."""
    owner = make_user()
    with app.test_request_context(headers={"Accept-Language": "en"}):
        pending = keep_upload(pdf(), owner=owner, purpose=PURPOSE, field="receipt")
        yield owner, pending, sign_reference(pending)


def refusal(call) -> str:
    with pytest.raises(ServiceError) as caught:
        call()
    assert list(caught.value.fields) == ["receipt"]
    return str(caught.value.fields["receipt"])


def test_a_kept_file_is_validated_stored_and_expires_in_a_day(kept):
    owner, pending, reference = kept
    assert pending.owner_id == owner.id and pending.used_at is None
    assert pending.file.content == PDF_BYTES and pending.file.original_name == "发票.pdf"
    assert timedelta(hours=23) < pending.expires_at - utcnow() <= KEEP_FOR
    assert reference != pending.key and "." in reference  # signed, not the bare key


def test_a_file_that_store_upload_refuses_is_not_kept(app, session):
    owner = make_user()
    with app.test_request_context(headers={"Accept-Language": "en"}), pytest.raises(ServiceError) as caught:
        keep_upload(pdf("a.pdf", b"MZ\x90\x00 not a document"), owner=owner, purpose=PURPOSE, field="receipt")
    assert "receipt" in caught.value.fields
    assert db.session.scalar(select(func.count(PendingUpload.id))) == 0


def test_the_owner_uses_it_once_and_gets_the_same_stored_file(kept):
    owner, pending, reference = kept
    found = resolve_reference(reference, owner=owner, purpose=PURPOSE, field="receipt")
    stored = store_upload(KeptUpload(found), actor=owner, field="receipt")
    assert stored.id == pending.file_id and stored.content == PDF_BYTES
    assert db.session.scalar(select(func.count(StoredFile.id))) == 1  # not stored a second time
    db.session.refresh(pending)
    assert pending.used_at is not None
    assert "already been used" in refusal(lambda: resolve_reference(reference, owner=owner, purpose=PURPOSE,
                                                                    field="receipt"))
    # Two attempts that both resolved it before either used it: the second is refused.
    assert "already been used" in refusal(lambda: store_upload(KeptUpload(found), actor=owner, field="receipt"))


def test_another_users_reference_is_refused(kept):
    _owner, pending, reference = kept
    stranger = make_user()
    assert "another user" in refusal(lambda: resolve_reference(reference, owner=stranger, purpose=PURPOSE,
                                                               field="receipt"))
    assert "another user" in refusal(lambda: store_upload(KeptUpload(pending), actor=stranger, field="receipt"))
    db.session.refresh(pending)
    assert pending.used_at is None


@pytest.mark.parametrize("tamper", [
    lambda r: r[:-2] + ("AA" if not r.endswith("AA") else "BB"),  # the signature
    lambda r: "x" + r,  # the payload
    lambda r: "",
    lambda r: "not-a-reference",
])
def test_a_tampered_reference_is_refused(kept, tamper):
    owner, pending, reference = kept
    assert "could not be found" in refusal(lambda: resolve_reference(tamper(reference), owner=owner,
                                                                     purpose=PURPOSE, field="receipt"))


def test_a_reference_signed_with_another_key_is_refused(app, kept):
    owner, pending, _reference = kept
    from itsdangerous import URLSafeSerializer
    forged = URLSafeSerializer("someone-elses-secret", salt="gongzhi.pending-upload").dumps(pending.key)
    assert "could not be found" in refusal(lambda: resolve_reference(forged, owner=owner, purpose=PURPOSE,
                                                                     field="receipt"))


def test_a_reference_from_another_form_is_refused(kept):
    owner, _pending, reference = kept
    assert "could not be found" in refusal(lambda: resolve_reference(reference, owner=owner,
                                                                     purpose="calls.object_to:file", field="receipt"))


def test_an_expired_reference_is_refused_and_cannot_be_used(kept):
    owner, pending, reference = kept
    later = pending.expires_at + timedelta(seconds=1)
    assert "expired" in refusal(lambda: resolve_reference(reference, owner=owner, purpose=PURPOSE,
                                                          field="receipt", now=later))
    found = resolve_reference(reference, owner=owner, purpose=PURPOSE, field="receipt")
    from core.uploads import use_kept
    refusal(lambda: use_kept(KeptUpload(found), actor=owner, allowed=frozenset({pending.file.content_type}),
                             field="receipt", now=later))
    db.session.refresh(pending)
    assert pending.used_at is None


def test_a_kept_document_is_refused_where_only_photos_are_accepted(kept):
    owner, pending, reference = kept
    found = resolve_reference(reference, owner=owner, purpose=PURPOSE, field="receipt")
    assert "not accepted" in refusal(lambda: store_upload(KeptUpload(found), allowed=frozenset({PNG}), actor=owner,
                                                          field="receipt"))


def test_purging_removes_expired_ones_with_their_files_but_not_a_used_ones_file(app, kept):
    owner, pending, reference = kept
    used = keep_upload(pdf("二.pdf"), owner=owner, purpose=PURPOSE, field="receipt")
    store_upload(KeptUpload(used), actor=owner, field="receipt")
    fresh = keep_upload(pdf("三.pdf"), owner=owner, purpose=PURPOSE, field="receipt")
    later = pending.expires_at + timedelta(seconds=1)
    fresh.expires_at = later + KEEP_FOR
    db.session.flush()
    assert purge_expired_uploads(now=later) == 2
    assert db.session.scalars(select(PendingUpload.id)).all() == [fresh.id]
    files = set(db.session.scalars(select(StoredFile.id)))
    assert files == {used.file_id, fresh.file_id}  # the unused expired one's file went; the used one's stayed
    assert "could not be found" in refusal(lambda: resolve_reference(reference, owner=owner, purpose=PURPOSE,
                                                                     field="receipt"))


def test_the_owner_discards_a_kept_file_with_its_file_and_it_cannot_be_used(kept):
    owner, pending, reference = kept
    file_id = pending.file_id
    assert discard_kept([reference], owner=owner, purpose=PURPOSE) == 1
    assert db.session.scalar(select(func.count(PendingUpload.id))) == 0
    assert db.session.scalar(select(func.count(StoredFile.id)).where(StoredFile.id == file_id)) == 0
    assert "could not be found" in refusal(lambda: resolve_reference(reference, owner=owner, purpose=PURPOSE,
                                                                     field="receipt"))
    assert discard_kept([reference], owner=owner, purpose=PURPOSE) == 0  # twice: nothing more


def test_discarding_passes_over_what_is_not_the_owners_unused_kept_file_for_this_form(kept):
    owner, pending, reference = kept
    used = keep_upload(pdf("二.pdf"), owner=owner, purpose=PURPOSE, field="receipt")
    store_upload(KeptUpload(used), actor=owner, field="receipt")  # its file now belongs to what used it
    stranger = make_user()
    assert discard_kept([reference], owner=stranger, purpose=PURPOSE) == 0
    assert discard_kept([reference], owner=owner, purpose="calls.object_to:file") == 0
    assert discard_kept([reference[:-2] + "zz", "", "not-a-reference"], owner=owner, purpose=PURPOSE) == 0
    assert discard_kept([sign_reference(used)], owner=owner, purpose=PURPOSE) == 0
    assert set(db.session.scalars(select(PendingUpload.id))) == {pending.id, used.id}
    assert set(db.session.scalars(select(StoredFile.id))) == {pending.file_id, used.file_id}
    db.session.refresh(pending)
    assert pending.used_at is None and resolve_reference(reference, owner=owner, purpose=PURPOSE) == pending


def test_sizes_read_as_a_person_would_say_them():
    assert KeptFile("r", "a.pdf", 120 * 1024).size_text == "120 KB"
    assert KeptFile("r", "a.pdf", 10).size_text == "1 KB"
    assert KeptFile("r", "a.pdf", 3 * 1024 * 1024 + 200_000).size_text == "3.2 MB"


def test_the_purge_command_removes_the_expired_ones(app, kept):
    owner, pending, _reference = kept
    fresh = keep_upload(pdf("二.pdf"), owner=owner, purpose=PURPOSE, field="receipt")
    pending.expires_at = utcnow()
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["uploads", "purge"])
    assert result.exit_code == 0 and "1 expired pending uploads removed." in result.output
    assert db.session.scalars(select(PendingUpload.id)).all() == [fresh.id]
