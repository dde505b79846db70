"""The managed lists: service categories and communities (officers keep them; everything else refers to them)."""

import re

from flask_babel import gettext as _
from sqlalchemy import func, select

from accounts.models import Community
from audit import services as audit
from core.db import db
from core.errors import Conflict, invalid

from .models import ServiceCategory

CODE_RE = re.compile(r"^[a-z][a-z0-9_]{1,39}\Z")


def add_category(code: str, name_zh: str, name_en: str, *, actor) -> ServiceCategory:
    code, name_zh, name_en = code.strip().lower(), name_zh.strip(), name_en.strip()
    errors = {}
    if not CODE_RE.match(code):
        errors["code"] = _("2–40 characters: lowercase letters, digits and '_', starting with a letter.")
    if not name_zh:
        errors["name_zh"] = _("Required.")
    if not name_en:
        errors["name_en"] = _("Required.")
    if errors:
        raise invalid(errors)
    if db.session.scalar(select(ServiceCategory.id).where(ServiceCategory.code == code)):
        raise Conflict(_("A category with this code exists."), fields={"code": _("Already used.")})
    order = (db.session.scalar(select(func.max(ServiceCategory.sort_order))) or 0) + 10
    category = ServiceCategory(code=code, name_zh=name_zh, name_en=name_en, sort_order=order, active=True)
    db.session.add(category)
    db.session.flush()
    audit.record("reference.category_added", category, actor=actor, data={"code": code, "name_zh": name_zh})
    return category


def set_category_active(category: ServiceCategory, active: bool, *, actor) -> None:
    if category.active == active:
        raise Conflict(_("Nothing to change."))
    category.active = active
    db.session.flush()
    audit.record("reference.category_enabled" if active else "reference.category_disabled", category, actor=actor,
                 data={"code": category.code})


def add_community(name: str, street: str, district: str, *, actor) -> Community:
    name, street, district = name.strip(), street.strip(), district.strip()
    errors = {k: _("Required.") for k, v in (("name", name), ("street", street), ("district", district)) if not v}
    if errors:
        raise invalid(errors)
    if db.session.scalar(select(Community.id).where(Community.name == name, Community.street == street,
                                                    Community.district == district)):
        raise Conflict(_("This community is already on the list."), fields={"name": _("Already on the list.")})
    community = Community(name=name, street=street, district=district)
    db.session.add(community)
    db.session.flush()
    audit.record("reference.community_added", community, actor=actor,
                 data={"name": name, "street": street, "district": district})
    return community


