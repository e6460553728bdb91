"""Benchmark: a module page against /healthz and a static file on `omnicourse serve`.

Run: python -m tests.bench.bench_pages
The goal is a module page within 2x the cost of /healthz on the same server.
"""

from __future__ import annotations

import http.client
import re

from tests.bench.server import get, measure, running_server


def main() -> None:
    with running_server(workers=2, env={"OMNICOURSE_BUILD_ON_START": "false"}) as port:
        connection = http.client.HTTPConnection("127.0.0.1", port)
        connection.request("GET", "/en/modules/principles/")
        response = connection.getresponse()
        html = response.read().decode()
        etag = response.getheader("ETag")
        css = re.search(r'href="(/static/css/site\.css\?v=\w+)"', html).group(1)
        for warmup in ("/healthz", "/en/modules/principles/", css):
            measure("warm-up", port, get(warmup), clients=2, per_client=20)
        rows = [
            measure("/healthz", port, get("/healthz")),
            measure("module page", port, get("/en/modules/principles/")),
            measure(
                "module page (304)", port, get("/en/modules/principles/", {"If-None-Match": etag})
            ),
            measure("static file", port, get(css)),
        ]
    print(f"{'endpoint':<28} {'throughput':>15}  latency")
    for row in rows:
        print(row.row())
    health, page, not_modified, static = rows
    print()
    print(
        f"module page cost / healthz cost (throughput): {health.rps / page.rps:.2f}x (goal <= 2x)"
    )
    print(f"module page cost / static file cost: {static.rps / page.rps:.2f}x")
    print(f"304 revalidation cost / healthz cost: {health.rps / not_modified.rps:.2f}x")
    print(f"module page p95 / healthz p95: {page.percentile(95) / health.percentile(95):.2f}x")


if __name__ == "__main__":
    main()
