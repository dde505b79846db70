from datetime import date

from flask import abort, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from core.api import api_blueprint, api_user, id_list, json_object, page_args, query_int, text_field
from core.db import db
from core.errors import ServiceError
from core.openapi import (
    PAGING,
    api_doc,
    array,
    body,
    component,
    identifier,
    integer,
    iso_date,
    nullable,
    page_of,
    record,
    string,
)

from . import directory, permissions, services
from .enums import OrgKind, OrgStatus
from .models import Organisation
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
        raise ServiceError(_("Please correct the marked fields."), fields={"grade": _("A grade is 1A to 5A.")})
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
        raise ServiceError(_("Please correct the marked fields."),
                           fields={field: _("Use the date format YYYY-MM-DD.")}) from exc


def _parse_count(body: dict, field: str):
    value = body.get(field, 0)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ServiceError(_("Please correct the marked fields."), fields={field: _("Enter a whole number.")})
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
                                     "required except for community organisations and social enterprises)."),
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
