from flask import current_app, g, jsonify
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from core.api import api_blueprint, api_user
from core.db import db, ensure_write_transaction
from core.openapi import api_doc, array, component, identifier, record, string

from . import tokens
from .enums import Role

bp = api_blueprint("accounts_api")


ME = component("Me", record(
    "The token's user.", id=identifier(), username=string(), display_name=string(),
    roles=array(string(enum=Role), "The user's roles (organisation memberships are per organisation).")))


@bp.route("/me")
@api_doc("The token's user", tag="Account", response=ME)
def me():
    api_user()
    return jsonify({"id": current_user.id, "username": current_user.username,
                    "display_name": current_user.display_name, "roles": sorted(current_user.role_names)})


@bp.after_app_request
def _record_token_use(response):
    """Record that the request's API token was used (tokens.user_for_token noted it, at most every
    TOKEN_USE_INTERVAL per token), once the response is ready, in a short transaction of its own.

    Not in the request's transaction: a GET's is a deferred read on SQLite, which must not be upgraded to a write
    (that can fail under load) and is never committed; a POST's is rolled back when the request is refused, and its
    lock on the token's row would otherwise last the whole request. Same connection and session, so no second
    connection waits on the request's own lock (SQLite) or on the test harness's outer transaction."""
    token_id = g.pop(tokens.TOKEN_USE_DUE, None)
    if token_id is None:
        return response
    db.session.rollback()  # whatever the request left uncommitted (a refusal) is not ours to commit
    ensure_write_transaction()  # on SQLite, a GET's new transaction now takes the write lock up front
    try:
        tokens.record_token_use(token_id)
        db.session.commit()
    except SQLAlchemyError:
        # The answer is ready and right; a timestamp that could not be written (the database busy) must not turn it
        # into a 500. The token's id only: never the token.
        db.session.rollback()
        current_app.logger.warning("Could not record the use of API token #%s", token_id, exc_info=True)
    return response
