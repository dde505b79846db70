"""Official voucher PDFs: the settlement statement 结算单 and a resident's printed vouchers 服务券打印单, each
recorded with its verification code and QR code (audit.documents.issue_document)."""

import hashlib

from flask import render_template
from flask_babel import gettext as _
from sqlalchemy import select

from audit.documents import IssuedDocument, issue_document
from audit.permissions import allow_download
from core.db import db
from core.errors import Conflict, Forbidden
from core.money import fen_in_capitals
from core.pdf import official_language, qr_svg_data_uri
from core.personal import mask_name
from core.timeutil import format_local

from . import pages_support, permissions, printed_codes, redemption, statement_facts
from .enums import SettlementStatus
from .redemption_models import Settlement

STATEMENT = "voucher_settlement"
STATEMENT_TEMPLATE = "vouchers/settlement_pdf.html"
PRINTED = "voucher_print"
allow_download(STATEMENT, Settlement, permissions.can_download_statement)


def printed_version(found: Settlement, lines: list, title: str) -> str:
    """The version of a statement: a digest of the statement as it would be printed now, its verification block
    (new with each document) left out. It holds everything the PDF shows that can change once the statement is
    drawn up: the provider's name and credit code (an approved change registration changes them), the lines'
    service names and residents (as masked), the statement's state, approval and payment."""
    with official_language():
        page = render_template(STATEMENT_TEMPLATE, title=title, verification=None, **statement_context(found, lines))
    return hashlib.sha256(page.encode()).hexdigest()


def statement_context(found: Settlement, lines: list) -> dict:
    """What the statement PDF prints beside the settlement: its lines (the redemption ids, those whose dispute was
    rejected marked), the total in financial capitals, who drew it up, approved it and recorded its payment, and
    its corrections (a withdrawal, payment references corrected), as its page shows them."""
    return {"settlement": found, "redemptions": lines, "rejected": statement_facts.rejected_dispute_lines(found),
            "capitals": fen_in_capitals(found.total_fen), "people": statement_facts.people(found),
            "status_label": statement_facts.status_label(found), "corrections": statement_facts.corrections(found)}


def issue_statement(found, *, actor) -> IssuedDocument:
    """The statement PDF of a settlement, issued by the provider's members or officers. Asked again while it would
    print the same, the one already issued is served (each click issued a new official document with a new
    verification code, so several codes stood for one unchanged statement); printed differently (approved, paid,
    the provider renamed or its credit code changed), a new one is issued and the earlier stays verifiable. A
    withdrawn statement is refused (409): it has no lines left to print, and a PDF issued before it was withdrawn
    stays downloadable, its verification page saying it was withdrawn."""
    if not permissions.can_issue_statement(actor, found):
        raise Forbidden(_("You cannot issue this statement."))
    if found.status == SettlementStatus.WITHDRAWN:
        raise Conflict(_("This statement was withdrawn: no PDF is issued for it. Its redemptions can be put on a "
                         "new statement."), code="statement_withdrawn")
    # Two clicks at once: the second waits for the first's commit (PostgreSQL's row lock), then finds its document.
    db.session.execute(select(Settlement.id).where(Settlement.id == found.id).with_for_update())
    title = f"服务券结算单：{found.provider.name} {found.period}（第 {found.seq} 次）"
    lines = pages_support.statement_lines(found)
    version = printed_version(found, lines, title)
    if found.document_code and found.document_version == version:  # (one issued before versions: issued again)
        earlier = db.session.scalar(select(IssuedDocument).where(IssuedDocument.code == found.document_code))
        if earlier is not None:
            return earlier
    with official_language():  # the state's word, as the version read it
        context = statement_context(found, lines)
    document = issue_document(STATEMENT_TEMPLATE, title=title, doc_type=STATEMENT, actor=actor, target=found,
                              **context)
    # The latest statement's verification code, shown with the settlement, and the version it prints.
    found.document_code, found.document_version = document.code, version
    return document


def issue_printed_vouchers(resident, *, actor, programme=None) -> tuple[IssuedDocument, str]:
    """A printable sheet of the resident's valid vouchers in one programme (the chosen one, or their only one) with
    a fresh one-time code for it (numeric and QR, valid for a week: redemption.PRINTED_CODE_TTL), for a resident
    without a smartphone. The code printed on an earlier sheet of that programme, if still live, is cancelled (the
    sheet printed last is the one to carry: an earlier one stayed usable for its week by whoever held it). Returns
    the document and the code (shown once)."""
    if not permissions.can_issue_code_for(actor, resident):
        raise Forbidden(_("You cannot get a code for this resident."))
    code, row = redemption.issue_code(resident, actor=actor, programme=programme,
                                      valid_for=redemption.PRINTED_CODE_TTL, printed=True)
    printed_codes.cancel_earlier_printed(resident, row, actor=actor, now=row.created_at)
    # Only what the code can spend: the code's programme, vouchers not yet past their validity.
    vouchers = pages_support.spendable_vouchers(resident, row.programme_id, row.created_at)
    title = f"服务券打印单：{mask_name(resident.real_name)}"  # the title shows on the public verification page
    document = issue_document("vouchers/printed_pdf.html", title=title, doc_type=PRINTED, actor=actor,
                              target=resident, resident=resident, vouchers=vouchers, code=code,
                              code_qr=qr_svg_data_uri(code), code_expires=format_local(row.expires_at))
    return document, code
