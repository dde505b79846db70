"""Action codes are stored; their labels are translated only when shown (DESIGN.md rule 10).

Packages add their own codes with ACTION_LABELS.update({...}) in their enums or labels module, and a code with a new
prefix (the part before the dot) its group with ACTION_GROUPS.update({...}).
"""

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice

ACTION_LABELS = {
    "auth.login": _l("Logged in"),
    "auth.logout": _l("Logged out"),
    "auth.login_failed": _l("Failed login"),
    "user.created": _l("User created"),
    "user.updated": _l("User details changed"),
    "user.roles_changed": _l("Roles changed"),
    "user.communities_changed": _l("Communities served changed"),
    "user.deactivated": _l("User deactivated"),
    "user.reactivated": _l("User reactivated"),
    "user.password_changed": _l("Password changed"),
    "user.password_reset": _l("Password reset by an administrator"),
    "token.created": _l("API token created"),
    "token.revoked": _l("API token revoked"),
    "document.issued": _l("Official document issued"),
    "export.audit_log": _l("Audit log downloaded (CSV)"),
    "calendar.day_set": _l("Working-day calendar changed"),
}


# The audit log's action filter groups the codes by prefix, in this order: roughly the order of work on the platform.
ACTION_GROUPS = {
    "auth": _l("Logging in"),
    "user": _l("User accounts"),
    "token": _l("API tokens"),
    "reference": _l("Service categories and communities"),
    "org": _l("Organisations"),
    "call": _l("Calls"),
    "proposal": _l("Proposals"),
    "template": _l("Indicator templates"),
    "expert": _l("Experts"),
    "panel": _l("Review panels"),
    "sheet": _l("Score sheets"),
    "contract": _l("Contracts"),
    "evaluation": _l("Project evaluations"),
    "rectification": _l("Rectification tasks"),
    "survey": _l("Satisfaction surveys"),
    "resident": _l("Residents"),
    "voucher_programme": _l("Voucher programmes"),
    "voucher_service": _l("Voucher services"),
    "voucher": _l("Vouchers"),
    "export": _l("Data exports"),  # downloads of files holding people's data, recorded per kind of file
    "document": _l("Official documents"),
    "calendar": _l("Working-day calendar"),
}


def action_choices() -> list[SelectChoice]:
    """The known actions for a select, grouped by prefix: 'all actions', then per group 'all of the group' (its
    prefix with the dot, 'voucher.', which the prefix search reads as every voucher action and no
    voucher_programme one) and its actions in the order their package registered them."""
    groups: dict[str, list[str]] = {}
    for code in ACTION_LABELS:
        groups.setdefault(code.split(".", 1)[0], []).append(code)
    order = [prefix for prefix in ACTION_GROUPS if prefix in groups] + sorted(set(groups) - set(ACTION_GROUPS))
    choices = [SelectChoice("", _("All actions"))]
    for prefix in order:
        name = str(ACTION_GROUPS.get(prefix, prefix))
        choices.append(SelectChoice(f"{prefix}.", _("All: %(group)s", group=name), optgroup=name))
        choices += [SelectChoice(code, action_label(code), optgroup=name) for code in groups[prefix]]
    return choices


def action_label(code: str) -> str:
    label = ACTION_LABELS.get(code)
    return str(label) if label is not None else code


# The audit log names an event's target by its type (the table's name, as stored and hashed) with this label beside
# it, and its target type filter is a select of these labels. Like ACTION_GROUPS, the labels of every package's
# targets are here, roughly in the order of work on the platform; a type without one is shown as stored.
TARGET_LABELS = {
    "users": _l("User account"),
    "api_tokens": _l("API token"),
    "issued_documents": _l("Official document"),
    "calendar_days": _l("Calendar day"),
    "service_categories": _l("Service category"),
    "communities": _l("Community"),
    "organisations": _l("Organisation"),
    "org_memberships": _l("Organisation membership"),
    "org_annual_reports": _l("Annual report"),
    "org_credit_entries": _l("Credit list entry"),
    "org_grades": _l("Evaluation grade"),
    "org_incubations": _l("Incubation"),
    "org_documents": _l("Organisation document"),
    "calls": _l("Call"),
    "call_questions": _l("Question on a call"),
    "objections": _l("Objection"),
    "proposals": _l("Proposal"),
    "indicator_templates": _l("Indicator template"),
    "expert_profiles": _l("Expert"),
    "expert_conflicts": _l("Standing conflict"),
    "panels": _l("Review panel"),
    "panel_members": _l("Review panel member"),
    "score_sheets": _l("Score sheet"),
    "award_decisions": _l("Award decision"),
    "contracts": _l("Contract"),
    "contract_changes": _l("Contract change request"),
    "milestone_reports": _l("Progress report"),
    "tranches": _l("Payment tranche"),
    "expenses": _l("Expense"),
    "fee_payments": _l("Fee payment"),
    "project_evaluations": _l("Project evaluation"),
    "evaluation_agencies": _l("Evaluation agency"),
    "evaluation_assignments": _l("Evaluator assignment"),
    "evaluation_document_requests": _l("Document request"),
    "rectification_tasks": _l("Rectification task"),
    "surveys": _l("Satisfaction survey"),
    "resident_profiles": _l("Resident"),
    "voucher_programmes": _l("Voucher programme"),
    "voucher_services": _l("Voucher service"),
    "voucher_issuance_batches": _l("Issuance batch"),
    "vouchers": _l("Voucher"),
    "voucher_codes": _l("One-time code"),
    "voucher_redemptions": _l("Redemption"),
    "voucher_disputes": _l("Voucher dispute"),
    "voucher_ratings": _l("Service rating"),
    "voucher_settlements": _l("Settlement statement"),
}


def target_label(target_type: str) -> str:
    label = TARGET_LABELS.get(target_type)
    return str(label) if label is not None else target_type


def target_choices() -> list[SelectChoice]:
    """The target type filter's options: 'all target types', then each labelled type (its stored name the value, so
    the filter matches what was hashed), in the order they were registered, as the action filter's groups are."""
    return [SelectChoice("", _("All target types"))] + [SelectChoice(code, str(label))
                                                         for code, label in TARGET_LABELS.items()]


# target type -> (endpoint, its id argument): the page showing the thing an event is about. A package above audit
# registers its own pages (audit cannot import them); the page itself still checks who may see it.
TARGET_PAGES: dict[str, tuple[str, str]] = {}


def register_target_page(target_type: str, endpoint: str, id_arg: str) -> None:
    TARGET_PAGES[target_type] = (endpoint, id_arg)


def target_page_url(target_type: str, target_id) -> str | None:
    """The address of the event's target's own page, or None (no page registered, or an id that is no number)."""
    from flask import url_for
    from werkzeug.routing import BuildError

    page = TARGET_PAGES.get(target_type or "")
    number = _id_number(target_id)
    if page is None or number is None:
        return None
    try:
        return url_for(page[0], **{page[1]: number})
    except BuildError:  # the package's blueprint not registered in this app
        return None


# target type -> the PUBLIC page (one anyone may open without logging in) showing what a document of that type is
# about: the public verification page links to it, so an outsider holding the paper can go from the document to the
# live public record. Registered by the package owning the page, with its own test of whether that page is public now.
@dataclass(frozen=True)
class PublicPage:
    endpoint: str
    id_arg: str
    # target id -> the id the public page is keyed by (the target's own, or its call's, contract's, provider's…)
    # while that page is public for an anonymous visitor (as the page itself decides it); None: not public now,
    # or no such thing. Never a page behind a login, never one answering 404.
    public_id: Callable[[int], int | None]
    label: object  # what the link reads (lazy, translated when shown)
    anchor: str | None = None


PUBLIC_PAGES: dict[str, PublicPage] = {}


def register_public_page(target_type: str, endpoint: str, id_arg: str, *, public_id: Callable[[int], int | None],
                         label=None, anchor: str | None = None) -> None:
    PUBLIC_PAGES[target_type] = PublicPage(endpoint, id_arg, public_id, label or _l("its public page"), anchor)


def public_page_of(target_type: str, target_id) -> tuple[str, str] | None:
    """(address, label) of the public page of what a document is about, when there is one and it is public now."""
    from flask import url_for
    from werkzeug.routing import BuildError

    page = PUBLIC_PAGES.get(target_type or "")
    number = _id_number(target_id)
    if page is None or number is None or (key := page.public_id(number)) is None:
        return None
    try:
        return url_for(page.endpoint, **{page.id_arg: key}, _anchor=page.anchor), str(page.label)
    except BuildError:  # the package's blueprint not registered in this app
        return None


def _id_number(target_id) -> int | None:
    text = str(target_id or "")
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None
