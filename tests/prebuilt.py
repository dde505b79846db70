"""States many tests start from, built once per test process instead of once per test.

Some 200 tests begin with an active contract (`active_contract(app)`, directly or through `commissioned(app)`, or the
`contract_world` fixture): a call published, two organisations' proposals, an award decided and its publicity over, a
contract drawn up and signed. That renders four PDFs (announcement, results, award notice, contract), most of each
such test's time. Some 80 more start from a published call (`open_call`, `draft`: its announcement PDF) or a call in
publicity (`in_publicity`: two PDFs and a panel's scoring).

Such a test runs, like a test of the demo data, inside a rolled-back transaction on a database of this process's own
that already holds the state, built by the same helper through the same services (conftest.py, `*_database`
fixtures). The helper's or fixture's first call in that test hands over that state (`take`) instead of building it;
later calls build their own. So the test starts from the state it would have built itself, only built once.

Likewise some 80 tests start from an awarded call (`awarded_decision(app)`, directly or through `drawn_contract`: three
PDFs), run on a database holding one, and the score sheet tests from a review panel drawn for a closed call
(`review_panel(app)`: an announcement PDF and three proposals).

Which state a test gets is decided at collection (`state_for`): the state of the helper (HELPER_STATES: an active
contract, an awarded decision) its first statement calls, itself or through a function of the tests' whose first
statement does (a module's `ended_contract`, `decided`), or else the first statement of a fixture it asks for (a
module's `world`, `payable`, or the one a fixture parametrized by fixtures' names hands over for the test's parameter:
`request.getfixturevalue(request.param)`); or else the first of FIXTURE_STATES whose fixture it asks for
(contract_world…).
"""

import ast
import inspect
import textwrap

from core.db import db

MARKER = "prebuilt"
CONTRACT = "contract"
AWARDED = "awarded"
PANEL = "panel"
# A helper called first -> the state (database) the test runs on.
HELPER_STATES = {"active_contract": CONTRACT, "commissioned": CONTRACT, "awarded_decision": AWARDED,
                 "drawn_contract": AWARDED, "review_panel": PANEL}
HELPERS = frozenset(HELPER_STATES)
# Fixture -> the state (database) a test asking for it runs on; `draft`'s database also holds its `open_call`.
FIXTURE_STATES = {"contract_world": CONTRACT, "draft": "draft", "open_call": "open_call",
                  "in_publicity": "in_publicity"}

_offered: dict[str, tuple] = {}


def first_helper_state(function, depth: int = 2) -> str | None:
    """The state of the helper (HELPER_STATES) a function's first statement (after its docstring) calls, if any:
    directly, or through a function of the tests' own whose first statement does (a module's `ended_contract`,
    `decided`, `agency_evaluation`), up to `depth` such functions deep."""
    if not reaches_helper(function, depth):
        return None  # no need to read its source
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError):
        return None
    body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.FunctionDef) else []
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    called = [node.func.id for node in ast.walk(body[0]) if isinstance(node, ast.Call)
              and isinstance(node.func, ast.Name)] if body else []
    if helper := next((name for name in called if name in HELPERS), None):
        return HELPER_STATES[helper]
    return next(filter(None, (first_helper_state(f, depth - 1) for f in tests_functions(function, called))),
                None) if depth else None


def tests_functions(function, names) -> list:
    """The functions of the tests' own modules that `function` refers to by these names."""
    namespace = getattr(function, "__globals__", {})
    return [f for name in dict.fromkeys(names) if inspect.isfunction(f := namespace.get(name))
            and f.__module__.startswith("tests.")]


def reaches_helper(function, depth: int) -> bool:
    """Whether a function names a helper (HELPER_STATES), itself or through up to `depth` of the tests' functions."""
    names = getattr(getattr(function, "__code__", None), "co_names", ())
    return bool(HELPERS & set(names)) or depth > 0 and any(reaches_helper(f, depth - 1)
                                                          for f in tests_functions(function, names))


def handed_over(item, fixture, param):
    """The function of the fixture that `fixture`, parametrized by fixtures' names, hands over for the test's `param`
    (`request.getfixturevalue(request.param)`), if it is such a fixture."""
    if not isinstance(param, str) or "getfixturevalue" not in getattr(getattr(fixture, "__code__", None), "co_names",
                                                                      ()):
        return None
    definitions = item.session._fixturemanager.getfixturedefs(param, item)
    return definitions[-1].func if definitions else None


def fixture_functions(item):
    """The functions of the fixtures a collected test asks for (the definitions that apply to it), each followed by
    the one it hands over for the test's parameter, if it does (handed_over)."""
    definitions = getattr(getattr(item, "_fixtureinfo", None), "name2fixturedefs", {})
    params = getattr(getattr(item, "callspec", None), "params", {})
    for name in getattr(item, "fixturenames", ()):
        if defs := definitions.get(name):
            yield defs[-1].func
            if handed := handed_over(item, defs[-1].func, params.get(name)):
                yield handed


def state_for(item) -> str | None:
    """The prebuilt state a collected test starts from, if any."""
    function = getattr(item, "function", None)
    if function is None:
        return None
    if state := first_helper_state(function) or next(filter(None, map(first_helper_state, fixture_functions(item))),
                                                        None):
        return state
    fixtures = getattr(item, "fixturenames", ())
    return next((state for fixture, state in FIXTURE_STATES.items() if fixture in fixtures), None)


def ids(**objects) -> tuple:
    """What a state's builder records of what it built: (model, id) pairs (a tuple of them for a list of objects), in
    the order the helper returns them."""
    return tuple(tuple((type(o), o.id) for o in obj) if isinstance(obj, list) else (type(obj), obj.id)
                 for obj in objects.values())


def offer(built: dict[str, tuple]) -> None:
    """The states the test's database holds, by the name of the helper or fixture that hands each over."""
    _offered.clear()
    _offered.update(built)


def withdraw() -> None:
    _offered.clear()


def take(name: str) -> tuple | None:
    """What the helper or fixture `name` built in the test's database, loaded in the test's session, once per test;
    else None (the caller builds it)."""
    pairs = _offered.pop(name, None)
    if pairs is None:
        return None
    return tuple(db.session.get(*item) if item and isinstance(item[0], type) else [db.session.get(*p) for p in item]
                 for item in pairs)
