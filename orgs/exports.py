"""The directory as an Excel workbook (openpyxl), streamed in pages so memory stays flat.

Its columns are the public register (what each organisation's public page shows, of organisations the public may
see; no contact details), so its download is not recorded in the audit trail as exports of residents' data are
(vouchers.exports). A column of personal data added here must be audited as those are."""

import io

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from sqlalchemy.orm import selectinload

from core.db import db

from .directory import DirectoryFilter, current_grades, directory_query
from .models import Organisation

BATCH = 1000


def _cells(sheet, values: list) -> list:
    """Text typed by applicants stays text: openpyxl would store '=…' as a formula that Excel runs on opening."""
    out = []
    for value in values:
        if isinstance(value, str) and value.startswith("="):
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            value = cell
        out.append(value)
    return out


def directory_workbook(flt: DirectoryFilter) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Organisations"))
    sheet.append([_("Number"), _("Organisation name"), _("Kind"), _("Status"), _("Credit code / filing number"),
                  _("Legal representative"), _("Registered on"), _("Grade"), _("Service categories"),
                  _("Communities served"), _("Full-time staff"), _("Certified social workers"), _("Volunteers"),
                  _("Address")])
    stmt = directory_query(flt).options(selectinload(Organisation.categories),
                                        selectinload(Organisation.communities)).order_by(Organisation.id)
    last_id = 0
    while True:
        rows = list(db.session.scalars(stmt.where(Organisation.id > last_id).limit(BATCH)))
        if not rows:
            break
        grades = current_grades([o.id for o in rows])
        for org in rows:
            sheet.append(_cells(sheet, [org.id, org.name, org.kind_enum.label, org.status_label, org.code,
                          org.legal_representative, org.registered_on, f"{grades[org.id]}A" if org.id in grades
                          else "", "、".join(c.name_zh for c in org.categories),
                          "、".join(c.full_name for c in org.communities), org.full_time_staff,
                          org.certified_social_workers, org.volunteers, org.address]))
        last_id = rows[-1].id
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
