from flask import flash

from .errors import ServiceError


def apply_service_error(form, exc: ServiceError) -> None:
    """Show a service's refusal on the form: field messages beside fields, the rest as a flash."""
    unplaced = []
    for name, message in exc.fields.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, str(message)] if isinstance(field.errors, list) else [str(message)]
        else:
            unplaced.append(str(message))
    flash(" ".join([exc.message, *unplaced]), "danger")
