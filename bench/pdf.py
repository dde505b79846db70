"""Benchmark: core.pdf.render_pdf on a one-page Chinese document (the audit head certificate).

Warms up, then renders it repeatedly; prints median and p90 time and the file size beside a floor (WeasyPrint
rendering a one-line ASCII page in the same run), and checks that a CJK font is embedded.

    .venv/bin/python bench/pdf.py [--runs 20] [--warmup 3]
"""

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

from pypdf import PdfReader
from pypdf.generic import DictionaryObject
from weasyprint import HTML

# The project root first: run as a script, bench/ is on the path first and bench/projects.py would stand in for
# the projects package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app  # noqa: E402
from core.pdf import qr_svg_data_uri, render_pdf  # noqa: E402

TARGET_MEDIAN_S = 0.3
TARGET_SIZE_KB = 150
TEMPLATE = "audit/head_certificate.html"
CJK_MARKERS = ("WenQuanYi", "CJK")


def certificate_context() -> dict:
    url = "http://127.0.0.1:5000/verify/ABCD2345EFGH"
    return {
        "title": "审计链状态证明",
        "verification": {"code": "ABCD-2345-EFGH", "url": url, "qr": qr_svg_data_uri(url)},
        "head": SimpleNamespace(seq=1_000_000, hash="9f2c" * 16),
        "result": SimpleNamespace(ok=True, checked=1_000_000, bad_seq=None),
        "issued_at": datetime(2025, 6, 30, 8, 15, 42, tzinfo=UTC),
        "issuer": SimpleNamespace(display_name="赵敏（区审计局 监督员）"),
    }


def timings(fn, warmup: int, runs: int) -> tuple[list[float], bytes]:
    for _ in range(warmup):
        fn()
    times, out = [], b""
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return times, out


def p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10, method="inclusive")[-1]


def font_names(pdf: bytes) -> set[str]:
    """BaseFont names used by the pages, looking into form XObjects and descendant (CID) fonts too."""
    names: set[str] = set()

    def resolved(value):
        return value.get_object() if value is not None else None

    def walk_resources(resources, seen: set[int]) -> None:
        resources = resolved(resources)
        if not isinstance(resources, DictionaryObject) or id(resources) in seen:
            return
        seen.add(id(resources))
        for font in (resolved(resources.get("/Font")) or {}).values():
            font = resolved(font)
            names.add(str(font.get("/BaseFont", "")))
            for descendant in resolved(font.get("/DescendantFonts")) or []:
                names.add(str(resolved(descendant).get("/BaseFont", "")))
        for xobject in (resolved(resources.get("/XObject")) or {}).values():
            walk_resources(resolved(xobject).get("/Resources"), seen)

    reader = PdfReader(io.BytesIO(pdf))
    for page in reader.pages:
        walk_resources(page.get("/Resources"), set())
    return names


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="gongzhi-bench-") as tmp:
        os.environ["GONGZHI_INSTANCE"] = str(Path(tmp) / "instance")
        app = create_app({"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/pdf.db",
                          "PUBLIC_BASE_URL": "http://127.0.0.1:5000"})
        context = certificate_context()
        with app.app_context(), app.test_request_context("/"):
            doc_times, pdf = timings(lambda: render_pdf(TEMPLATE, **context), args.warmup, args.runs)
        floor_times, floor_pdf = timings(lambda: HTML(string="<p>Hello, floor.</p>").write_pdf(), args.warmup,
                                         args.runs)

    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    fonts = sorted(name for name in font_names(pdf) if name)
    cjk = [name for name in fonts if any(marker in name for marker in CJK_MARKERS)]
    median, size_kb = statistics.median(doc_times), len(pdf) / 1024
    floor_median = statistics.median(floor_times)
    time_ok, size_ok = median <= TARGET_MEDIAN_S, size_kb <= TARGET_SIZE_KB

    print(f"render_pdf({TEMPLATE}): median {median:.3f} s, p90 {p90(doc_times):.3f} s, {size_kb:.1f} KB, "
          f"{pages} page(s)  ({args.runs} runs after {args.warmup} warm-up)")
    print(f"floor (WeasyPrint, one ASCII line):  median {floor_median:.3f} s, p90 {p90(floor_times):.3f} s, "
          f"{len(floor_pdf) / 1024:.1f} KB   -> document = {median / floor_median:.1f}x floor")
    print(f"targets: median ≤ {TARGET_MEDIAN_S} s -> {'PASS' if time_ok else 'FAIL'};  "
          f"size ≤ {TARGET_SIZE_KB} KB -> {'PASS' if size_ok else 'FAIL'}")
    print(f"CJK font embedded: {'yes' if cjk else 'NO'}  (fonts: {', '.join(fonts) or 'none'})")
    return 0 if cjk else 1


if __name__ == "__main__":
    sys.exit(main())
