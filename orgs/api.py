from datetime import date

from flask import abort, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from core.api import (
    api_blueprint,
    api_user,
    committed,
    id_list,
    json_and_files,
    json_object,
    page_args,
    query_int,
    text_field,
)
from core.db import db
from core.errors import Forbidden, invalid
from core.openapi import (
    PAGING,
    api_doc,
    array,
    body,
    component,
    identifier,
    integer,
    iso_date,
    list_of,
    mapping,
    nullable,
    page_of,
    record,
    string,
    timestamp,
)

from . import changes, directory, permissions, services
from .enums import REGISTERED_ITEMS, ChangeStatus, OrgKind, OrgStatus
from .models import ChangeRequest, Organisation
from .validation import MAX_LENGTHS, OrgData

bp = api_blueprint("orgs_api")


COUNT = integer(minimum=0, maximum=1_000_000)
PLACE = record(id=identifier(), name=string())
ORG_FIELDS = dict(
    id=identifier(), name=string(120), kind=string(enum=OrgKind), status=string(enum=OrgStatus),
    uscc=nullable(string(18, "Unified social credit code (统一社会信用代码).")),
    filing_number=nullable(string(30, "Filing number of a community social organisation (备案).")),
    legal_representative=string(60), registration_authority=string(100), registered_on=nullable(iso_date()),
    address=string(200), grade=nullable(integer("Current civil-affairs grade (1A–5A).", minimum=1, maximum=5)),
    categories=array(string(description="Service category code.")), communities=array(PLACE),
    staff=record(full_time=COUNT, certified_social_workers=COUNT, volunteers=COUNT))
ORG = component("Organisation", record("An organisation as the public directory shows it.", **ORG_FIELDS))
ORG_PRIVATE = component("OrganisationWithContact", record(
    "An organisation with its contact, for its members and the officers.",
    **ORG_FIELDS, contact=record(name=string(60), phone=string(20), email=string(254))))


def org_json(org: Organisation, grade: int | None, private: bool) -> dict:
    body = {
        "id": org.id, "name": org.name, "kind": org.kind, "status": org.status, "uscc": org.uscc,
        "filing_number": org.filing_number, "legal_representative": org.legal_representative,
        "registration_authority": org.registration_authority,
        "registered_on": org.registered_on.isoformat() if org.registered_on else None, "address": org.address,
        "grade": grade, "categories": [c.code for c in org.categories],
        "communities": [{"id": c.id, "name": c.full_name} for c in org.communities],
        "staff": {"full_time": org.full_time_staff, "certified_social_workers": org.certified_social_workers,
                  "volunteers": org.volunteers},
    }
    if private:
        body["contact"] = {"name": org.contact_name, "phone": org.contact_phone, "email": org.contact_email}
    return body


@bp.route("/orgs")
@api_doc("Search the directory of organisations", tag="Organisations", public=True, response=page_of(ORG),
         description="Registered (or filed) organisations only; applications are not listed.",
         query={"q": string(description="Words of the name, or its pinyin initials."),
                "kind": string(enum=OrgKind), "category": identifier("A service category's id."),
                "grade": integer("Organisations whose current grade is this one (1 for 1A … 5 for 5A).", minimum=1,
                                 maximum=5),
                "community": identifier("A community served."), **PAGING})
def list_orgs():
    page, per_page = page_args()
    grade = query_int("grade")
    if grade is not None and not 1 <= grade <= 5:  # (a larger one overflowed PostgreSQL's smallint column: a 500)
        raise invalid({"grade": _("A grade is 1A to 5A.")})
    flt = directory.DirectoryFilter(q=request.args.get("q", ""), kind=request.args.get("kind", ""),
                                    category_id=query_int("category"), grade=grade,
                                    community_id=query_int("community"))
    items, total, grades = directory.search(flt, page, per_page)
    return jsonify({"items": [org_json(o, grades.get(o.id), False) for o in items], "total": total, "page": page,
                    "per_page": per_page})


@bp.route("/orgs/<int:org_id>")
@api_doc("An organisation", tag="Organisations", public=True, response={"oneOf": [ORG, ORG_PRIVATE]},
         description="The contact is included for the organisation's members and for officers. An application "
                     "that is not public is a 404 to others.")
def get_org(org_id: int):
    org = db.session.get(Organisation, org_id)
    if org is None or not permissions.can_view_org(current_user, org):
        abort(404)
    grades = directory.current_grades([org.id])
    return jsonify(org_json(org, grades.get(org.id), permissions.can_view_private(current_user, org)))


def _parse_date(value, field: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise invalid({field: _("Use the date format YYYY-MM-DD.")}) from exc


def _parse_count(body: dict, field: str):
    value = body.get(field, 0)
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid({field: _("Enter a whole number.")})
    return value


@bp.route("/orgs", methods=["POST"])
@api_doc("Apply to register an organisation", tag="Organisations", status=201, response=ORG_PRIVATE,
         description="Creates a draft application with the token's user as its manager, checked as on the "
                     "registration form. Texts are stripped before their length is checked.",
         request=body(
             required=["name", "kind", "legal_representative", "registration_authority", "registered_on", "address",
                       "contact_name", "contact_phone", "category_ids", "community_ids"],
             name=string(120, "The full registered name (2–120 characters).", min_length=2),
             kind=string(enum=OrgKind),
             uscc=string(description="Unified social credit code (18 characters with its check character; "
                                     "required except for community social organisations)."),
             legal_representative=string(MAX_LENGTHS["legal_representative"]),
             registration_authority=string(MAX_LENGTHS["registration_authority"]),
             registered_on=iso_date("Not in the future, not before 1949-10-01."),
             address=string(MAX_LENGTHS["address"]), contact_name=string(MAX_LENGTHS["contact_name"]),
             contact_phone=string(20, "A mobile number (11 digits) or a landline with its area code."),
             contact_email=string(MAX_LENGTHS["contact_email"], fmt="email"),
             description=string(MAX_LENGTHS["description"]),
             full_time_staff=COUNT, certified_social_workers=COUNT, volunteers=COUNT,
             category_ids=array(identifier(), "Service categories (at least one)."),
             community_ids=array(identifier(), "Communities served (at least one).")))
def create_org():
    api_user()
    body = json_object()
    # Text fields must be text: a number or a list is refused, never stored as its Python repr. Their lengths are
    # checked by the validation (orgs.validation), as for the form.
    data = OrgData(**{k: text_field(body, k) for k in (
        "name", "kind", "uscc", "legal_representative", "registration_authority", "address", "contact_name",
        "contact_phone", "contact_email", "description")},
        registered_on=_parse_date(body.get("registered_on"), "registered_on"),
        full_time_staff=_parse_count(body, "full_time_staff"),
        certified_social_workers=_parse_count(body, "certified_social_workers"),
        volunteers=_parse_count(body, "volunteers"),
        category_ids=id_list(body, "category_ids"), community_ids=id_list(body, "community_ids"))
    org = services.create_application(data, actor=current_user)
    db.session.commit()
    return jsonify(org_json(org, None, True)), 201


# --- change registration (变更登记) ----------------------------------------------------------------------------------

CHANGE = component("OrganisationChange", record(
    "A change registration (变更登记): the registered items as asked for (all four, the unchanged as they were) and "
    "the officer's decision.",
    id=identifier(), org_id=identifier(), status=string(enum=ChangeStatus), name=string(120),
    uscc=nullable(string(18)), legal_representative=string(MAX_LENGTHS["legal_representative"]),
    address=string(MAX_LENGTHS["address"]),
    changes=mapping(array(nullable(string()), max_items=2),
                    "The items that change: `[as registered when asked, as asked]` by item."),
    reason=string(changes.MAX_REASON),
    document=nullable(record("The supporting document.", name=string(), sha256=string(64),
                             size=integer(minimum=0))),
    requested_at=timestamp(), decided_at=nullable(timestamp()),
    decision_reason=string(changes.MAX_REASON, "The officer's reason (required when rejecting).")))
CHANGE_IN = body(
    required=["reason"],
    name=string(120, "The full name (2–120 characters).", min_length=2),
    uscc=string(description="Unified social credit code (18 characters with its check character; required except "
                            "for community social organisations)."),
    legal_representative=string(MAX_LENGTHS["legal_representative"]), address=string(MAX_LENGTHS["address"]),
    reason=string(changes.MAX_REASON, "Why the items change."))
CHANGE_MULTIPART = body(
    "The same request with its supporting document: the JSON in `data`, the file in `document`.",
    required=["data"], data=string(description="The request as JSON text."),
    document=string(fmt="binary", description="A PDF, an image (PNG, JPEG) or an Office document."))


def change_json(change: ChangeRequest) -> dict:
    file = change.document
    return {
        "id": change.id, "org_id": change.org_id, "status": change.status, "name": change.name,
        "uscc": change.uscc, "legal_representative": change.legal_representative, "address": change.address,
        "changes": change.changes, "reason": change.reason,
        "document": {"name": file.original_name, "sha256": file.sha256, "size": file.size} if file else None,
        "requested_at": change.requested_at.isoformat(),
        "decided_at": change.decided_at.isoformat() if change.decided_at else None,
        "decision_reason": change.decision_reason,
    }


def _private_org(org_id: int, allowed) -> Organisation:
    """The organisation (404 when the user may not see it), if `allowed` for the token's user (else 403)."""
    org = db.session.get(Organisation, org_id)
    if org is None or not permissions.can_view_org(current_user, org):
        abort(404)
    if not allowed(current_user, org):
        raise Forbidden(_("You do not have permission to do this."))
    return org


@bp.route("/orgs/<int:org_id>/changes")
@api_doc("An organisation's change requests", tag="Organisations", response=list_of(CHANGE), errors=[403],
         description="Its requests to change its registered items, newest first, for its members and the officers "
                     "and auditors (as on its page).")
def list_changes(org_id: int):
    api_user()
    org = _private_org(org_id, permissions.can_view_private)
    return jsonify({"items": [change_json(c) for c in changes.history(org)]})


@bp.route("/orgs/<int:org_id>/changes", methods=["POST"])
@api_doc("Request a change of registered items", tag="Organisations", status=201, response=CHANGE,
         errors=[403, 409], request=CHANGE_IN, multipart=CHANGE_MULTIPART,
         description="By a manager of a registered organisation; an officer approves or rejects it, and approved, "
                     "the items become the organisation's. An item left out stays as registered; at least one must "
                     "change. One request at a time: while one awaits review, another is a 409.")
def request_change(org_id: int):
    actor = api_user()
    org = _private_org(org_id, permissions.can_request_change)
    data, files = json_and_files()
    # Texts must be text (a number or a list is refused, never stored as its repr); the service checks the rest.
    items = changes.RegisteredItems(**{name: text_field(data, name) if name in data else getattr(org, name) or ""
                                       for name in REGISTERED_ITEMS})
    reason, document = text_field(data, "reason"), files.get("document") if files else None
    answer = committed(lambda: change_json(changes.request_change(org, items, reason, document, actor=actor)))
    return jsonify(answer), 201


@bp.route("/orgs/changes/<int:change_id>/<any(approve, reject, withdraw):action>", methods=["POST"])
@api_doc("Decide or withdraw a change request", tag="Organisations", response=CHANGE, errors=[403, 409],
         params={"action": "`approve` or `reject` (officers; rejecting needs a reason), `withdraw` (the "
                           "organisation's manager)."},
         request=body(reason=string(changes.MAX_REASON, "Required when rejecting.")), request_optional=True,
         description="Approved, the items asked for become the organisation's registered items. A request decided "
                     "or withdrawn already (another officer, a second tab) is a 409 and nothing changes; so is an "
                     "approval whose credit code another organisation has taken since.")
def decide_change(change_id: int, action: str):
    actor = api_user()
    change = db.session.get(ChangeRequest, change_id) or abort(404)
    _private_org(change.org_id, permissions.is_manager if action == "withdraw" else permissions.can_review)
    reason = text_field(json_object(optional=True), "reason")
    to = {"approve": ChangeStatus.APPROVED, "reject": ChangeStatus.REJECTED, "withdraw": ChangeStatus.WITHDRAWN}

    def decide() -> dict:
        changes.transition_change(change, to[action], actor=actor, reason=reason)
        return change_json(change)

    return jsonify(committed(decide))
