"""Official voucher PDFs: the settlement statement 结算单 and a resident's printed vouchers 服务券打印单, each
recorded with its verification code and QR code (audit.documents.issue_document)."""

from flask_babel import gettext as _
from sqlalchemy import select

from audit.documents import IssuedDocument, issue_document
from audit.permissions import allow_download
from core.db import db
from core.errors import Forbidden
from core.pdf import qr_svg_data_uri
from core.personal import mask_name
from core.timeutil import format_local

from . import pages_support, permissions, redemption
from .redemption_models import Settlement

STATEMENT = "voucher_settlement"
PRINTED = "voucher_print"
allow_download(STATEMENT, Settlement, permissions.can_download_statement)


def latest_statement(found: Settlement) -> IssuedDocument | None:
    """The statement document last issued for a settlement (the document records its subject)."""
    return db.session.scalar(select(IssuedDocument)
                             .where(IssuedDocument.doc_type == STATEMENT,
                                    IssuedDocument.target_type == Settlement.__tablename__,
                                    IssuedDocument.target_id == str(found.id))
                             .order_by(IssuedDocument.id.desc()).limit(1))


def _still_current(document: IssuedDocument | None, found: Settlement, title: str) -> bool:
    """Whether a statement issued earlier still says what a new one would: issued after the settlement's last change
    (drawn up, approved, paid: its lines never change) and under the same title (the provider's name)."""
    if document is None or document.title != title:
        return False
    changed = max(moment for moment in (found.created_at, found.approved_at, found.paid_at) if moment is not None)
    return document.issued_at >= changed


def issue_statement(found, *, actor) -> IssuedDocument:
    """The statement PDF of a settlement, issued by the provider's members or officers. Asked again while nothing
    changed, the one already issued is served: each click issued a new official document with a new verification
    code, so several codes stood for one unchanged statement."""
    if not permissions.can_issue_statement(actor, found):
        raise Forbidden(_("You cannot issue this statement."))
    # Two clicks at once: the second waits for the first's commit (PostgreSQL's row lock), then finds its document.
    db.session.execute(select(Settlement.id).where(Settlement.id == found.id).with_for_update())
    title = f"服务券结算单：{found.provider.name} {found.period}（第 {found.seq} 次）"
    earlier = latest_statement(found)
    if _still_current(earlier, found, title):
        return earlier
    document = issue_document("vouchers/settlement_pdf.html", title=title, doc_type=STATEMENT, actor=actor,
                              target=found, settlement=found, redemptions=pages_support.statement_lines(found))
    found.document_code = document.code  # the latest statement's verification code, shown with the settlement
    return document


def issue_printed_vouchers(resident, *, actor, programme=None) -> tuple[IssuedDocument, str]:
    """A printable sheet of the resident's valid vouchers in one programme (the chosen one, or their only one) with
    a fresh one-time code for it (numeric and QR, valid for a week: redemption.PRINTED_CODE_TTL), for a resident
    without a smartphone. Returns the document and
    the code (shown once)."""
    if not permissions.can_issue_code_for(actor, resident):
        raise Forbidden(_("You cannot get a code for this resident."))
    code, row = redemption.issue_code(resident, actor=actor, programme=programme,
                                      valid_for=redemption.PRINTED_CODE_TTL)
    # Only what the code can spend: the code's programme, vouchers not yet past their validity.
    vouchers = pages_support.spendable_vouchers(resident, row.programme_id, row.created_at)
    title = f"服务券打印单：{mask_name(resident.real_name)}"  # the title shows on the public verification page
    document = issue_document("vouchers/printed_pdf.html", title=title, doc_type=PRINTED, actor=actor,
                              target=resident, resident=resident, vouchers=vouchers, code=code,
                              code_qr=qr_svg_data_uri(code), code_expires=format_local(row.expires_at))
    return document, code
