"""The API reference for people (/api): the OpenAPI description (core.openapi) laid out as a page by the app's own
template: no script, nothing from elsewhere. The operations' texts are the description's (English); the page's own
words are translated."""

from dataclasses import dataclass, field

from flask import Blueprint, render_template
from markdown_it import MarkdownIt
from markupsafe import Markup

from .openapi import spec

bp = Blueprint("api_reference", __name__)
_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
REF = "#/components/schemas/"


@dataclass
class Row:
    """One field of a schema: its name (nested ones as `lines[].item`), type, whether required, limits, text."""

    name: str
    type: str
    link: str | None  # the named shape it is, if any (an anchor on the page)
    required: bool
    limits: str
    description: str


@dataclass
class Operation:
    method: str
    path: str
    anchor: str
    summary: str
    description: Markup
    public: bool
    parameters: list[Row]
    body: list[Row]
    multipart: bool
    status: str
    response: list[Row]
    response_ref: str | None
    errors: list[tuple[str, str]] = field(default_factory=list)


def _name(reference: str) -> str:
    return reference.removeprefix(REF)


def type_of(schema: dict) -> tuple[str, str | None]:
    """A short type ("array of string (date)") and the named shape it refers to, if any."""
    if "$ref" in schema:
        return _name(schema["$ref"]), _name(schema["$ref"])
    for key in ("anyOf", "oneOf"):
        if key in schema:
            parts = [type_of(s) for s in schema[key]]
            return " | ".join(text for text, _ in parts), next((link for _, link in parts if link), None)
    kind = schema.get("type", "object")
    kinds = kind if isinstance(kind, list) else [kind]
    if "array" in kinds:
        inner, link = type_of(schema.get("items", {}))
        return " | ".join(f"array of {inner}" if k == "array" else k for k in kinds), link
    if kinds[0] == "object" and "additionalProperties" in schema and not schema.get("properties"):
        inner, link = type_of(schema["additionalProperties"]) if isinstance(schema["additionalProperties"], dict) \
            else ("any", None)
        return f"map of {inner}", link
    text = " | ".join(kinds)
    return (f"{text} ({schema['format']})" if "format" in schema else text), None


def limits_of(schema: dict) -> str:
    """The constraints, in JSON Schema's own words (they are part of the contract, not prose)."""
    parts = []
    if "enum" in schema:
        parts.append("one of " + ", ".join("null" if v is None else str(v) for v in schema["enum"]))
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is not None or high is not None:
        parts.append(f"{'' if low is None else low} … {'' if high is None else high}")
    for key in ("minLength", "maxLength", "maxItems", "multipleOf", "pattern"):
        if key in schema:
            parts.append(f"{key} {schema[key]}")
    for inner in (schema.get("items"), *schema.get("anyOf", [])):
        if isinstance(inner, dict) and "type" in inner and inner.get("type") != "null" and inner is not schema:
            parts.append(limits_of(inner))
    return "; ".join(p for p in parts if p)


def rows(schema: dict, prefix: str = "") -> list[Row]:
    """The schema's fields, nested inline objects flattened (`budget_lines[].item`); named shapes are linked."""
    if "$ref" in schema or schema.get("type") not in ("object", None) or "properties" not in schema:
        if "items" in schema and "properties" in schema["items"]:
            return rows(schema["items"], prefix + "[]")
        return []
    required = set(schema.get("required", []))
    found = []
    for name, sub in schema["properties"].items():
        text, link = type_of(sub)
        full = f"{prefix}.{name}" if prefix else name
        found.append(Row(full, text, link, name in required, limits_of(sub), sub.get("description", "")))
        inline = sub.get("items", sub) if isinstance(sub.get("items"), dict) else sub
        if "properties" in inline and "$ref" not in inline:
            found += rows(inline, full + ("[]" if inline is not sub else ""))
        elif isinstance(sub.get("additionalProperties"), dict) and "properties" in sub["additionalProperties"]:
            found += rows(sub["additionalProperties"], full + ".*")
    return found


def _top(schema: dict | None) -> tuple[list[Row], str | None]:
    """An answer's fields, or the named shape it is."""
    if not schema:
        return [], None
    if "$ref" in schema or "oneOf" in schema:
        return [], type_of(schema)[1]
    return rows(schema), None


def _operations(document: dict) -> dict[str, list[Operation]]:
    by_tag: dict[str, list[Operation]] = {t["name"]: [] for t in document["tags"]}
    for path, ops in document["paths"].items():
        for method, op in ops.items():
            status, success = next((code, r) for code, r in op["responses"].items() if code.startswith("2"))
            response = success.get("content", {}).get("application/json", {}).get("schema")
            content = op.get("requestBody", {}).get("content", {})
            response_rows, response_ref = _top(response)
            parameters = [Row(p["name"], type_of(p["schema"])[0] + f" ({p['in']})", None, p["required"],
                              limits_of(p["schema"]), p.get("description", "")) for p in op.get("parameters", [])]
            by_tag[op["tags"][0]].append(Operation(
                method=method.upper(), path=path, anchor=op["operationId"].replace(".", "-"), summary=op["summary"],
                description=Markup(_md.render(op.get("description", ""))), public={} in op["security"],
                parameters=parameters, body=rows(content.get("application/json", {}).get("schema", {})),
                multipart="multipart/form-data" in content, status=status, response=response_rows,
                response_ref=response_ref,
                errors=[(code, document["components"]["responses"][r["$ref"].rsplit("/", 1)[1]]["description"])
                        for code, r in op["responses"].items() if not code.startswith("2")]))
    return by_tag


@bp.route("/api")
def api_reference():
    document = spec()
    shapes = {name: rows(schema) for name, schema in document["components"]["schemas"].items()}
    descriptions = {name: schema.get("description", "") for name, schema in document["components"]["schemas"].items()}
    return render_template("core/api_reference.html", info=document["info"],
                           intro=Markup(_md.render(document["info"]["description"])), tags=document["tags"],
                           operations=_operations(document), shapes=shapes, shape_descriptions=descriptions)
