"""Select, radio and check-box fields get their options as wtforms.SelectChoice, never as (value, label) tuples:
WTForms 3.3 deprecates tuples (a DeprecationWarning only when they are given to the field's constructor) and 3.4
drops them. Every form class of the app is made with an example of whatever its constructor lists the options
from, and every assignment of choices in the app's code (views set some) is read for tuples."""

import ast
import importlib
import inspect
import pkgutil
import warnings
from pathlib import Path

import wtforms
from wtforms import SelectChoice
from wtforms.fields.choices import SelectFieldBase

from accounts.models import Community, User
from evaluation.models import IndicatorTemplate
from evaluation.project_models import EvaluationAgency
from orgs.models import Organisation, ServiceCategory
from projects.models import Call
from vouchers.models import VoucherService
from vouchers.redemption import BalanceLine

PACKAGES = ("core", "accounts", "audit", "orgs", "projects", "evaluation", "vouchers")
ROOT = Path(__file__).resolve().parents[2]


def _examples(form_class) -> dict:
    """One of each thing a form's constructor makes options of (unsaved rows of the real models)."""
    templates = ([(7, "通用模板")] if form_class.__name__ == "CallForm"  # calls.review_rules.template_choices
                 else [IndicatorTemplate(id=7, name="通用模板")])
    return {"categories": [ServiceCategory(id=1, code="elderly", name_zh="养老", name_en="Elderly care")],
            "communities": [Community(id=2, name="和平社区", street="幸福街道", district="和平区")],
            "templates": templates,
            "agencies": [EvaluationAgency(org_id=3, org=Organisation(id=3, name="评估中心"))],
            "evaluators": [User(id=4, username="pingu", display_name="评估员")],
            "organisations": [(5, "阳光社工")],
            "calls": [Call(id=6, title="养老服务")],
            "services": [VoucherService(id=8, name="助浴", price_fen=5000)],
            "lines": [BalanceLine(9, "助老券", 10000, 2, None)],
            "org_kind": "community",  # (DocumentForm: a community group names its certificate otherwise)
            "suggested": {10: 4}}  # (PrintForm: codes a sheet would carry, by programme)


def _form_classes() -> list[type]:
    for package in PACKAGES:
        for module in pkgutil.iter_modules(importlib.import_module(package).__path__):
            importlib.import_module(f"{package}.{module.name}")
    found, todo = [], [wtforms.form.BaseForm]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.split(".")[0] in PACKAGES and sub not in found:
                found.append(sub)
    return found


def _made(form_class):
    examples = _examples(form_class)
    kwargs = {}
    # The keyword-only parameters of every __init__ on the way up (a form that only passes **kwargs on to a mixin's:
    # OrgApplicationForm to ServicesForm's categories and communities).
    params = {p.name: p for klass in reversed(form_class.__mro__) if "__init__" in vars(klass)
              for p in inspect.signature(vars(klass)["__init__"]).parameters.values()}
    for param in params.values():
        if param.kind is not param.KEYWORD_ONLY or param.name in ("with_tags", "id_masked", "locale"):
            continue
        if param.name in examples:
            kwargs[param.name] = examples[param.name]
        else:
            # withheld, conflicted, overridable (CommissionForm): not options; anything else needs an example
            assert param.name in ("withheld", "conflicted", "overridable"), \
                f"{form_class.__name__}({param.name}=…): add an example of it to _examples"
    return form_class(formdata=None, **kwargs)


def test_every_form_gives_its_options_as_select_choices(app):
    classes = _form_classes()
    assert len(classes) > 60  # the discovery found the app's forms
    checked = 0
    with app.test_request_context(headers={"Accept-Language": "zh"}), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for form_class in classes:
            form = _made(form_class)
            for field in form:
                rows = [field] if isinstance(field, SelectFieldBase) else \
                    [f for entry in getattr(field, "entries", [field]) for f in getattr(entry, "form", [])]
                for select in (f for f in rows if isinstance(f, SelectFieldBase) and f.choices is not None):
                    offered = select.choices
                    assert offered and all(isinstance(c, SelectChoice) for c in offered), \
                        f"{form_class.__name__}.{select.name}: {offered!r}"
                    assert select().count("<option") + select().count("<input") >= len(offered)  # drawn, each
                    select.validate(form)
                    checked += 1
    assert checked >= 40
    from_wtforms = [str(w.message) for w in caught if "wtforms" in w.filename or "choices" in str(w.message)]
    assert from_wtforms == []


def _tuples_given_as_choices(tree: ast.AST):
    """Lines where choices (`x.choices = …`, `choices=…`) are, or are built of, tuples."""
    for node in ast.walk(tree):
        assigned = isinstance(node, ast.Assign) and any(isinstance(t, ast.Attribute) and t.attr == "choices"
                                                        for t in node.targets)
        if not (assigned or isinstance(node, ast.keyword) and node.arg == "choices"):
            continue
        for inner in ast.walk(node.value):
            elements = inner.elts if isinstance(inner, ast.List) else \
                [inner.elt] if isinstance(inner, (ast.ListComp, ast.GeneratorExp)) else []
            if any(isinstance(e, ast.Tuple) for e in elements):
                yield node.lineno


def test_no_code_of_the_app_sets_choices_as_tuples():
    paths = sorted(path for package in PACKAGES for path in (ROOT / package).rglob("*.py"))
    found = [f"{path.relative_to(ROOT)}:{line}" for path in paths
             for line in _tuples_given_as_choices(ast.parse(path.read_text(encoding="utf-8")))]
    assert found == []
    # (the check itself finds what WTForms 3.4 refuses)
    assert list(_tuples_given_as_choices(ast.parse('f.choices = [("", "—"), *[(c.id, c.name) for c in cs]]')))
    assert list(_tuples_given_as_choices(ast.parse('SelectField(choices=[("1", "a")])')))
