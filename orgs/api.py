from datetime import date

from flask import abort, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from core.api import api_blueprint, id_list, json_object, page_args, text_field
from core.db import db
from core.errors import ServiceError

from . import directory, permissions, services
from .models import Organisation
from .validation import OrgData

bp = api_blueprint("orgs_api")


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


def _int_arg(name: str) -> int | None:
    value = request.args.get(name)
    if value in (None, ""):
        return None
    if not (value.isascii() and value.isdigit()) or len(value) > 9:
        raise ServiceError(_("Please correct the marked fields."), fields={name: _("Enter a whole number.")})
    return int(value)


@bp.route("/orgs")
def list_orgs():
    page, per_page = page_args()
    flt = directory.DirectoryFilter(q=request.args.get("q", ""), kind=request.args.get("kind", ""),
                                    category_id=_int_arg("category"), grade=_int_arg("grade"),
                                    community_id=_int_arg("community"))
    items, total, grades = directory.search(flt, page, per_page)
    return jsonify({"items": [org_json(o, grades.get(o.id), False) for o in items], "total": total, "page": page,
                    "per_page": per_page})


@bp.route("/orgs/<int:org_id>")
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
def create_org():
    if not current_user.is_authenticated:
        abort(401)
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
