from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from core.db import db
from core.errors import ServiceError, http_error, invalid
from core.extensions import limiter
from core.form_checks import reasons_in, refusals_of, say_at_once
from core.permissions import require
from core.phones import typed_mobile
from core.security import local_path
from core.views import form_status, run_and_redirect, run_service, valid_form

from . import notifications, services, sessions, tokens
from .forms import ConfirmForm, LoginForm, PasswordChangeForm, SignupForm, TokenForm
from .lockout import login_account_key
from .models import ApiToken
from .permissions import can_revoke_token

bp = Blueprint("accounts", __name__)
NEW_TOKEN = "new_api_token"  # (session key) the secret of the token just made, until the account page shows it


def fresh_session() -> None:
    """A new session at log-in, sign-up and log-out (nothing of the one before carries over), but in the language
    chosen on the switcher before: someone who chose English on the log-in page is not sent on in Chinese."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_IP_LIMIT"], methods=["POST"],
               error_message=lambda: _("Too many login attempts from your network. Please wait a minute."))
@limiter.limit(lambda: current_app.config["LOGIN_ACCOUNT_LIMIT"], methods=["POST"], key_func=login_account_key,
               deduct_when=lambda response: g.get("login_failed", False),
               error_message=lambda: _("This account is locked for a while after repeated failed logins. "
                                       "Please try again in 15 minutes."))
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.username.data, form.password.data)
            refusal = None if user else _("Incorrect user name or password.")
        except services.AccountDeactivated as deactivated:
            user, refusal = None, deactivated.message
        if refusal:  # a failed log-in either way: recorded, and counted by the per-account limit
            g.login_failed = True
            sessions.record_failed_login(form.username.data)
            db.session.commit()
            form.password.errors.append(refusal)
        else:
            sessions.record_login(user)
            db.session.commit()
            fresh_session()
            session.permanent = True
            login_user(user)
            return redirect(local_path(request.args.get("next")))
    # Refused (a wrong password, an empty field): 422, the form shown again with the name as typed and the reason
    # beside the password, as every refused form is (not 401, which promises an HTTP authentication challenge).
    return render_template("accounts/login.html", form=form), form_status()


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def signup():
    """Anyone may open an account (to apply for an organisation, or as a resident to be verified)."""
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = SignupForm()
    made = None
    if form.validate_on_submit() and (made := run_service(lambda: _sign_up(form), form)):
        user = made.value
        fresh_session()
        session.permanent = True
        login_user(user)
        flash(_("Your account has been created."), "success")
        if not request.args.get("next"):  # the next step for what the account is for: tell the community who
            # you are; for an organisation, its page (apply to register it, or accept an invitation to one). The
            # home page put the residents' vouchers first to someone who had just said they came for an organisation.
            return redirect(url_for("vouchers.my_profile_page" if form.purpose.data == "resident" else "orgs.mine"))
        return redirect(local_path(request.args.get("next")))
    # A number registered already is most often the person's own, forgotten: the page says to log in with it.
    refusals = [made.refusal] if made is not None and not made else []
    if form.is_submitted() and form.errors:
        refusals += _signup_refusals(form)
        say_at_once(form, reasons_in(refusals))
    phone_taken = any(r.status == 409 and "phone" in (r.fields or {}) for r in refusals)
    return render_template("accounts/signup.html", form=form, phone_taken=phone_taken), \
        422 if form.errors else 200  # refused: as typed


def _signup_refusals(form: SignupForm) -> list[ServiceError]:
    """What services.sign_up says of the user name and the mobile number, asked of its checks alone (they read and
    write nothing): a form refused for a password or a name said that the number was no mobile number only on the
    next attempt. The user name is the number when none is typed, as sign_up makes it; the number is checked apart
    too, since a user name taken stops the checks before the number."""
    username, phone = services.normalise_username(form.username.data), typed_mobile(form.phone.data)
    if not username and not phone:
        return [invalid({"username": _("Enter a user name or a phone number.")})]
    return refusals_of(lambda: services._validate_identity(username or phone, phone or None),
                       lambda: services._validate_identity(None, phone or None))


def _sign_up(form: SignupForm):
    user = services.sign_up(username=form.username.data, phone=form.phone.data, display_name=form.display_name.data,
                            password=form.password.data, resident=form.purpose.data == "resident")
    notifications.notify(user.id, "account.welcome", name=user.display_name)
    sessions.record_login(user)
    return user


@bp.route("/notifications", methods=["GET", "POST"])
@login_required
def notifications_page():
    form = ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        notifications.mark_all_read(current_user.id)
        db.session.commit()
        return redirect(url_for("accounts.notifications_page"))
    return render_template("accounts/notifications.html", items=notifications.recent(current_user.id), form=form)


@bp.app_context_processor
def _unread_notifications():
    def unread() -> int:
        if not current_user.is_authenticated:
            return 0
        counted = getattr(current_user, "unread_at_load", None)  # counted with the session user, in one query
        return counted if counted is not None else notifications.unread_count(current_user.id)

    return {"unread_notifications": unread}


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    if ConfirmForm().validate_on_submit():
        sessions.end_sessions(current_user._get_current_object())
        db.session.commit()
    logout_user()
    fresh_session()
    flash(_("You have logged out."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/account")
@login_required
def account():
    # a token just made (create_token): its secret shown on this one page, never again, not even on a reload
    return render_template("accounts/account.html", tokens=tokens.tokens_of(current_user),
                           token_form=TokenForm(), confirm_form=ConfirmForm(), new_token=session.pop(NEW_TOKEN, None))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordChangeForm()
    if form.validate_on_submit() and run_service(lambda: services.change_password(
            current_user, form.current_password.data, form.new_password.data), form):
        login_user(current_user._get_current_object())  # this browser keeps a session with the new nonce
        flash(_("Your password has been changed. Other sessions have been logged out."), "success")
        return redirect(url_for("accounts.account"))
    return render_template("accounts/password.html", form=form), 422 if form.errors else 200


@bp.route("/account/tokens", methods=["POST"])
@login_required
def create_token():
    """Post, redirect, get: a made token's secret goes to the account page through the session, which shows it once
    (a reload there neither posts again, making a second token nobody saw, nor shows the secret again). The session
    is the user's own signed cookie, as much a key to the account as the token; the secret leaves it on that GET."""
    form = TokenForm()
    made = form.validate_on_submit() and run_service(
        lambda: tokens.create_token(current_user, form.name.data, actor=current_user), form)
    if made:
        session[NEW_TOKEN] = made.value[1]
        return redirect(url_for("accounts.account", _anchor="api-tokens"))
    # A refused name stays in the form, with the reason beside it.
    return render_template("accounts/account.html", tokens=tokens.tokens_of(current_user), token_form=form,
                           confirm_form=ConfirmForm(), new_token=None), 422


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id: int):
    token = db.get_or_404(ApiToken, token_id)
    require(can_revoke_token(current_user, token))
    valid_form(ConfirmForm())
    return run_and_redirect(lambda: tokens.revoke_token(token, actor=current_user),
                            _("The token has been revoked."), url_for("accounts.account"))


@bp.errorhandler(429)
def _throttled(exc):
    """Throttled logins stay on the login page, with the reason in plain words (other pages: the usual 429)."""
    if request.endpoint != "accounts.login":
        return http_error(exc)
    return render_template("accounts/login.html", form=LoginForm(formdata=None),
                           lockout_message=exc.description), 429

from . import slip_views  # noqa: E402, F401  (its routes, on this blueprint)
