"""One page of a list, for the pages (templates/_macros/pager.html shows its previous/next links) and the API.

One query per page: one row more than shown is fetched to know whether a next page exists (no count)."""

from dataclasses import dataclass

from flask import request
from sqlalchemy import func, select

from .db import db

PER_PAGE = 20
MAX_PAGE = 10_000  # a page number from the address: deeper than this is the last one we go to, never a huge OFFSET


@dataclass(frozen=True)
class Page:
    items: list
    page: int
    has_next: bool

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def page_arg(name: str = "page") -> int:
    """The page number a list page (HTML) was asked for: plain digits from 1 to MAX_PAGE. Anything else (?page=-5,
    0, abc, +2, beyond MAX_PAGE) is the first page, as these pages treat a filter value they do not know: ignored,
    the list shown. The API refuses the same with a 422 naming the argument (core.api.page_args)."""
    value = request.args.get(name, "")
    if value.isascii() and value.isdigit() and len(value) <= len(str(MAX_PAGE)) and 1 <= int(value) <= MAX_PAGE:
        return int(value)
    return 1


def paged(stmt, page: int | None, per_page: int = PER_PAGE) -> Page:
    """The rows of `stmt` (ordered by its caller) on page `page`, from 1; a missing or out-of-range number is
    brought within 1 to MAX_PAGE."""
    page = max(1, min(page or 1, MAX_PAGE))
    rows = list(db.session.scalars(stmt.offset((page - 1) * per_page).limit(per_page + 1)))
    return Page(rows[:per_page], page, len(rows) > per_page)


def count_of(stmt) -> int:
    """How many rows `stmt` gives in all (an API's `total`): one COUNT over it, its ordering dropped."""
    return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
