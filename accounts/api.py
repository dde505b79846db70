from flask import abort, jsonify
from flask_login import current_user

from core.api import api_blueprint

bp = api_blueprint("accounts_api")


@bp.route("/me")
def me():
    if not current_user.is_authenticated:
        abort(401)
    return jsonify({"id": current_user.id, "username": current_user.username,
                    "display_name": current_user.display_name, "roles": sorted(current_user.role_names)})
