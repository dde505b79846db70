"""What the provider's members are told about their settlement statements (approved, paid, withdrawn, its payment
reference corrected), and how the audit log names the corrections' events. Stored as codes and data: an amount
formatted, the programme's name as it was; translated when read (accounts.notifications)."""

from flask_babel import lazy_gettext as _l

from accounts.notifications import NOTIFICATION_TEXTS, notify
from audit.documents import ENDING_ACTIONS
from audit.labels import ACTION_LABELS
from core.money import format_fen
from core.views import path_for
from orgs.enums import MembershipStatus

ACTION_LABELS.update({
    "voucher.settlement_withdrawn": _l("Settlement statement withdrawn"),
    "voucher.settlement_reference_corrected": _l("Settlement payment reference corrected"),
})
# The verification page of a statement PDF issued before the statement was withdrawn says it no longer stands.
ENDING_ACTIONS.add("voucher.settlement_withdrawn")

NOTIFICATION_TEXTS.update({
    "voucher.settlement_approved": _l("Your settlement statement for %(period)s (statement %(seq)s) of "
                                      "“%(programme)s”, %(amount)s, has been approved; the payment follows."),
    "voucher.settlement_paid": _l("Your settlement statement for %(period)s (statement %(seq)s) of “%(programme)s” "
                                  "has been paid: %(amount)s, payment reference %(reference)s."),
    "voucher.settlement_withdrawn": _l("Your settlement statement for %(period)s (statement %(seq)s) of "
                                       "“%(programme)s”, %(amount)s, has been withdrawn. Its redemptions will be on "
                                       "a new statement. The officer's reason: %(reason)s"),
    "voucher.settlement_reference_corrected": _l("The payment reference of your settlement statement for "
                                                 "%(period)s (statement %(seq)s) of “%(programme)s” was corrected "
                                                 "from %(old)s to %(new)s. The officer's reason: %(reason)s"),
})

TOLD = {"approved", "paid", "withdrawn", "reference_corrected"}


def tell_provider(settlement, what: str, **data) -> None:
    """Notify the provider organisation's active members that their statement was approved, paid, withdrawn or
    its payment reference corrected (what); nothing for a statement drawn up."""
    if what not in TOLD:
        return
    values = {"period": settlement.period, "seq": settlement.seq, "programme": settlement.programme.name,
              "amount": format_fen(settlement.total_fen), "reference": settlement.payment_reference, **data}
    link = path_for("vouchers.settlement_page", settlement_id=settlement.id)
    for member in settlement.provider.memberships:
        if member.status == MembershipStatus.ACTIVE.value:
            notify(member.user_id, f"voucher.settlement_{what}", link=link, **values)
