"""Pieces the benchmarks share: parsing wrk's output, a free local port, the login form's CSRF token."""

import html.parser
import re
import socket
from dataclasses import dataclass

HOST = "127.0.0.1"
UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


@dataclass
class WrkResult:
    requests_per_s: float
    p99_ms: float
    requests: int
    non_2xx_3xx: int
    socket_errors: str
    output: str


def parse_wrk(output: str) -> WrkResult:
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p99 = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s|m|h)\s*$", output, re.MULTILINE)
    total = re.search(r"(\d+) requests in", output)
    if not (rps and p99 and total):
        raise RuntimeError(f"could not parse wrk output:\n{output}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors:\s*(.+)", output)
    return WrkResult(float(rps.group(1)), float(p99.group(1)) * UNITS_MS[p99.group(2)], int(total.group(1)),
                     int(non_2xx.group(1)) if non_2xx else 0, errors.group(1).strip() if errors else "", output)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class CsrfFinder(html.parser.HTMLParser):
    token = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name") == "csrf_token":
            self.token = attrs.get("value") or ""
