"""Officer pages: suspend a running programme (暂停) with a reason, and resume it (恢复). Each is a button on the
programme page; the change is programmes.transition_programme's. A reason left out or too long: a page naming it,
with a link back to the form (422, core.views.valid_form); nothing changed."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import TextAreaField

from core.forms import DataRequired, Length, strip_text
from core.permissions import require
from core.views import run_and_redirect, valid_form

from . import pages_support, programmes
from . import permissions as perms
from .enums import ProgrammeStatus
from .forms import StatusForm
from .models import Programme
from .officer_views import load_programme
from .programme_suspension import MAX_REASON
from .views import bp


class SuspendProgrammeForm(FlaskForm):
    reason = TextAreaField(_l("Reason for suspending"), filters=[strip_text], validators=[
        DataRequired(message=_l("Give the reason for suspending the programme.")),
        Length(max=MAX_REASON, message=_l("A reason has at most %(n)d characters.", n=MAX_REASON))])


def _managed(programme_id: int) -> Programme:
    programme = load_programme(programme_id)
    require(perms.can_manage_programmes(current_user))
    return programme


@bp.route("/programmes/<int:programme_id>/suspend", methods=["POST"])
@login_required
def programme_suspend(programme_id: int):
    programme = _managed(programme_id)
    form = valid_form(SuspendProgrammeForm())
    return run_and_redirect(
        lambda: programmes.transition_programme(programme, ProgrammeStatus.SUSPENDED, actor=current_user,
                                                reason=form.reason.data),
        _("Programme suspended. Its providers have been told."),
        pages_support.back_to_programme(programme.id, "programme-suspension"))


@bp.route("/programmes/<int:programme_id>/resume", methods=["POST"])
@login_required
def programme_resume(programme_id: int):
    programme = _managed(programme_id)
    form = valid_form(StatusForm())
    return run_and_redirect(
        lambda: programmes.transition_programme(programme, ProgrammeStatus.ACTIVE, actor=current_user,
                                                reason=form.reason.data or ""),
        _("Programme resumed. Its providers have been told."), pages_support.back_to_programme(programme.id))
