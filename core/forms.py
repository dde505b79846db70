from collections.abc import Mapping
from dataclasses import dataclass, field

from flask import flash
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import DateTimeLocalField, IntegerField, SelectMultipleField, StringField, validators
from wtforms.validators import StopValidation
from wtforms.widgets import TextInput

from .errors import INVALID, ServiceError, amount_too_large
from .money import AmountTooLarge, MoneyError, NegativeAmount, input_text, parse_yuan
from .numbers import NumberError, NumberTooLarge, parse_whole
from .timeutil import local_to_utc, to_local


def strip_text(value):
    """A filter for text fields (`filters=[strip_text]`): the services strip what they keep, so the forms count
    the same characters (a reason of exactly the limit with a space around it is neither refused by the page and
    accepted by the service, nor the other way round)."""
    return value.strip() if isinstance(value, str) else value


def form_errors_text(form) -> str:
    """A refused form's reasons as one sentence, each once (for a page that answers with a redirect and a flash)."""
    return " ".join(dict.fromkeys(str(e) for errors in form.errors.values() for e in errors))


def apply_service_error(form, exc: ServiceError, names: dict | None = None, *, summarised: bool = False,
                        once: bool = False) -> None:
    """Show a service's refusal on the form: field messages beside fields, the rest as a flash. names maps the
    service's name for a field to the form's, where they differ. summarised: the page lists the form's errors at its
    top under "Please correct the marked fields.", so that sentence is not flashed as well. once: a refusal tied to
    one field is said there only, in the refusal's own words (its fuller sentence: a short form's field is in view);
    the top banner is for reasons no field took."""
    fields = exc.fields
    if once and len(fields) == 1 and exc.message != _(INVALID):  # (not "correct the marked fields": the field's own)
        fields = {name: exc.message for name in fields}
    unplaced, placed = [], False
    for name, message in fields.items():
        if isinstance(message, list | tuple):  # several reasons for one field: one sentence, as refusal_text does
            message = " ".join(map(str, message))
        field = getattr(form, (names or {}).get(name, name), None)
        hidden = once and getattr(field, "type", "") in ("HiddenField", "CSRFTokenField")  # (no one would see it)
        if field is not None and hasattr(field, "errors") and not hidden:
            field.errors = [*field.errors, str(message)] if isinstance(field.errors, list) else [str(message)]
            placed = True
        else:
            unplaced.append(str(message))
    if summarised and not unplaced and exc.message == _(INVALID):
        return
    said = unplaced if once and placed else [exc.message, *unplaced]
    if said:
        flash(" ".join(dict.fromkeys(str(text) for text in said)), "danger")


REQUIRED = _l("This field is required.")


class DataRequired(validators.DataRequired):
    """WTForms' DataRequired with our catalog's message (此项为必填项), not WTForms' own stiff Chinese
    (该字段是必填字段). Import it from here, not from wtforms."""

    def __init__(self, message=None):
        super().__init__(message or REQUIRED)


class InputRequired(validators.InputRequired):
    """WTForms' InputRequired with our catalog's message, as DataRequired. Import it from here."""

    def __init__(self, message=None):
        super().__init__(message or REQUIRED)


class NumberRange(validators.NumberRange):
    """WTForms' NumberRange saying its rule in our words, translated by our catalog: WTForms' own Chinese said
    "greater than 0" (大于) for "at least 0" and "less than" (小于) for "at most" — a refusal of 0 that reads as if 0
    were not allowed, when it is. The English stays WTForms' own. Import it from here, not from wtforms."""

    def __init__(self, min=None, max=None, message=None):
        if message is None:
            if max is None:
                message = _l("Number must be at least %(min)s.")
            elif min is None:
                message = _l("Number must be at most %(max)s.")
            else:
                message = _l("Number must be between %(min)s and %(max)s.")
        super().__init__(min, max, message)


class Length(validators.Length):
    """WTForms' Length saying its rule in our words (至少 / 不超过 / 在…之间), translated by our catalog, also in a
    form's rows (a plain wtforms Form, which WTForms does not translate at all). Import it from here."""

    def __init__(self, min=-1, max=-1, message=None):
        if message is None:
            if max == -1:
                message = _l("Field must be at least %(min)d characters long.")
            elif min == -1:
                message = _l("Field cannot be longer than %(max)d characters.")
            elif min == max:
                message = _l("Field must be exactly %(max)d characters long.")
            else:
                message = _l("Use %(min)d to %(max)d characters.")
        super().__init__(min, max, message)


class MultipleChoiceField(SelectMultipleField):
    """A multiple choice whose refusal of a value not offered (say, a community another officer withdrew while the
    form was open) reads in the user's language: WTForms' own Chinese for it is marked fuzzy, so never used."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("invalid_choice_message", _l("One of the choices is no longer offered. Please choose again."))
        super().__init__(*args, **kwargs)


def read_amount(text: str, not_an_amount: str = "") -> tuple[int | None, str]:
    """(fen, "") for an amount as typed (parse_yuan), else (None, why): below zero, too large (saying the most
    taken), or no amount in yuan (not_an_amount, if the form words it its own way). The one reading, for MoneyField
    and for forms read by hand."""
    try:
        return parse_yuan(text), ""
    except NegativeAmount:
        return None, _("Enter an amount above zero.")
    except AmountTooLarge:
        return None, amount_too_large()
    except MoneyError:
        return None, not_an_amount or _("Enter an amount in yuan, with at most two decimals.")


class MoneyField(StringField):
    """Entered in yuan as a Chinese user types it ('12,345.50', '￥１２，３４５．５', '12 345.50元'; parse_yuan), held
    in integer fen; a phone shows its number keys for it."""

    def __init__(self, *args, **kwargs):
        kwargs["render_kw"] = {"inputmode": "decimal", **(kwargs.get("render_kw") or {})}
        super().__init__(*args, **kwargs)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return input_text(self.data) if isinstance(self.data, int) else ""

    def process_formdata(self, valuelist):
        # Spaces alone are no amount: refused here, not taken as none (InputRequired lets them through). An empty or
        # blank field is the validators' to judge (Optional clears this refusal, InputRequired says it is required).
        self.data = None
        if valuelist:
            self.data, why = read_amount(valuelist[0])
            if why:
                raise ValueError(why)


class WholeNumberField(IntegerField):
    """A whole number typed as a Chinese user types it: '2,880', '２８８０', '2 880' (core.numbers.parse_whole).
    A text input asking a phone for its number keys, not type=number: a browser empties a number input holding
    '2,880' or '２８８０', so what was typed was saved as nothing. `message` says what the field takes when the text
    is no whole number; the validators (NumberRange) give the range, and a number beyond a database integer is
    refused here."""

    widget = TextInput()

    def __init__(self, *args, message=None, **kwargs):
        kwargs["render_kw"] = {"inputmode": "numeric", **(kwargs.get("render_kw") or {})}
        super().__init__(*args, **kwargs)
        self.message = message or _l("Enter a whole number.")

    def process_formdata(self, valuelist):
        self.data = None
        if valuelist:
            try:
                self.data = parse_whole(valuelist[0])
            except NumberTooLarge as exc:
                raise ValueError(_l("This number is too large.")) from exc
            except NumberError as exc:
                raise ValueError(self.message) from exc

    def pre_validate(self, form):
        # Text that is no whole number is refused once, for what it is: the range ("Number must be at least 0") is
        # not about it. Empty, or blank in an optional field, it is the validators' (Optional clears the refusal,
        # InputRequired asks for the number).
        typed = self.raw_data[0] if self.raw_data else ""
        if self.process_errors and typed and not (self.flags.optional and not typed.strip()):
            raise StopValidation()


class LocalDateTimeField(DateTimeLocalField):
    """Entered in Asia/Shanghai wall-clock time, held as aware UTC."""

    def __init__(self, *args, **kwargs):
        # A browser sends 2026-12-31T17:00; one typed by hand (no date-time picker) is as the message shows it.
        kwargs.setdefault("invalid_value_message", _l("Enter a date and time, e.g. 2026-12-31 17:00."))
        super().__init__(*args, format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
                         **kwargs)

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None:
            self.data = local_to_utc(self.data)

    def _value(self):
        if self.raw_data:
            return " ".join(self.raw_data)
        return to_local(self.data).strftime("%Y-%m-%dT%H:%M") if self.data else ""


@dataclass
class Refused:
    """A refused form of a page that holds several (`key` names which: 'lines', 'pay-<tranche>', 'annual-report',
    'request-<id>'…), for the page shown again (422): what was typed, each reason beside its field, and the files
    kept for the next attempt (by file input name)."""

    key: str = ""
    fields: dict = field(default_factory=dict)
    values: Mapping = field(default_factory=dict)
    kept: dict = field(default_factory=dict)

    def errors(self, key: str, name: str) -> list[str]:
        """The reasons beside the field, when `key` is the refused form."""
        found = self.fields.get(name) if key == self.key else None
        return [str(m) for m in (found if isinstance(found, list | tuple) else [found] if found else [])]

    def error(self, key: str, name: str) -> str:
        """The same reasons as one sentence ('' when none)."""
        return " ".join(self.errors(key, name))

    def value(self, key: str, name: str, default=""):
        return self.values.get(name, default) if key == self.key else default

    def first_refused(self, key: str, names) -> str | None:
        """Of a form's fields in page order, the first with a reason beside it: it takes the focus (autofocus), so
        that a phone opens the page again at the form and not at the top, screens above what is to be corrected."""
        return next((name for name in names if self.errors(key, name)), None)

    def kept_files(self, key: str, name: str) -> list:
        return self.kept.get(name, []) if key == self.key else []
