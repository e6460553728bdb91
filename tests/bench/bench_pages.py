"""Benchmark: pages for everyone at the cost of a static file, on `omnicourse serve` alone.

Run: python -m tests.bench.bench_pages
wrk (Debian's `wrk`) keeps 32 connections busy against each address in turn, after
a warm-up, on the same machine as the server. Goals: a module page at least 0.9x
the throughput of /healthz, with a p99 under 25 ms.
"""

from __future__ import annotations

import http.client
import re
import sys

from tests.bench import wrk
from tests.bench.server import running_server

MODULE = "/en/modules/principles/"
COMPRESSED = {"Accept-Encoding": "br, gzip"}


def main() -> None:
    if not wrk.available():
        print("wrk is not installed (apt-get install wrk): no figures")
        sys.exit(1)
    env = {"OMNICOURSE_BUILD_ON_START": "false", "OMNICOURSE_ACCESS_LOG": "-"}
    with running_server(env=env) as port:
        connection = http.client.HTTPConnection("127.0.0.1", port)
        connection.request("GET", MODULE, headers=COMPRESSED)
        response = connection.getresponse()
        response.read()
        etag = response.getheader("ETag")
        connection.request("GET", MODULE)
        html = connection.getresponse().read().decode()
        connection.close()
        css = re.search(r'href="(/static/css/site\.css\?v=\w+)"', html).group(1)
        base = f"http://127.0.0.1:{port}"
        for path in ("/healthz", MODULE, css):  # every worker and thread has its copy
            wrk.load("warm-up", base + path, COMPRESSED, seconds=3)
        rows = [
            wrk.load("/healthz", f"{base}/healthz"),
            wrk.load("module page (brotli)", base + MODULE, COMPRESSED),
            wrk.load("module page (not compressed)", base + MODULE),
            wrk.load("module page (304)", base + MODULE, {**COMPRESSED, "If-None-Match": etag}),
            wrk.load("static file", base + css, COMPRESSED),
        ]
    print(f"{'address (32 connections)':<34} {'throughput':>15}  latency")
    for row in rows:
        print(row.row())
    health, page, plain, revalidated, static = rows
    print()
    print(f"module page throughput / /healthz: {page.rps / health.rps:.2f}x (goal >= 0.9x)")
    print(f"module page p99: {page.p99:.1f} ms (goal < 25 ms)")
    print(f"module page throughput / static file: {page.rps / static.rps:.2f}x")
    print(f"not compressed / brotli throughput: {plain.rps / page.rps:.2f}x")
    print(f"304 throughput / /healthz: {revalidated.rps / health.rps:.2f}x")
    print(f"errors: {sum(r.errors for r in rows)}")


if __name__ == "__main__":
    main()
