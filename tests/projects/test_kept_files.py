"""A form refused for another field keeps the file that was chosen: the page says so beside the file input and
carries a signed reference to it, and the next attempt, the file not chosen again, stores it (the same bytes).
A reference that is another user's, tampered with or already used is refused beside the field and records
nothing. Nothing about the file or the form reaches the logs."""

import hashlib
import html
import io
import logging
import re

import pytest
from sqlalchemy import func, select

from core.db import db
from core.timeutil import local_today
from core.uploads import PendingUpload, StoredFile
from projects.contract_models import Expense
from tests.factories import logout
from tests.projects.contract_helpers import active_contract
from tests.projects.test_expense_form import EN, post

RECEIPT = b"%PDF-1.4\n%receipt of the Heping supermarket\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + b"x" * 120_000
KEPT = re.compile(r'<input type="hidden" name="receipt_kept" value="([^"]+)">')


@pytest.fixture
def world(app, session):
    _officer, manager, contract = active_contract(app)
    db.session.commit()
    return manager, contract


def expenses() -> int:
    return db.session.scalar(select(func.count(Expense.id)))


def with_receipt(client, contract, data=RECEIPT, name="receipt.pdf", **fields):
    return post(client, contract, receipt=(io.BytesIO(data), name), **fields)


def refused_once(client, contract) -> str:
    """The expense refused for its amount, a receipt chosen: the page again, the receipt kept; its reference."""
    response = with_receipt(client, contract, amount="一百")
    assert response.status_code == 422
    page = html.unescape(response.text)
    assert 'id="expense-amount-error"' in page
    assert 'id="expense-receipt-kept">receipt.pdf (118 KB) is kept — choose another file to replace it.<' in page
    assert 'aria-describedby="expense-receipt-kept"' in page
    assert expenses() == 0
    return KEPT.search(response.text)[1]


def test_refused_for_its_amount_the_expense_keeps_its_receipt(client, login_as, world):
    manager, contract = world
    login_as(manager)
    reference = refused_once(client, contract)
    response = post(client, contract, receipt_kept=reference)  # the amount corrected, no file chosen again
    assert response.status_code == 302
    expense = db.session.scalar(select(Expense))
    assert expense.receipt_id is not None
    receipt = db.session.get(StoredFile, expense.receipt_id)
    assert receipt.content == RECEIPT and receipt.original_name == "receipt.pdf"
    assert db.session.scalar(select(PendingUpload.used_at)) is not None
    # Used once: sent again (a second tab, the back button), it is refused and nothing more is recorded.
    again = post(client, contract, receipt_kept=reference)
    assert again.status_code == 422
    assert "This kept file has already been used. Please choose the file again." in html.unescape(again.text)
    assert 'id="expense-receipt-error"' in again.text
    assert expenses() == 1


def test_refused_twice_the_receipt_is_still_kept(client, login_as, world):
    manager, contract = world
    login_as(manager)
    reference = refused_once(client, contract)
    response = post(client, contract, payee="", receipt_kept=reference)
    assert response.status_code == 422
    assert KEPT.search(response.text)[1] == reference
    assert "receipt.pdf (118 KB) is kept" in html.unescape(response.text)
    assert post(client, contract, receipt_kept=reference).status_code == 302
    assert db.session.get(StoredFile, db.session.scalar(select(Expense.receipt_id))).content == RECEIPT


def test_a_file_chosen_again_replaces_the_kept_one(client, login_as, world):
    manager, contract = world
    login_as(manager)
    reference = refused_once(client, contract)
    other = RECEIPT.replace(b"Heping", b"Renmin")
    assert with_receipt(client, contract, data=other, name="new.pdf", receipt_kept=reference).status_code == 302
    assert db.session.get(StoredFile, db.session.scalar(select(Expense.receipt_id))).content == other


def test_a_receipt_that_cannot_be_kept_says_why_beside_it(client, login_as, world):
    manager, contract = world
    login_as(manager)
    response = with_receipt(client, contract, data=b"MZ\x90\x00 a program", name="receipt.exe", amount="一百")
    assert response.status_code == 422
    page = html.unescape(response.text)
    assert 'id="expense-amount-error"' in page
    assert re.search(r'id="expense-receipt-error">This type of file is not accepted', page)
    assert "receipt_kept" not in page
    assert db.session.scalar(select(func.count(PendingUpload.id))) == 0


def test_another_users_reference_is_refused(app, client, login_as, world):
    manager, contract = world
    login_as(manager)
    reference = refused_once(client, contract)
    logout(client)
    _officer, other_manager, other_contract = active_contract(app)
    db.session.commit()
    login_as(other_manager)
    response = post(client, other_contract, receipt_kept=reference)
    assert response.status_code == 422
    assert "This kept file was chosen by another user. Please choose your own file." in html.unescape(response.text)
    assert expenses() == 0
    assert db.session.scalar(select(PendingUpload.used_at)) is None


@pytest.mark.parametrize("tamper", [lambda r: r[:-3] + "abc", lambda r: r.split(".")[0] + ".", lambda r: "0" * 40])
def test_a_tampered_reference_is_refused(client, login_as, world, tamper):
    manager, contract = world
    login_as(manager)
    reference = refused_once(client, contract)
    response = post(client, contract, receipt_kept=tamper(reference))
    assert response.status_code == 422
    page = html.unescape(response.text)
    assert ('id="expense-receipt-error">The file kept from your last attempt could not be found. Please choose the '
            'file again.<') in page
    assert 'value="和平超市"' in page  # the rest as typed
    assert expenses() == 0
    assert db.session.scalar(select(PendingUpload.used_at)) is None


def test_nothing_about_the_file_or_the_form_is_logged(client, login_as, world, caplog):
    manager, contract = world
    login_as(manager)
    with caplog.at_level(logging.DEBUG):
        reference = refused_once(client, contract)
        post(client, contract, receipt_kept=reference[:-2] + "zz")
        post(client, contract, receipt_kept=reference)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for secret in ("receipt.pdf", "和平超市", reference, "Heping"):
        assert secret not in logged


# An objection during publicity: refused for its reasons (too short), its supporting file is kept.

OBJECTION_REASONS = "评分与我方材料不符，请复核第三项指标。"
OBJECTION_KEPT = re.compile(r'<input type="hidden" name="file_kept" value="([^"]+)">')


def test_an_objection_refused_for_its_reasons_keeps_its_file(client, login_as, in_publicity):
    from projects.award_models import Objection

    call, loser, manager = in_publicity
    login_as(manager)
    url = f"/calls/{call.id}/objections"
    response = client.post(url, headers=EN, data={"org_id": loser.id, "reasons": "不公平",
                                                  "file": (io.BytesIO(RECEIPT), "评分复核材料.pdf")})
    assert response.status_code == 422
    page = html.unescape(response.text)
    assert 'id="reasons-error"' in page
    assert ('id="file-help">评分复核材料.pdf (118 KB) is kept — choose another file to replace it.<') in page
    assert re.search(r'<input[^>]*aria-describedby="file-help"[^>]*id="file"|<input[^>]*id="file"[^>]*'
                     r'aria-describedby="file-help"', page)
    reference = OBJECTION_KEPT.search(response.text)[1]
    assert db.session.scalar(select(func.count(Objection.id))) == 0
    # A reference tampered with is refused beside the field, nothing lodged.
    response = client.post(url, headers=EN, data={"org_id": loser.id, "reasons": OBJECTION_REASONS,
                                                  "file_kept": reference + "x"})
    assert response.status_code == 422 and 'id="file-error"' in response.text
    response = client.post(url, headers=EN, data={"org_id": loser.id, "reasons": OBJECTION_REASONS,
                                                  "file_kept": reference})
    assert response.status_code == 302
    objection = db.session.scalar(select(Objection))
    assert objection.reasons == OBJECTION_REASONS and objection.file.content == RECEIPT


# A progress report refused for its narrative keeps its evidence files and each activity's photos.

def test_a_progress_report_refused_for_its_narrative_keeps_its_files(client, login_as, world):
    from projects.contract_models import MilestoneReport
    from tests.projects.contract_helpers import PNG_BYTES

    manager, contract = world
    login_as(manager)
    url = f"/contracts/milestones/{contract.milestones[0].id}/report"
    today = local_today().isoformat()
    row = {"activity-0-date": today, "activity-0-place": "社区活动室", "activity-0-participants": "20"}
    second = RECEIPT.replace(b"Heping", b"Renmin")
    response = client.post(url, headers=EN, data={
        "narrative": "太短", **row, "evidence": [(io.BytesIO(RECEIPT), "签到表.pdf"), (io.BytesIO(second), "总结.pdf")],
        "activity-0-photos": [(io.BytesIO(PNG_BYTES), "合影.png")]})
    page = html.unescape(response.text)
    assert 'id="narrative-error"' in page
    assert 'id="evidence-kept"' in page and "These files are kept — choose other files to replace them:" in page
    assert "<li>签到表.pdf (118 KB)</li>" in page and "<li>总结.pdf (118 KB)</li>" in page
    assert 'id="activity-0-photos-kept">合影.png (1 KB) is kept' in page
    assert 'aria-describedby="evidence-kept"' in page and 'aria-describedby="activity-0-photos-kept"' in page
    assert 'id="files-again"' not in page
    evidence = re.findall(r'name="evidence_kept" value="([^"]+)"', response.text)
    photos = re.findall(r'name="activity-0-photos_kept" value="([^"]+)"', response.text)
    assert len(evidence) == 2 and len(photos) == 1
    assert db.session.scalar(select(func.count(MilestoneReport.id))) == 0
    response = client.post(url, headers=EN, data={"narrative": "开展了两次活动，共四十人参加。", **row,
                                                  "evidence_kept": evidence, "activity-0-photos_kept": photos})
    assert response.status_code == 302
    report = db.session.scalar(select(MilestoneReport))
    assert sorted(e.file.content for e in report.evidence_files) == sorted([RECEIPT, second])
    assert [p.file.content for p in report.activities[0].photos] == [PNG_BYTES]


def test_a_kept_evidence_file_is_not_taken_as_a_photo(client, login_as, world):
    """A reference moved from the evidence input to a photo input is another input's: refused beside the photos."""
    from projects.contract_models import MilestoneReport

    manager, contract = world
    login_as(manager)
    url = f"/contracts/milestones/{contract.milestones[0].id}/report"
    row = {"activity-0-date": local_today().isoformat(), "activity-0-place": "社区活动室",
           "activity-0-participants": "20"}
    response = client.post(url, headers=EN, data={"narrative": "太短", **row,
                                                  "evidence": [(io.BytesIO(RECEIPT), "签到表.pdf")]})
    evidence = re.findall(r'name="evidence_kept" value="([^"]+)"', response.text)
    response = client.post(url, headers=EN, data={"narrative": "开展了两次活动，共四十人参加。", **row,
                                                  "activity-0-photos_kept": evidence})
    assert response.status_code == 422 and 'id="photos-error"' in response.text
    assert "could not be found" in html.unescape(response.text)
    assert db.session.scalar(select(func.count(MilestoneReport.id))) == 0


# An organisation's annual report refused for its year keeps its file (it was a flash after a redirect).

def test_an_annual_report_refused_for_its_year_keeps_its_file(client, login_as, session):
    from accounts.enums import Role
    from orgs.models import AnnualReport
    from tests.factories import make_user
    from tests.orgs.helpers import approved_org

    applicant, officer = make_user(), make_user(Role.OFFICER)
    org = approved_org(applicant, officer)
    db.session.commit()
    login_as(applicant)
    url = f"/orgs/{org.id}/annual-reports"
    response = client.post(url, headers=EN, data={"year": "1999", "file": (io.BytesIO(RECEIPT), "2025年度报告.pdf")})
    assert response.status_code == 422
    page = html.unescape(response.text)
    assert 'id="report-year-error"' in page and 'value="1999"' in page
    assert 'id="report-file-kept">2025年度报告.pdf (118 KB) is kept — choose another file to replace it.<' in page
    assert 'aria-describedby="report-file-kept"' in page
    reference = re.search(r'name="file_kept" value="([^"]+)"', response.text)[1]
    assert db.session.scalar(select(func.count(AnnualReport.id))) == 0
    response = client.post(url, headers=EN, data={"year": str(local_today().year - 1), "file_kept": reference})
    assert response.status_code == 302
    report = db.session.scalar(select(AnnualReport))
    assert report.file.content == RECEIPT and report.file.original_name == "2025年度报告.pdf"


def test_a_grade_refused_for_its_date_keeps_its_evidence(client, login_as, session):
    from accounts.enums import Role
    from orgs.models import GradeRecord
    from tests.factories import make_user
    from tests.orgs.helpers import approved_org

    officer = make_user(Role.OFFICER)
    org = approved_org(make_user(), officer)
    db.session.commit()
    login_as(officer)
    url = f"/orgs/{org.id}/grades"
    response = client.post(url, headers=EN, data={"grade": "4", "awarded_on": "2999-01-01",
                                                  "evidence": (io.BytesIO(RECEIPT), "评估证书.pdf")})
    assert response.status_code == 422
    page = html.unescape(response.text)
    assert 'id="grade-awarded_on-error">The date cannot be in the future.<' in page
    assert 'value="2999-01-01"' in page and '<option value="4" selected>' in page
    assert 'id="grade-evidence-kept">评估证书.pdf (118 KB) is kept — choose another file to replace it.<' in page
    reference = re.search(r'name="evidence_kept" value="([^"]+)"', response.text)[1]
    assert db.session.scalar(select(func.count(GradeRecord.id))) == 0
    response = client.post(url, headers=EN, data={"grade": "4", "awarded_on": local_today().isoformat(),
                                                  "evidence_kept": reference})
    assert response.status_code == 302
    assert db.session.scalar(select(GradeRecord)).evidence.content == RECEIPT


# A kept file can be removed (the checkbox `<field>_drop` beside its note, no script needed): the form is sent
# without it and the pending upload is discarded with its file, so that its reference can never be used. A required
# file removed is refused as missing; a removal naming another user's kept file changes nothing of theirs.

def pending_uploads() -> int:
    return db.session.scalar(select(func.count(PendingUpload.id)))


def kept_file_gone(data: bytes = RECEIPT) -> bool:
    """No pending upload left, and the kept file (its bytes: ids are reused on SQLite) deleted with it."""
    sha256 = hashlib.sha256(data).hexdigest()
    return pending_uploads() == 0 and db.session.scalar(select(func.count(StoredFile.id))
                                                        .where(StoredFile.sha256 == sha256)) == 0


def test_a_kept_receipt_removed_the_expense_is_recorded_without_it(client, login_as, world):
    manager, contract = world
    login_as(manager)
    response = with_receipt(client, contract, amount="一百")
    assert ('<div class="form-check kept-file-drop"><input class="form-check-input" type="checkbox" '
            'name="receipt_drop" value="1" id="expense-receipt-kept-drop"><label class="form-check-label" '
            'for="expense-receipt-kept-drop">Remove this file</label></div>') in response.text
    reference = KEPT.search(response.text)[1]
    assert pending_uploads() == 1 and db.session.scalar(select(PendingUpload)).file.content == RECEIPT
    response = post(client, contract, receipt_kept=reference, receipt_drop="1")
    assert response.status_code == 302
    assert db.session.scalar(select(Expense)).receipt_id is None
    assert kept_file_gone()  # discarded, its file with it
    # Its reference (a second tab, the back button) names nothing now: refused, nothing more recorded.
    again = post(client, contract, receipt_kept=reference)
    assert again.status_code == 422 and "could not be found" in html.unescape(again.text)
    assert expenses() == 1


def test_a_kept_receipt_removed_on_a_form_refused_again_is_gone(client, login_as, world):
    manager, contract = world
    login_as(manager)
    reference = refused_once(client, contract)
    response = post(client, contract, payee="", receipt_kept=reference, receipt_drop="1")
    assert response.status_code == 422
    assert "receipt_kept" not in response.text and "is kept" not in response.text
    assert kept_file_gone()  # discarded although the refusal rolled back the attempt
    assert expenses() == 0


def test_a_file_chosen_with_the_kept_one_removed_is_used(client, login_as, world):
    manager, contract = world
    login_as(manager)
    reference = refused_once(client, contract)
    other = RECEIPT.replace(b"Heping", b"Renmin")
    response = with_receipt(client, contract, data=other, name="new.pdf", receipt_kept=reference, receipt_drop="1")
    assert response.status_code == 302
    assert db.session.get(StoredFile, db.session.scalar(select(Expense.receipt_id))).content == other
    assert kept_file_gone()


def test_removing_another_users_kept_receipt_changes_nothing_of_theirs(app, client, login_as, world):
    manager, contract = world
    login_as(manager)
    reference = refused_once(client, contract)
    logout(client)
    _officer, other_manager, other_contract = active_contract(app)
    db.session.commit()
    login_as(other_manager)
    response = post(client, other_contract, receipt_kept=reference, receipt_drop="1")
    assert response.status_code == 302  # their own expense, without a file
    assert db.session.scalar(select(Expense.receipt_id)) is None
    pending = db.session.scalar(select(PendingUpload))
    assert pending is not None and pending.used_at is None and pending.file.content == RECEIPT
    # The owner still has it.
    logout(client)
    login_as(manager)
    assert post(client, contract, receipt_kept=reference).status_code == 302
    receipt_ids = db.session.scalars(select(Expense.receipt_id).where(Expense.contract_id == contract.id)).all()
    assert [db.session.get(StoredFile, i).content for i in receipt_ids] == [RECEIPT]


def test_a_kept_objection_file_removed_the_objection_is_lodged_without_it(client, login_as, in_publicity):
    from projects.award_models import Objection

    call, loser, manager = in_publicity
    login_as(manager)
    url = f"/calls/{call.id}/objections"
    response = client.post(url, headers=EN, data={"org_id": loser.id, "reasons": "不公平",
                                                  "file": (io.BytesIO(RECEIPT), "评分复核材料.pdf")})
    assert response.status_code == 422
    assert ('<input class="form-check-input" type="checkbox" name="file_drop" value="1" id="file-drop">'
            '<label class="form-check-label" for="file-drop">Remove this file</label>') in response.text
    reference = OBJECTION_KEPT.search(response.text)[1]
    response = client.post(url, headers=EN, data={"org_id": loser.id, "reasons": OBJECTION_REASONS,
                                                  "file_kept": reference, "file_drop": "1"})
    assert response.status_code == 302
    objection = db.session.scalar(select(Objection))
    assert objection.reasons == OBJECTION_REASONS and objection.file is None
    assert kept_file_gone()


def test_kept_evidence_removed_the_progress_report_keeps_its_photos(client, login_as, world):
    from projects.contract_models import MilestoneReport
    from tests.projects.contract_helpers import PNG_BYTES

    manager, contract = world
    login_as(manager)
    url = f"/contracts/milestones/{contract.milestones[0].id}/report"
    row = {"activity-0-date": local_today().isoformat(), "activity-0-place": "社区活动室",
           "activity-0-participants": "20"}
    response = client.post(url, headers=EN, data={
        "narrative": "太短", **row, "evidence": [(io.BytesIO(RECEIPT), "签到表.pdf")],
        "activity-0-photos": [(io.BytesIO(PNG_BYTES), "合影.png")]})
    assert 'name="evidence_drop" value="1" id="evidence-kept-drop"' in response.text
    assert 'name="activity-0-photos_drop" value="1" id="activity-0-photos-kept-drop"' in response.text
    evidence = re.findall(r'name="evidence_kept" value="([^"]+)"', response.text)
    photos = re.findall(r'name="activity-0-photos_kept" value="([^"]+)"', response.text)
    response = client.post(url, headers=EN, data={"narrative": "开展了两次活动，共四十人参加。", **row,
                                                  "evidence_kept": evidence, "evidence_drop": "1",
                                                  "activity-0-photos_kept": photos})
    assert response.status_code == 302
    report = db.session.scalar(select(MilestoneReport))
    assert report.evidence_files == []
    assert [p.file.content for p in report.activities[0].photos] == [PNG_BYTES]
    assert db.session.scalar(select(func.count(PendingUpload.id)).where(PendingUpload.used_at.is_(None))) == 0
    sha256 = hashlib.sha256(RECEIPT).hexdigest()  # the evidence file went with its pending upload
    assert db.session.scalar(select(func.count(StoredFile.id)).where(StoredFile.sha256 == sha256)) == 0


def test_a_required_annual_report_file_removed_is_refused_as_missing(client, login_as, session):
    from accounts.enums import Role
    from orgs.models import AnnualReport
    from tests.factories import make_user
    from tests.orgs.helpers import approved_org

    applicant, officer = make_user(), make_user(Role.OFFICER)
    org = approved_org(applicant, officer)
    db.session.commit()
    login_as(applicant)
    url = f"/orgs/{org.id}/annual-reports"
    response = client.post(url, headers=EN, data={"year": "1999", "file": (io.BytesIO(RECEIPT), "2025年度报告.pdf")})
    assert response.status_code == 422 and 'for="report-file-kept-drop">Remove this file<' in response.text
    reference = re.search(r'name="file_kept" value="([^"]+)"', response.text)[1]
    response = client.post(url, headers=EN, data={"year": str(local_today().year - 1), "file_kept": reference,
                                                  "file_drop": "1"})
    assert response.status_code == 422
    page = html.unescape(response.text)
    assert 'id="report-file-error">Please choose a file.<' in page
    assert 'aria-describedby="report-file-error"' in page
    assert "file_kept" not in page and "is kept" not in page
    assert db.session.scalar(select(func.count(AnnualReport.id))) == 0
    assert kept_file_gone()
