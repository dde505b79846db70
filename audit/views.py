import re

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from core.csvexport import csv_response
from core.db import db, ensure_write_transaction
from core.errors import INVALID, json_error, wants_json
from core.extensions import limiter
from core.pdf import official_language
from core.permissions import require
from core.personal import mask_name
from core.timeutil import utcnow
from core.views import form_status

from . import chain, documents, verification
from . import services as audit
from .display import csv_rows, key_label, shown_data
from .export_readings import EXPORT_AUDIT_LOG, preload_filter_actors
from .forms import AuditFilterForm, HeadCheckForm, VerifyCodeForm, VerifyFileForm
from .labels import action_label, public_page_of, target_label, target_page_url
from .permissions import (
    can_download_document,
    can_download_restricted,
    can_issue_head_certificate,
    can_view_audit_log,
)

bp = Blueprint("audit", __name__, url_prefix="/audit")
documents_bp = Blueprint("documents", __name__)
PER_PAGE = 50
HEAD_CERTIFICATE = "audit_head"  # the doc_type of a certificate of the audit chain's head
CHECK_LIMIT = "30 per minute"  # uploads and hashes checked, per address
# Codes asked about that were not issued, per address: a typo or two costs nothing, guessing codes is slow.
UNKNOWN_CODE_LIMIT = "10 per minute;30 per hour"
# Who the public verification page names in full as a document's issuer: platform staff and evaluators acting in
# office. Anyone else (a resident printing her own vouchers, an organisation's member issuing a statement) is a
# private person, shown masked as personal data shown to the public always is (DESIGN.md rule 6).
HEX_DIGEST = re.compile(r"[0-9a-f]{64}")
HEX_DIGEST_IN_TEXT = re.compile(r"(?<![0-9A-Fa-f])[0-9A-Fa-f]{64}(?![0-9A-Fa-f])")
NAMED_ISSUER_ROLES = ("admin", "officer", "auditor", "community_staff", "evaluator")


@bp.route("/")
@login_required
def log():
    require(can_view_audit_log(current_user))
    form = AuditFilterForm(request.args)
    filters = {k: v for k, v in request.args.items() if k in form._fields and k != "before"}  # (never _scheme…)
    if not form.validate():  # the errors show beside the filters (a bad cursor above the list); an unfiltered
        # list would look filtered, and the newest page would look like the one asked for
        return render_template("audit/log.html", form=form, events=[], next_url=None, shown_data=shown_data,
                               newest_url=url_for("audit.log", **filters)), 422
    events = audit.search_events(form.event_filter(), before=form.cursor, limit=PER_PAGE + 1)
    has_more = len(events) > PER_PAGE
    events = events[:PER_PAGE]
    preload_filter_actors(events)  # the accounts the page's downloads were filtered by, in one query
    next_url = url_for("audit.log", before=events[-1].seq, **filters) if has_more else None
    first_page_url = url_for("audit.log", **filters) if form.cursor is not None else None  # back from older pages
    return render_template("audit/log.html", form=form, events=events, next_url=next_url,
                           first_page_url=first_page_url, shown_data=shown_data, csv_filters=filters)


@bp.route("/log.csv")
@login_required
def log_csv():
    """The filtered log as a spreadsheet, every hashed field included (audit.display), up to the head when asked.
    Recorded (who downloaded what, by filter and head; the actor filter by account id) before it streams."""
    require(can_view_audit_log(current_user))
    form = AuditFilterForm(request.args)
    if not form.validate():
        return log()  # the page, with the errors beside the filters (a 422)
    ensure_write_transaction()  # (a GET that writes its audit event: the write lock first, as the other downloads)
    flt, up_to = form.event_filter(), verification.head().seq
    asked = {name: str(form[name].data) for name in ("action", "target_type", "target_id", "date_from", "date_to")
             if form[name].data}
    if flt.actor:
        asked["actor_id"] = audit.actor_id_named(flt.actor)
        if asked["actor_id"] is None:  # no such account: what was typed, for the log to say what was asked
            asked["actor"] = flt.actor.strip().lower()
    audit.record(EXPORT_AUDIT_LOG, None, actor=current_user, data={"up_to_seq": up_to, "filter": asked})
    db.session.commit()
    return csv_response(csv_rows(flt, up_to), f"{_('Audit log')}-{up_to}", fallback=f"audit-log-{up_to}")


@bp.route("/head")
@bp.route("/head.json", endpoint="head_json")
def head():
    current = verification.head()
    if request.endpoint == "audit.head_json" or request.args.get("format") == "json" or wants_json():
        if "seq" in request.args:  # a script holding the platform to a head it kept
            return _hash_at_json(current)
        return jsonify({"seq": current.seq, "hash": current.hash, "at": utcnow().isoformat()})
    kept, status = _kept_head_check(current)
    return render_template("audit/head.html", head=current, genesis=chain.GENESIS, read_at=utcnow(), kept=kept,
                           certificate_allowed=can_issue_head_certificate(current_user),
                           log_allowed=can_view_audit_log(current_user)), status


def _hash_at_json(current):
    """The hash the chain holds at event #seq now, beside the head; a bad number is a 422, one past the head a 404."""
    form = HeadCheckForm(request.args)
    if not form.seq.validate(form):
        return json_error(422, "invalid", _(INVALID), {"seq": " ".join(map(str, form.seq.errors))})
    seq = int(form.seq.data)
    found = verification.hash_at(seq) if seq <= current.seq else None
    if found is None:
        return json_error(404, "not_found", _("The chain has no event #%(seq)d yet: it has %(n)d events so far.",
                                               seq=seq, n=current.seq))
    return jsonify({"seq": seq, "hash": found, "head": {"seq": current.seq, "hash": current.hash},
                    "at": utcnow().isoformat()})


def _kept_head_check(current) -> tuple[HeadCheckForm, int]:
    """A head written down earlier, checked against the chain now (form.answer: the hash it holds there), or the form
    empty. Its reasons beside the fields are a 422."""
    asked = bool({"seq", "hash"} & request.args.keys())
    form = HeadCheckForm(request.args if asked else None)
    form.answer = None
    if not asked:
        return form, 200
    if form.validate():
        seq = int(form.seq.data)
        form.answer = verification.hash_at(seq) if seq <= current.seq else None
        if form.answer is not None:
            return form, 200
        form.seq.errors.append(_("The chain has no event #%(seq)d yet: it has %(n)d events so far.", seq=seq,
                                 n=current.seq))
    return form, 422


@bp.route("/head/certificate", methods=["POST"])
@login_required
def head_certificate():
    require(can_issue_head_certificate(current_user))
    if not VerifyFileForm().validate_on_submit():  # only its CSRF token matters here
        abort(400)
    current = verification.head()
    result = verification.verify()
    with official_language():  # the title, shown on the public verification page, too
        document = documents.issue_document(
            "audit/head_certificate.html", title=_("Audit trail status certificate"), doc_type=HEAD_CERTIFICATE,
            actor=current_user, head=current, result=result, issued_at=utcnow(), issuer=current_user,
            # the public head page, where an outsider compares: the link checks the certificate's head at once
            head_url=documents.public_url("audit.head"),
            head_check_url=documents.public_url("audit.head", seq=current.seq, hash=current.hash))
    db.session.commit()
    # The verification's answer on the page itself: it was only in the PDF, behind a download.
    if result.ok:
        flash(_("The chain is intact: all %(n)d events were checked. Certificate issued.", n=result.checked), "success")
    else:
        flash(_("The chain is broken at event #%(seq)d (%(n)d events checked). The certificate issued says so.",
                seq=result.bad_seq, n=result.checked), "danger")
    return redirect(url_for("documents.verify", code=document.code))


@documents_bp.route("/verify", methods=["GET", "POST"])
@documents_bp.route("/verify/<code>", methods=["GET", "POST"])
@limiter.limit(CHECK_LIMIT, methods=["POST"],
               error_message=lambda: _("Too many checks from your network. Please wait a minute and try again."))
@limiter.limit(UNKNOWN_CODE_LIMIT, deduct_when=lambda response: response.status_code == 404,
               error_message=lambda: _("Too many verification codes that the platform did not issue were asked "
                                       "about from your network. Please try again later."))
def verify(code: str | None = None):
    if code is None and request.method != "POST" and "code" in request.args:  # typed from a paper copy
        return _look_up(VerifyCodeForm(request.args))
    document = documents.find_by_code(code) if code is not None else None
    if code is not None and document is None:
        return _unknown_code(code)
    return _verify_page(document, VerifyCodeForm(formdata=None))


def _look_up(lookup: VerifyCodeForm):
    """A code as typed leads to its page, by its stored form, so the answer has one address to bookmark."""
    if lookup.validate():
        return redirect(url_for("documents.verify", code=lookup.normalised))
    return _verify_page(None, lookup, check_upload=False, status=422)


def _unknown_code(code: str):
    """Not issued (or not a code at all): said beside the code, shown again to be corrected. Counts as a guess."""
    normalised = documents.normalise_code(code)
    shown = documents.display_code(normalised) if documents.is_well_formed(normalised) else code
    lookup = VerifyCodeForm(formdata=None, data={"code": shown})
    if lookup.validate():
        lookup.code.errors.append(_("The platform issued no document with this verification code. Check it against "
                                    "the paper."))
    return _verify_page(None, lookup, check_upload=False, status=404)


def _verify_page(document, lookup: VerifyCodeForm, *, check_upload: bool = True, status: int | None = None):
    """The page, with the answer to a file or hash checked (against the document shown, if any); a check refused
    (no file nor hash, not a PDF, not a SHA-256) is a 422, with the reason beside its field."""
    form = VerifyFileForm() if check_upload else VerifyFileForm(formdata=None)
    check = None  # None: nothing asked; else (matched: bool, document_found)
    if check_upload and form.validate_on_submit():
        digest = _asked_digest(form)
        if digest is not None:
            found = documents.find_by_sha256(digest)
            matched = found is not None and (document is None or found.id == document.id)
            # a file matched without a code: what became of it since, as its code's page says (with a code, the
            # document's card above says it)
            check = {"matched": matched, "digest": digest, "found": found,
                     "standing": documents.standing(found) if matched and document is None else None}
    can_download = document is not None and can_download_document(current_user, document)
    page = render_template("audit/verify.html", document=document, form=form, check=check, lookup=lookup,
                           can_download=can_download, standing=documents.standing(document) if document else None,
                           public_page=_public_page(document) if document else None,
                           issuer=issuer_shown(document, in_full=can_download_restricted(current_user, document))
                           if document else None)
    return page, status or (200 if check else form_status())


def _public_page(document) -> tuple[str, str] | None:
    """(address, label) of the live public page of what a document is about. A certificate of the audit chain's
    head is about the chain: the public head page, where anyone compares the head it states with the chain now."""
    if document.doc_type == HEAD_CERTIFICATE:
        return url_for("audit.head"), _("Audit chain head")
    return public_page_of(document.target_type, document.target_id)


def issuer_shown(document, *, in_full: bool) -> str | None:
    """The issuer as the verification page shows it (None: issued by the platform itself): the purchaser's office for
    the documents issued in its name (documents.PURCHASER_DOC_TYPES), with the officer who acted for it if any; a
    person's name in full to whoever may download the document and for staff acting in office, otherwise masked
    (张**)."""
    issuer = document.issuer
    name = None
    if issuer is not None:
        named = in_full or issuer.role_names & set(NAMED_ISSUER_ROLES)
        name = issuer.display_name if named else mask_name(issuer.display_name)
    if document.doc_type in documents.PURCHASER_DOC_TYPES:
        office = current_app.config["PURCHASER_NAME"]
        return _("%(office)s (officer: %(name)s)", office=office, name=name) if name else office
    return name


def _asked_digest(form: VerifyFileForm) -> str | None:
    """The SHA-256 asked about (of the uploaded file, or pasted), or None with the reason on the form."""
    upload = form.file.data
    pasted = (form.sha256.data or "").strip()
    if upload and upload.filename and pasted:  # one answer for one thing asked: never one of them silently ignored
        for field in (form.file, form.sha256):
            field.errors.append(_("Check one thing at a time: upload the PDF or paste its SHA-256, not both."))
        return None
    if upload and upload.filename:
        if not documents.is_pdf(upload.stream):  # all the platform issues are PDFs: not 'it may have been altered'
            form.file.errors.append(_("This file is not a PDF. Upload the PDF you received."))
            return None
        return documents.sha256_of_upload(upload.stream)
    digest = pasted_digest(form.sha256.data or "")
    if digest is None:
        form.sha256.errors.append(_("Upload the PDF or paste its SHA-256 (64 hexadecimal characters)."))
    return digest


def pasted_digest(text: str) -> str | None:
    """The SHA-256 in what was pasted, in lower case, or None. As the usual tools print it: bare, in capitals
    (PowerShell's Get-FileHash), in byte pairs or over two lines (certutil, a wrapped page), or with the file's name
    (sha256sum's 'digest  name', openssl's 'SHA2-256(name)= digest')."""
    joined = "".join(text.split()).lower()
    if HEX_DIGEST.fullmatch(joined):
        return joined
    found = {d.lower() for d in HEX_DIGEST_IN_TEXT.findall(text)}
    return found.pop() if len(found) == 1 else None


@documents_bp.route("/documents/<code>.pdf")
def download(code: str):
    """The PDF: to anyone when it is public (a call's announcement, its results announcement), else to its
    parties (audit.permissions); an anonymous visitor asking for another is sent to log in."""
    document = documents.find_by_code(code)
    if document is None:
        abort(404)
    if not can_download_document(current_user, document):
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()
        abort(403)
    response = make_response(documents.document_content(document))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{document.doc_type}-{document.code}.pdf"'
    return response


@bp.app_template_filter("action_label")
def _action_label(code: str) -> str:
    return action_label(code)


@bp.app_template_global("target_page_url")
def _target_page_url(target_type: str, target_id) -> str | None:
    return target_page_url(target_type, target_id)


@bp.app_template_filter("target_label")
def _target_label(target_type: str) -> str:
    return target_label(target_type)


@bp.app_template_filter("data_key_label")
def _data_key_label(key: str) -> str:
    return key_label(key)
