"""The expert pool (专家库): officers keep each evaluator's seat type, fields of expertise and affiliated
organisations (an expert is never drawn for a call one of them applied to). Routes on evaluation.views' blueprint."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from accounts.models import User, UserRole
from core.db import db
from core.errors import invalid
from core.forms import Refused
from core.permissions import require
from core.views import attempt, db_int, form_status

from . import expert_conflicts, panels, permissions
from .forms import ExpertForm
from .models import ExpertProfile
from .views import bp


@bp.route("/experts", methods=["GET", "POST"])
@login_required
def experts():
    require(permissions.can_manage_pool(current_user))
    evaluators = list(db.session.scalars(select(User).join(UserRole).where(UserRole.role == "evaluator")
                                         .order_by(User.username)))
    refused = Refused()
    if request.method == "POST":
        user = db.get_or_404(User, request.form.get("user_id", type=db_int) or 0)
        form = ExpertForm()
        if form.validate_on_submit():
            outcome = attempt(lambda: panels.save_expert(user, form.seat_type.data, form.expertise.data,
                                                         _organisation_numbers(form.affiliations.data),
                                                         form.active.data, actor=current_user))
            if outcome:
                flash(_("Expert profile saved."), "success")
                return redirect(url_for("evaluation.experts"))
            refusal = outcome.refusal
        else:
            refusal = invalid({name: " ".join(map(str, errors))
                                                       for name, errors in form.errors.items()})
        # Refused: that expert's row again as typed, the reason beside its field (it was the page as if just
        # opened, the row as stored and nothing said, or a flash after a redirect).
        flash(str(refusal.message), "danger")
        refused = Refused(f"expert-{user.id}", refusal.fields, request.form)
    profiles = {p.user_id: p for p in db.session.scalars(select(ExpertProfile))}
    return render_template("evaluation/experts.html", evaluators=evaluators, profiles=profiles, refused=refused,
                           conflicts=expert_conflicts.by_user(), form=ExpertForm(formdata=None)), form_status()


def _organisation_numbers(text: str | None) -> list[int]:
    try:
        return [db_int(x) for x in (text or "").replace("，", ",").split(",") if x.strip()]
    except ValueError as exc:
        message = _("Affiliations are organisation numbers separated by commas.")
        raise invalid({"affiliations": message}) from exc
