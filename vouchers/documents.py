"""Official voucher PDFs: the settlement statement 结算单 and a resident's printed vouchers 服务券打印单, each
recorded with its verification code and QR code (audit.documents.issue_document)."""

import hashlib
from itertools import groupby

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

from . import pages_support, permissions, printed_codes, statement_facts
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


def issue_printed_vouchers(resident, *, actor, programme=None, count: int | None = None
                           ) -> tuple[IssuedDocument, list[str]]:
    """A printable sheet of the resident's valid vouchers in one programme (the chosen one, or their only one) with
    fresh one-time codes for it (printed_codes.issue_sheet_codes: count of them, by default as many as the resident
    can use in the codes' week; each single use, numeric and QR, valid for a week: redemption.PRINTED_CODE_TTL), for
    a resident without a smartphone. Every code printed on an earlier sheet of that programme still live is cancelled
    (the sheet printed last is the one to carry: an earlier one stayed usable for its week by whoever held it).
    Returns the document and the codes, in the sheet's order (shown once)."""
    if not permissions.can_issue_code_for(actor, resident):
        raise Forbidden(_("You cannot get a code for this resident."))
    issued = printed_codes.issue_sheet_codes(resident, actor=actor, programme=programme, count=count)
    first = issued[0][1]
    # Only what the codes can spend: their programme, vouchers not yet past their validity.
    vouchers = pages_support.spendable_vouchers(resident, first.programme_id, first.created_at)
    # Alike vouchers (a month's, unspent) on one line with their number: the page holds 8 codes and the vouchers.
    def same(v):
        return v.expires_at, v.period, v.face_value_fen, v.balance_fen  # (sorted on it: groupby joins neighbours)

    alike = [(key[1:] + key[:1], len(list(group))) for key, group in groupby(sorted(vouchers, key=same), key=same)]
    title = f"服务券打印单：{mask_name(resident.real_name)}"  # the title shows on the public verification page
    codes = [code for code, _row in issued]
    document = issue_document("vouchers/printed_pdf.html", title=title, doc_type=PRINTED, actor=actor,
                              target=resident, resident=resident, programme=first.programme,
                              voucher_lines=[{"period": period, "face_value_fen": face, "balance_fen": balance,
                                              "expires_at": expires_at, "count": count}
                                             for (period, face, balance, expires_at), count in alike],
                              balance_fen=sum(v.balance_fen for v in vouchers),
                              codes=[{"number": n, "code": code, "qr": qr_svg_data_uri(code)}
                                     for n, code in enumerate(codes, 1)],
                              code_expires=format_local(first.expires_at))
    return document, codes
