"""PDF rendering with WeasyPrint: only the app's own static files may be fetched; CJK fonts embedded.

Fonts come from fontconfig (Debian's fonts-wqy-microhei or fonts-noto-cjk, installed by `make`);
WeasyPrint embeds the subset of glyphs a document uses, so files stay small.
"""

from pathlib import Path
from urllib.parse import unquote, urlparse

import segno
from flask import current_app, render_template
from flask_babel import force_locale
from weasyprint import HTML
from weasyprint.urls import FatalURLFetchingError, URLFetcher

CJK_FONT_FAMILIES = ("WenQuanYi Micro Hei", "Noto Sans CJK SC", "Noto Serif CJK SC", "Droid Sans Fallback")
# Official documents are Chinese, whatever the language of the person issuing them: a label or a money amount
# rendered in an English-speaking officer's language would otherwise land in the middle of a Chinese contract.
DOCUMENT_LOCALE = "zh_Hans_CN"


def official_language():
    """with official_language(): text made for a document (its title, figures put together beforehand) is Chinese."""
    return force_locale(DOCUMENT_LOCALE)


class StaticOnlyFetcher(URLFetcher):
    """Refuses every URL except data: URIs and files inside the app's static folder."""

    def __init__(self, static_root: Path):
        super().__init__(allowed_protocols={"file", "data"}, allow_redirects=False)
        self.static_root = static_root.resolve()

    def fetch(self, url, headers=None):
        parsed = urlparse(url)
        if parsed.scheme == "data":
            return super().fetch(url, headers)
        if parsed.scheme == "file":
            path = Path(unquote(parsed.path)).resolve()
            if path.is_relative_to(self.static_root) and path.is_file():
                return super().fetch(url, headers)
        raise FatalURLFetchingError(f"refused to fetch {url!r}: only the app's static files are allowed")


def render_pdf(template: str, **context) -> bytes:
    """Render a Jinja template to PDF bytes, in the documents' language."""
    with official_language():
        html = render_template(template, **context)
    static_root = Path(current_app.static_folder)
    document = HTML(string=html, base_url=static_root.as_uri() + "/", url_fetcher=StaticOnlyFetcher(static_root))
    return document.write_pdf()


def qr_svg_data_uri(content: str) -> str:
    """A QR code as an SVG data URI, for PDFs and pages alike. Always a full QR code with its 4-module quiet zone:
    for short content (an 8-digit redemption code) segno.make() chose a Micro QR code, which phone scanners and
    the provider page's reader (jsQR, BarcodeDetector) do not read."""
    return segno.make_qr(content, error="m").svg_data_uri(scale=4, border=4)
