"""Spreadsheet exports for reconciling with finance departments: a settlement's lines and a programme's ledger.

The views check who may see the settlement or programme before calling these. Residents appear masked as on the
statement PDF (core.personal.mask_name: family name and **); no ID number or phone is read. Each download is
recorded in the audit trail (who, which settlement or programme, how many rows; never a row's content) before the
file streams: the caller commits the event first, so the append's lock is not held while the file is sent.
"""

from collections.abc import Callable, Iterator

from flask_babel import gettext as _
from flask_babel import pgettext
from sqlalchemy import func, select

from accounts.resident_models import ResidentProfile
from audit import services as audit
from core.csvexport import Raw, beijing_time, csv_response, number, yuan
from core.db import db, utcnow
from core.personal import mask_name
from core.timeutil import format_local
from orgs.models import Organisation

from . import ledger, pages_support, statement_facts
from .enums import LedgerKind
from .models import Programme
from .redemption_models import LedgerEntry, Redemption, Settlement

LEDGER_CHUNK = 2000  # ledger rows per query (keyset on the row id): memory stays flat whatever the programme's size

# The audit actions of the downloads (labels in vouchers.labels): one per kind of file, so the log names the kind.
SETTLEMENT_LINES = "export.settlement_lines"
PROGRAMME_LEDGER = "export.programme_ledger"


def _read_again(rows_of: Callable[[object], Iterator[list]], model, object_id: int) -> Iterator[list]:
    """rows_of(the object), the object read again when the file starts to stream: by then the view has committed
    the download's audit event, which expired what it had loaded, and the request's session is gone."""
    yield from rows_of(db.session.get(model, object_id))


# --- a settlement's lines ----------------------------------------------------------------------------

def settlement_rows(found: Settlement) -> Iterator[list]:
    """The statement's redemptions (those on its PDF, in its order) and their total. Each row also carries the
    statement's provider, month, statement number, state, total and payment reference: one table under one header
    row, which a finance package imports as it is (a block of facts above the header, as the ledger's
    reconciliation, is read by people but breaks an import's column mapping). Lines whose dispute was rejected say
    so in the Dispute column, as on the PDF and the page."""
    yield [_("Time"), _("Redemption no."), _("Service"), _("Resident"), _("Amount (yuan)"),
           pgettext("statement column", "Dispute"), _("Provider"), _("Unified social credit code"), _("Month"),
           _("Statement no."), _("Status"), _("Statement total (yuan)"), _("Payment reference")]
    statement = [found.provider.name, found.provider.uscc or "", Raw(found.period), number(found.seq),
                 statement_facts.status_label(found), yuan(found.total_fen), found.payment_reference or ""]
    rejected = statement_facts.rejected_dispute_lines(found)
    marked = pgettext("statement line", "Dispute rejected")
    total = 0
    for line in pages_support.statement_lines(found):
        total += line.amount_fen
        yield [beijing_time(line.created_at), number(line.id), line.service.name,
               mask_name(line.resident.real_name), yuan(line.amount_fen), marked if line.id in rejected else "",
               *statement]
    yield [_("Grand total"), "", "", "", yuan(total), "", *statement]


def settlement_csv(found: Settlement, *, actor):
    """The statement's lines as a streamed CSV; the download is recorded (its row count: the redemptions listed)."""
    lines = db.session.scalar(select(func.count(Redemption.id)).where(Redemption.settlement_id == found.id))
    audit.record(SETTLEMENT_LINES, found, actor=actor, data={"format": "csv", "rows": lines})
    stem = _("settlement-%(provider)s-%(period)s-%(seq)d", provider=found.provider.name, period=found.period,
             seq=found.seq)
    return csv_response(_read_again(settlement_rows, Settlement, found.id), stem,
                        fallback=f"settlement-{found.id}-{found.period}-{found.seq}")


# --- a programme's ledger ----------------------------------------------------------------------------

def _reconciliation_rows(programme: Programme, recon: ledger.Reconciliation) -> Iterator[list]:
    """The programme page's reconciliation block: issued = redeemed + expired + revoked + outstanding."""
    yield [_("Programme"), programme.name]
    yield [_("Exported at"), beijing_time(utcnow())]
    for label, fen in ((_("Budget"), recon.budget_fen), (_("Issued to residents"), recon.issued_fen),
                       (_("Redeemed"), recon.redeemed_fen), (_("Expired"), recon.expired_fen),
                       (_("Revoked"), recon.revoked_fen), (_("Outstanding"), recon.outstanding_fen),
                       (_("Unallocated budget"), recon.unallocated_fen),
                       (_("Settled (paid to providers)"), recon.settled_fen)):
        yield [label, yuan(fen)]
    yield [_("Issued = redeemed + expired + revoked + outstanding"),
           _("The books balance to the fen.") if recon.balanced
           else _("The books do not balance. Run the voucher check.")]


LEDGER_COLUMNS = (LedgerEntry.id, LedgerEntry.created_at, LedgerEntry.kind, LedgerEntry.voucher_id,
                  LedgerEntry.resident_id, ResidentProfile.real_name, Organisation.name, LedgerEntry.amount_fen,
                  LedgerEntry.redemption_id, LedgerEntry.settlement_id)


def ledger_chunks(programme_id: int, upto: int, chunk: int | None = None) -> Iterator[list]:
    """The programme's ledger rows up to id `upto`, in id order, `chunk` at a time (keyset: each query starts
    after the last id seen, so no query reads more than a chunk and none skips an OFFSET). Plain rows, not ORM
    objects: nothing accumulates in the session."""
    chunk = chunk or LEDGER_CHUNK
    stmt = (select(*LEDGER_COLUMNS)
            .outerjoin(ResidentProfile, ResidentProfile.id == LedgerEntry.resident_id)
            .outerjoin(Organisation, Organisation.id == LedgerEntry.provider_org_id)
            .where(LedgerEntry.programme_id == programme_id, LedgerEntry.id <= upto)
            .order_by(LedgerEntry.id).limit(chunk))
    last = 0
    while True:
        rows = db.session.execute(stmt.where(LedgerEntry.id > last)).all()
        if rows:
            yield rows
        if len(rows) < chunk:
            return
        last = rows[-1].id


def last_entry_id(programme: Programme) -> int:
    return db.session.scalar(select(func.max(LedgerEntry.id)).where(LedgerEntry.programme_id == programme.id)) or 0


def ledger_rows(programme: Programme, chunk: int | None = None, *, upto: int | None = None) -> Iterator[list]:
    """The reconciliation, a blank line, then the programme's ledger rows up to `upto` (default: the last one written
    when the export started): redemptions made while a long download runs are left out of the rows as they are out
    of the figures above them (read at the same moment, each query committed data only, as on the programme page)."""
    if upto is None:
        upto = last_entry_id(programme)
    yield from _reconciliation_rows(programme, ledger.reconciliation(programme))
    yield []
    kinds = {kind.value: str(kind.label) for kind in LedgerKind}
    yield [_("Time"), _("Entry no."), _("Kind"), _("Voucher no."), _("Resident no."), _("Resident"), _("Provider"),
           _("Amount (yuan)"), _("Redemption no."), _("Settlement no.")]
    for rows in ledger_chunks(programme.id, upto, chunk):
        for row in rows:
            yield [beijing_time(row.created_at), number(row.id), kinds.get(row.kind, row.kind),
                   number(row.voucher_id), number(row.resident_id),
                   mask_name(row.real_name) if row.resident_id is not None else "", row.name,
                   yuan(row.amount_fen), number(row.redemption_id), number(row.settlement_id)]


def ledger_csv(programme: Programme, *, actor):
    """The ledger as a streamed CSV. The download is recorded with the rows it holds: the ledger is append-only,
    so the entries up to the last id read now are the file's rows whenever they are sent."""
    upto = last_entry_id(programme)
    entries = db.session.scalar(select(func.count(LedgerEntry.id)).where(
        LedgerEntry.programme_id == programme.id, LedgerEntry.id <= upto))
    audit.record(PROGRAMME_LEDGER, programme, actor=actor,
                 data={"format": "csv", "rows": entries, "last_entry_id": upto})
    today = format_local(utcnow(), "%Y-%m-%d")
    stem = _("ledger-%(programme)s-%(date)s", programme=programme.name, date=today)
    rows = _read_again(lambda again: ledger_rows(again, upto=upto), Programme, programme.id)
    return csv_response(rows, stem, fallback=f"ledger-programme-{programme.id}-{today}")
