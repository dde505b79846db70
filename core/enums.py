"""String enums with translated labels, stored as strings under a CHECK constraint."""

from enum import StrEnum

from wtforms import SelectChoice


class LabelledEnum(StrEnum):
    """Subclasses implement labels() -> {member: lazy translated label}."""

    @classmethod
    def labels(cls) -> dict:
        raise NotImplementedError

    @property
    def label(self) -> str:
        return str(type(self).labels()[self])

    @classmethod
    def choices(cls) -> list[SelectChoice]:
        """Options for a SelectField (WTForms 3.4 takes SelectChoice, not tuples) and for templates drawing their
        own select (choice.value, choice.label)."""
        return [SelectChoice(member.value, member.label) for member in cls]
