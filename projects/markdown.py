"""Safe Markdown: raw HTML is escaped, links are limited to safe schemes (markdown-it's defaults)."""

from markdown_it import MarkdownIt
from markupsafe import Markup

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")


def render_markdown(text: str) -> Markup:
    return Markup(_md.render(text or ""))  # noqa: S704 - html=False: the source cannot inject markup
