"""The OpenAPI 3.1 description of the JSON API under /api/v1, built from the routes themselves.

The paths, methods and path parameters come from the app's url_map, so they cannot differ from the routes. What a
route takes and answers is written beside its view with @api_doc (request body, query, response schema, errors),
using the services' own limits (proposals.MAX_TEXT, contract_reports.MAX_NARRATIVE…) rather than copies of them;
the shapes an API answers with are declared beside the functions that build them (component()). A route without a
description is missing from the spec, which tests/test_openapi.py refuses, as it refuses an answer that does not
match its declared shape (response objects allow no undeclared field).

Served at GET /api/v1/openapi.json (public) and shown to people at /api (core.views.api_reference)."""

import json
import re
from collections.abc import Iterable

from flask import current_app, request

from .api import API_PREFIX, api_blueprint
from .money import MAX_FEN
from .views import DB_INT_MAX

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1"
HIDDEN_METHODS = {"HEAD", "OPTIONS"}
_components: dict[str, dict] = {}

TAGS = [
    ("Account", "The token's own user."),
    ("Organisations", "The public directory of social organisations, and registration applications."),
    ("Calls and proposals", "Open calls for proposals (public) and an organisation's own proposals."),
    ("Contracts", "An organisation's contracts: milestones, progress reports, expenses and changes; the officers' "
                  "watch list; payments to recipients who confirm them."),
    ("Evaluation", "Evaluators' assignments, conflict declarations and score sheets; published results and "
                   "evaluations."),
    ("Vouchers", "Resident service vouchers: providers redeem and list their services; residents get codes, see "
                 "their balance, dispute and rate redemptions; officers and providers read settlement statements, "
                 "and officers approve and pay them."),
    ("Residents' needs", "Needs residents raise for their community (居民需求): a resident raises one and follows it; "
                         "the community's staff and officers take it on and close it with a reply."),
    ("Audit", "The hash-chained audit trail."),
    ("Reference", "This description."),
]

DESCRIPTION = """\
The JSON API of Gongzhi 共治. It calls the same services, with the same checks and the same per-object permissions,
as the web pages: anything the API refuses, the pages refuse too.

**Authentication.** Send a personal API token as `Authorization: Bearer gz_…`. Tokens are created on the account
page (or with `flask users token NAME`), shown once, stored hashed and revocable; a token acts as its user, with
that user's roles and memberships. The session cookie never authenticates the API. Operations marked as public
answer without a token; a token that is sent must be valid (else 401) on every operation.

**Errors.** Every refusal is a JSON object `{"error": {"code": "...", "message": "...", "fields": {...}}}`:
`message` is one sentence in the user's language (Chinese by default; send `Accept-Language: en` for English),
`fields` names each refused field with its own reason (it may be empty). 400: the request could not be read; 401:
no valid token; 403: the token's user may not do this; 404: no such record, or one the user may not see (an
organisation's drafts are 404 to others, not 403); 409: the record's current state does not allow it (a call
closed, a report already waiting); 422: the data is not acceptable (see `fields`). Nothing is changed by a refused
request. A 5xx is a bug.

**Conventions.** Money is an integer number of fen (分; 100 fen = 1 yuan), never a decimal. Dates are
`YYYY-MM-DD` (Beijing time); times are ISO 8601 with their offset. Texts over a field's limit are refused, never
cut. Lists take `page` (from 1) and `per_page` (at most 100) and answer `total`.
"""


# --- schema helpers: small functions so that a description reads like the data it describes -----------------------

def component(name: str, schema: dict) -> dict:
    """Registers a named schema (components/schemas) and returns a reference to it."""
    if _components.setdefault(name, schema) != schema:
        raise ValueError(f"two different schemas are named {name}")
    return ref(name)


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _described(schema: dict, description: str | None) -> dict:
    return {**schema, "description": description} if description else schema


def string(max_length: int | None = None, description: str | None = None, *, min_length: int | None = None,
           enum: Iterable[str] | None = None, fmt: str | None = None, pattern: str | None = None) -> dict:
    schema: dict = {"type": "string"}
    if enum is not None:
        schema["enum"] = [str(getattr(v, "value", v)) for v in enum]
    for key, value in (("maxLength", max_length), ("minLength", min_length), ("format", fmt), ("pattern", pattern)):
        if value is not None:
            schema[key] = value
    return _described(schema, description)


def integer(description: str | None = None, *, minimum: int | None = None, maximum: int | None = None) -> dict:
    schema: dict = {"type": "integer"}
    if minimum is not None:
        schema["minimum"] = minimum
    if maximum is not None:
        schema["maximum"] = maximum
    return _described(schema, description)


def number(description: str | None = None) -> dict:
    return _described({"type": "number"}, description)


def boolean(description: str | None = None) -> dict:
    return _described({"type": "boolean"}, description)


def identifier(description: str | None = None) -> dict:
    """A record's id: a positive whole number within a database integer."""
    return integer(description, minimum=1, maximum=DB_INT_MAX)


def fen(description: str | None = None, *, minimum: int | None = 0, maximum: int | None = MAX_FEN) -> dict:
    """An amount of money in fen (integer; 100 fen = 1 yuan)."""
    return integer(f"{description + ' ' if description else ''}In fen (100 fen = 1 yuan).", minimum=minimum,
                   maximum=maximum)


def iso_date(description: str | None = None) -> dict:
    return string(description=description, fmt="date")


def timestamp(description: str | None = None) -> dict:
    return string(description=description, fmt="date-time")


def array(items: dict, description: str | None = None, *, max_items: int | None = None) -> dict:
    schema: dict = {"type": "array", "items": items}
    if max_items is not None:
        schema["maxItems"] = max_items
    return _described(schema, description)


def nullable(schema: dict) -> dict:
    """The schema, or null."""
    if "type" in schema and "$ref" not in schema:
        kind = schema["type"]
        return {**schema, "type": [*(kind if isinstance(kind, list) else [kind]), "null"],
                **({"enum": [*schema["enum"], None]} if "enum" in schema else {})}
    return {"anyOf": [schema, {"type": "null"}]}


def record(description: str | None = None, /, **properties: dict) -> dict:
    """An object the API answers with: every property is always there, and there are no others."""
    return _described({"type": "object", "properties": properties, "required": list(properties),
                       "additionalProperties": False}, description)


def body(description: str | None = None, /, *, required: Iterable[str] = (), **properties: dict) -> dict:
    """An object a client sends: the properties the API reads (others are ignored)."""
    schema: dict = {"type": "object", "properties": properties}
    if required := list(required):
        schema["required"] = required
    return _described(schema, description)


def mapping(values: dict, description: str | None = None) -> dict:
    """An object whose keys are data (criterion ids, indicator names)."""
    return _described({"type": "object", "additionalProperties": values}, description)


def page_of(item: dict) -> dict:
    return record(items=array(item), total=integer(minimum=0), page=integer(minimum=1),
                  per_page=integer(minimum=1, maximum=100))


def list_of(item: dict) -> dict:
    return record(items=array(item))


PAGING = {"page": integer("Page number, from 1.", minimum=1),
          "per_page": integer("Items per page (default 20).", minimum=1, maximum=100)}

ERROR = component("Error", record(
    "A refusal. Nothing was changed.",
    error=record(code=string(description="A stable, machine-readable code, e.g. `invalid`, `conflict`, `forbidden`, "
                                         "`not_found`, `unauthorized`, `invalid_token`, `bad_json`."),
                 message=string(description="One sentence for a person, in the request's language."),
                 fields=mapping(string(), "Each refused field (by the name it has in the request) and why."))))

ERRORS = {
    400: "The request could not be read (for instance a NUL character in a text).",
    401: "No token, or the token is invalid or revoked.",
    403: "The token's user may not do this.",
    404: "No such record, or one the token's user may not see.",
    409: "The record's current state does not allow this.",
    422: "The data is not acceptable: `fields` names each refused field and why.",
}


# --- the decorator -------------------------------------------------------------------------------------------------

def api_doc(summary: str, *, tag: str, description: str | None = None, method: str | None = None,
            public: bool = False, query: dict | None = None, request: dict | None = None,
            request_optional: bool = False, multipart: dict | None = None, response: dict | None = None,
            status: int = 200, errors: Iterable[int] = (), params: dict[str, str] | None = None):
    """Describes one operation of the API view below it (stack one per method when a view serves several).

    query: the query parameters' schemas by name; request: the JSON body's schema (request_optional: it may be left
    out); response: the success answer's schema and status; errors: refusals beyond those every operation of its
    kind has (400 and 401 always; 404 with a path parameter; 422 with a body or a query). params: descriptions of
    path parameters, where the default ("The record's id.") is not enough."""
    assert tag in {name for name, _ in TAGS}, tag

    def decorator(view):
        docs = view.__dict__.setdefault("openapi", {})
        docs[method] = {"summary": summary, "tag": tag, "description": description, "public": public,
                        "query": query or {}, "request": request, "request_optional": request_optional,
                        "multipart": multipart, "response": response, "status": status, "errors": set(errors),
                        "params": params or {}}
        return view

    return decorator


# --- the document --------------------------------------------------------------------------------------------------

_ARGUMENT = re.compile(r"<(?:(?P<converter>\w+)(?:\((?P<args>[^)]*)\))?:)?(?P<name>\w+)>")


def path_of(rule: str) -> tuple[str, list[tuple[str, dict]]]:
    """A Werkzeug rule as an OpenAPI path, and its parameters' schemas: <int:call_id> -> {call_id}."""
    parameters = []

    def parameter(match: re.Match) -> str:
        converter, name = match["converter"], match["name"]
        if converter == "int":
            schema = identifier()
        elif converter == "any":
            schema = string(enum=[v.strip().strip("'\"") for v in match["args"].split(",")])
        else:
            schema = string()
        parameters.append((name, schema))
        return "{" + name + "}"

    return _ARGUMENT.sub(parameter, rule), parameters


def _operation(endpoint: str, method: str, doc: dict, path_params: list[tuple[str, dict]], several: bool) -> dict:
    parameters = [{"name": name, "in": "path", "required": True, "schema": schema,
                   "description": doc["params"].get(name, "The record's id." if schema["type"] == "integer"
                                                    else "One of the values listed.")}
                  for name, schema in path_params]
    parameters += [{"name": name, "in": "query", "required": False, "schema": schema,
                    **({"description": schema["description"]} if "description" in schema else {})}
                   for name, schema in doc["query"].items()]
    op: dict = {"operationId": f"{endpoint}.{method.lower()}" if several else endpoint, "tags": [doc["tag"]],
                "summary": doc["summary"]}
    if doc["description"]:
        op["description"] = doc["description"]
    if parameters:
        op["parameters"] = parameters
    if doc["request"] is not None:
        content = {"application/json": {"schema": doc["request"]}}
        if doc["multipart"] is not None:
            content["multipart/form-data"] = {"schema": doc["multipart"]}
        op["requestBody"] = {"required": not doc["request_optional"], "content": content}
    success = {"description": "Done." if method != "GET" else "Found.",
               **({"content": {"application/json": {"schema": doc["response"]}}} if doc["response"] else {})}
    errors = {400, 401} | doc["errors"]  # (400: any request may be unreadable, a NUL in a query argument say)
    if path_params:
        errors.add(404)
    if doc["request"] is not None or doc["query"]:
        errors |= {400, 422}
    op["responses"] = {str(doc["status"]): success,
                       **{str(code): {"$ref": f"#/components/responses/E{code}"} for code in sorted(errors)}}
    # Public operations answer without a token; one that is sent must be valid.
    op["security"] = [{}, {"bearerAuth": []}] if doc["public"] else [{"bearerAuth": []}]
    return op


def build_spec(app) -> dict:
    paths: dict[str, dict] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith(API_PREFIX + "/"):
            continue
        docs = getattr(app.view_functions[rule.endpoint], "openapi", {})
        path, path_params = path_of(rule.rule)
        methods = sorted(rule.methods - HIDDEN_METHODS)
        for method in methods:
            doc = docs.get(method) or docs.get(None)
            if doc is not None:  # an undescribed route is left out, and tests/test_openapi.py names it
                paths.setdefault(path, {})[method.lower()] = _operation(rule.endpoint, method, doc, path_params,
                                                                        len(methods) > 1)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": "Gongzhi 共治 API", "version": API_VERSION, "description": DESCRIPTION},
        "tags": [{"name": name, "description": text} for name, text in TAGS],
        "paths": paths,
        "components": {
            "schemas": dict(sorted(_components.items())),
            "responses": {f"E{code}": {"description": text, "content": {"application/json": {"schema": ERROR}}}
                          for code, text in ERRORS.items()},
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "gz_…",
                                               "description": "A personal API token from the account page."}},
        },
    }


def spec() -> dict:
    """The app's description, built once per process (the routes do not change while it runs)."""
    if "openapi" not in current_app.extensions:
        current_app.extensions["openapi"] = build_spec(current_app)
    return current_app.extensions["openapi"]


bp = api_blueprint("openapi_api")


@bp.route("/openapi.json")
@api_doc("This description (OpenAPI 3.1)", tag="Reference", public=True, response={"type": "object"},
         description="Public and cacheable: send `If-None-Match` with the ETag to revalidate.")
def openapi_json():
    response = current_app.response_class(json.dumps(spec(), ensure_ascii=False, indent=1),
                                          mimetype="application/json")
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.add_etag()
    return response.make_conditional(request)
