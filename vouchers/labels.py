"""The voucher and resident audit actions, translated when shown."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import select

from accounts.notifications import NOTIFICATION_TEXTS
from audit.data_labels import KEY_LABELS
from audit.labels import ACTION_LABELS, register_public_page, register_target_page
from core.db import db
from orgs.labels import public_org

from .redemption_models import Settlement

ACTION_LABELS.update({
    "resident.submitted": _l("Resident asked to be verified"),
    "resident.registered": _l("Resident registered by community staff"),
    "resident.updated": _l("Resident details changed"),
    "resident.tags_changed": _l("Resident hardship tags changed"),
    "resident.verified": _l("Resident verified"),
    "resident.suspended": _l("Resident suspended"),
    "resident.id_viewed": _l("Resident ID number viewed"),
    "voucher_programme.created": _l("Voucher programme created"),
    "voucher_programme.updated": _l("Voucher programme changed"),
    "voucher_programme.budget_raised": _l("Voucher programme budget raised"),
    "voucher_programme.active": _l("Voucher programme started"),
    "voucher_programme.closed": _l("Voucher programme closed"),
    "voucher_service.created": _l("Voucher service added"),
    "voucher_service.updated": _l("Voucher service changed"),
    "voucher.issued": _l("Vouchers issued"),
    "voucher.batch_started": _l("Voucher issuance started"),
    "voucher.batch_chunk": _l("Vouchers issued (batch part)"),
    "voucher.batch_done": _l("Voucher issuance finished"),
    "voucher.batch_budget_exhausted": _l("Voucher issuance stopped: budget used up"),
    "voucher.batch_failed": _l("Voucher issuance failed"),
    "voucher.code_issued": _l("Voucher code issued"),
    "voucher.code_cancelled": _l("Voucher code cancelled"),
    "voucher.redeemed": _l("Voucher redeemed"),
    "voucher.disputed": _l("Redemption disputed"),
    "voucher.dispute_upheld": _l("Dispute upheld, redemption reversed"),
    "voucher.dispute_rejected": _l("Dispute rejected"),
    "voucher.dispute_replied": _l("Provider replied to a dispute"),
    "voucher.rated": _l("Service rated"),
    "voucher.rating_changed": _l("Service rating changed"),
    "voucher.expired": _l("Vouchers expired"),
    "voucher.revoked": _l("Vouchers revoked"),
    "voucher.settlement_prepared": _l("Settlement statement prepared"),
    "voucher.settlement_approved": _l("Settlement statement approved"),
    "voucher.settlement_paid": _l("Settlement paid"),
    "export.settlement_lines": _l("Settlement lines downloaded (CSV)"),
    "export.programme_ledger": _l("Voucher programme ledger downloaded (CSV)"),
})

KEY_LABELS.update({"reply": lazy_pgettext("audit data key", "Reply")})  # the provider's (vouchers.dispute_replies)

# What the resident is told when an officer decides their dispute (disputes.decide_dispute), in plain words: an
# amount and a date are stored formatted, the service's name as it was, the officer's note as written.
NOTIFICATION_TEXTS.update({
    "voucher.dispute_upheld": _l("Your dispute about %(service)s on %(date)s was upheld: %(amount)s has been "
                                 "returned to your vouchers. The officer's note: %(note)s"),
    "voucher.dispute_upheld_lapsed": _l("Your dispute about %(service)s on %(date)s was upheld: %(amount)s was "
                                        "returned, but %(lapsed)s of it went back to vouchers that had expired or "
                                        "been withdrawn and cannot be used. The officer's note: %(note)s"),
    "voucher.dispute_rejected": _l("Your dispute about %(service)s on %(date)s was not upheld; the money was not "
                                   "returned. The officer's note: %(note)s"),
})

# The audit log links an event about a programme, an issuance run or a settlement statement to its page.
register_target_page("voucher_programmes", "vouchers.programme", "programme_id")
register_target_page("voucher_issuance_batches", "vouchers.batch", "batch_id")
register_target_page("voucher_settlements", "vouchers.settlement_page", "settlement_id")


# The public verification page links a settlement statement to its provider's public page (the statement's own page is
# for the provider's members and officers); a resident's printed vouchers have no public page and link nowhere.
def public_provider_of_settlement(settlement_id: int) -> int | None:
    org_id = db.session.scalar(select(Settlement.provider_org_id).where(Settlement.id == settlement_id))
    return public_org(org_id) if org_id is not None else None


register_public_page("voucher_settlements", "orgs.profile", "org_id", public_id=public_provider_of_settlement,
                     label=_l("the provider's public page"))
