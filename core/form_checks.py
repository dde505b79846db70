"""Every reason on the first refusal. A form refused by its own checks (a field left empty, an amount it could not
read) never reaches its service, so the service's reasons for the other fields (a phone number, a user name taken)
were said only on the next attempt, and the form was refused twice. A view whose form is refused asks the service's
checks, which change nothing, for their reasons too and puts each beside its field.

    if form.is_submitted() and form.errors:
        say_at_once(form, reasons_of(lambda: catalogue.check_service(service_data(form))))
"""

from collections.abc import Callable

from .errors import ServiceError


def refusals_of(*checks: Callable[[], object]) -> list[ServiceError]:
    """The refusals of the checks, each a call that reads, writes nothing and refuses with a ServiceError (for a page
    that tells one kind apart: a number registered already, 409)."""
    found = []
    for check in checks:
        try:
            check()
        except ServiceError as refusal:
            found.append(refusal)
    return found


def reasons_of(*checks: Callable[[], object]) -> dict[str, str]:
    """The reasons, by field name, that the checks give (refusals_of); a field's first reason is kept. A refusal with
    no field (a conflict as a whole) adds nothing: the service says it when the form is sent again."""
    return reasons_in(refusals_of(*checks))


def reasons_in(refusals: list[ServiceError]) -> dict[str, str]:
    found: dict[str, str] = {}
    for refusal in refusals:
        for name, message in (refusal.fields or {}).items():
            found.setdefault(name, str(message))
    return found


def say_at_once(form, errors: dict[str, str], names: dict | None = None) -> None:
    """Put each reason beside its field (names: the service's name for a field to the form's, where they differ),
    unless the form has a reason of its own there already: the form's reading of what was typed comes first."""
    for name, message in errors.items():
        field = form._fields.get((names or {}).get(name, name))
        if field is not None and not field.errors:
            field.errors = [message]
