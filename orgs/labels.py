"""The registry's audit actions and notifications, translated when shown."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from accounts.notifications import NOTIFICATION_LABELS, NOTIFICATION_TEXTS
from audit.data_labels import KEY_LABELS
from audit.labels import ACTION_LABELS, register_public_page, register_target_page
from core.db import db

from .enums import MemberRole
from .models import Organisation
from .permissions import can_view_org

ACTION_LABELS.update({
    "org.created": _l("Organisation application created"),
    "org.updated": _l("Organisation application changed"),
    "org.document_added": _l("Organisation document uploaded"),
    "org.document_removed": _l("Organisation document removed"),
    "org.submitted": _l("Application submitted"),
    "org.resubmitted": _l("Application resubmitted"),
    "org.returned": _l("Application returned"),
    "org.approved": _l("Organisation registered"),
    "org.rejected": _l("Application rejected"),
    "org.suspended": _l("Organisation suspended"),
    "org.reinstated": _l("Organisation reinstated"),
    "org.deregistered": _l("Organisation deregistered"),
    "org.member_invited": _l("Member invited"),
    "org.invitation_accepted": _l("Invitation accepted"),
    "org.invitation_declined": _l("Invitation declined"),
    "org.member_removed": _l("Member removed"),
    "org.member_left": _l("Member left"),
    "org.member_role_changed": _l("Member role changed"),
    "org.grade_recorded": _l("Grade recorded"),
    "org.annual_report_submitted": _l("Annual report submitted"),
    "org.annual_report_accepted": _l("Annual report accepted"),
    "org.annual_report_returned": _l("Annual report returned"),
    "org.credit_listed": _l("Put on a credit list"),
    "org.credit_entry_ended": _l("Credit-list entry ended"),
    "org.incubation_started": _l("Incubation started"),
    "org.hub_designated": _l("Designated a hub organisation"),
    "org.hub_withdrawn": _l("Hub designation withdrawn"),
    "org.incubation_graduated": _l("Incubated group graduated"),
    "org.incubation_ended": _l("Incubation ended"),
    "org.contact_updated": _l("Organisation contact details updated"),
    "org.services_updated": _l("Organisation service categories and communities updated"),
    "org.change_requested": _l("Change of registered items requested"),
    "org.change_approved": _l("Change of registered items approved"),
    "org.change_rejected": _l("Change of registered items rejected"),
    "org.change_withdrawn": _l("Change request withdrawn"),
    "reference.category_added": _l("Service category added"),
    "reference.category_enabled": _l("Service category enabled"),
    "reference.category_disabled": _l("Service category disabled"),
    "reference.community_added": _l("Community added"),
})

KEY_LABELS.update({  # a newer document's predecessor; the services an organisation changes (under "changes")
    "supersedes": lazy_pgettext("audit data key", "Replaces the version (SHA-256)"),
    "categories": lazy_pgettext("audit data key", "Service categories"),
    "communities": lazy_pgettext("audit data key", "Communities served (ids)"),
})

NOTIFICATION_TEXTS.update({
    "org.submitted": _l("A new organisation application awaits review: %(org)s."),
    "org.resubmitted": _l("A corrected organisation application awaits review: %(org)s."),
    "org.returned": _l("Your application for %(org)s was returned for changes: %(reason)s"),
    "org.approved": _l("%(org)s is now registered on the platform."),
    "org.rejected": _l("Your application for %(org)s was rejected: %(reason)s"),
    "org.suspended": _l("%(org)s has been suspended: %(reason)s"),
    "org.reinstated": _l("%(org)s has been reinstated."),
    "org.deregistered": _l("%(org)s has been deregistered: %(reason)s"),
    "org.change_requested": _l("%(org)s asks to change its registered items: the request awaits review."),
    "org.change_approved": _l("The change of registered items of %(org)s was approved."),
    "org.change_rejected": _l("The change of registered items of %(org)s was rejected: %(reason)s"),
    "org.invited": _l("You are invited to join %(org)s as %(role)s."),
    "org.annual_report_accepted": _l("The %(year)s annual report of %(org)s was accepted."),
    "org.annual_report_returned": _l("The %(year)s annual report of %(org)s was returned: %(reason)s"),
})
NOTIFICATION_LABELS["org.invited"] = {"role": MemberRole}


# The audit log links an event about an organisation to its page.
register_target_page("organisations", "orgs.profile", "org_id")


# The public verification page links a document about an organisation to its public profile, while the directory
# shows it (registered, suspended or deregistered; never an application).
def public_org(org_id: int) -> int | None:
    org = db.session.get(Organisation, org_id)
    return org.id if org is not None and can_view_org(None, org) else None


register_public_page("organisations", "orgs.profile", "org_id", public_id=public_org,
                     label=_l("the organisation's public page"))
