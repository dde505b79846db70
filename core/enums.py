"""String enums with translated labels, stored as strings under a CHECK constraint."""

from enum import StrEnum


class LabelledEnum(StrEnum):
    """Subclasses implement labels() -> {member: lazy translated label}."""

    @classmethod
    def labels(cls) -> dict:
        raise NotImplementedError

    @property
    def label(self) -> str:
        return str(type(self).labels()[self])

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(member.value, member.label) for member in cls]
