"""Safe Markdown: raw HTML is escaped, links are limited to safe schemes (markdown-it's defaults). Headings are
placed under the page's own: a call's description is shown under the call's title (h1) and beside the page's
sections (h2), so its '#' is an h3 and its '##' an h4, sized as the page's section headings and below (a '## 背景'
was drawn larger than the call's title)."""

from markdown_it import MarkdownIt
from markupsafe import Markup

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
SHIFT = 2  # '#' → h3


def render_markdown(text: str) -> Markup:
    tokens = _md.parse(text or "")
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            level = min(int(token.tag[1]) + SHIFT, 6)
            token.tag = f"h{level}"
            if token.type == "heading_open":
                token.attrSet("class", "h5" if level == 1 + SHIFT else "h6")
    return Markup(_md.renderer.render(tokens, _md.options, {}))  # noqa: S704 - html=False: no markup can come in
