"""Load test: 100 simulated learners for 60 s against `omnicourse serve`, also under a fault.

Run: python -m tests.bench load
 or: python -m tests.bench.bench_load [--users 100] [--seconds 60] [--workers 2]

Learners (tests/bench/locustfile.py, run by locust headless) read the course
home and module pages, post progress events, take self-tests and send
feedback, with 0.5–2 s of thinking between actions. Five runs: SQLite;
SQLite with one server worker SIGKILLed half-way, mid-request; the same two
on PostgreSQL (when reachable, see tests/databases.py) with two servers
sharing it and each learner's requests spread over both; and two servers
behind the shipped nginx recipe (deploy/nginx.conf, HTTPS). After each run
every acknowledged write must be in the database, nothing may have failed but
requests in flight on the killed worker, and SQLite must pass `PRAGMA
integrity_check`. Prints p95 latency per request type; exits 1 if a run broke
a promise.

`--ramp 100,250,500` then loads the nginx setup with more and more learners
and prints throughput and p95 at each level: where throughput stops growing
with the learners, the machine is saturated.
"""

from __future__ import annotations

import argparse
import sys

from tests.bench.load import LoadResult, Scenario, percentile, run_load
from tests.databases import postgres_unavailable


def scenarios(users: int, seconds: int, workers: int) -> list[Scenario]:
    runs = [
        Scenario("SQLite", users, seconds, workers=workers),
        Scenario("SQLite, worker killed", users, seconds, workers=workers, kill_worker=True),
    ]
    reason = postgres_unavailable()
    if reason:
        print(f"PostgreSQL runs skipped: {reason}")
        return runs
    postgres = {"database": "postgresql", "servers": 2, "workers": workers}
    return [
        *runs,
        Scenario("PostgreSQL, 2 servers", users, seconds, **postgres),
        Scenario("PostgreSQL, 2 servers, killed", users, seconds, kill_worker=True, **postgres),
        Scenario("PostgreSQL, 2 servers, nginx", users, seconds, behind_nginx=True, **postgres),
    ]


def table(results: list[LoadResult]) -> list[str]:
    rows = [
        f"{'run':<31} {'requests':>8} {'req/s':>6} {'failed':>6} {'5xx':>4} "
        f"{'writes':>6} {'lost':>4} {'p95 ms':>7}  integrity"
    ]
    for result in results:
        requests = result.requests
        span = max(r.started for r in requests) - min(r.started for r in requests)
        times = sorted(r.milliseconds for r in requests if not r.error)
        acknowledged = sum(c.total() for c in result.acknowledged.values())
        lost = sum((result.acknowledged[k] - result.stored[k]).total() for k in result.stored)
        rows.append(
            f"{result.scenario.name:<31} {len(requests):>8} {len(requests) / span:>6.1f} "
            f"{len(result.failed()):>6} {sum(r.status >= 500 for r in requests):>4} "
            f"{acknowledged:>6} {lost:>4} {percentile(times, 95):>7.0f}  "
            f"{result.integrity or 'n/a (PostgreSQL)'}"
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2, help="worker processes per server")
    parser.add_argument(
        "--ramp", default="100,250,500", help="learners at each level of the nginx ramp ('' skips)"
    )
    if argv is None and __name__ != "__main__":
        argv = []  # run by `python -m tests.bench load`: the command line names benchmarks
    options = parser.parse_args(argv)
    results, problems = [], []
    for scenario in scenarios(options.users, options.seconds, options.workers):
        result = run_load(scenario)
        results.append(result)
        print(result.summary(), flush=True)
        for problem in result.problems():
            problems.append(f"{scenario.name}: {problem}")
            print(f"  PROBLEM: {problem}", flush=True)
    print()
    print("\n".join(table(results)))
    print(f"{len(problems)} problem(s)" if problems else "every run: no error, no lost write")
    levels = [int(n) for n in options.ramp.split(",") if n.strip()]
    if levels and not postgres_unavailable():
        print()
        print("\n".join(ramp(levels, options.seconds, options.workers)))
    return len(problems)


def ramp(levels: list[int], seconds: int, workers: int) -> list[str]:
    """Throughput and p95 behind nginx as the learners grow; where it stops growing."""
    rows = [f"{'learners':>8} {'req/s':>7} {'p95 ms':>7} {'failed':>6} {'lost':>4}"]
    previous: tuple[int, float] | None = None  # learners and throughput of the level before
    for users in levels:
        scenario = Scenario(f"nginx ramp, {users}", users, seconds, database="postgresql",
                            servers=2, workers=workers, behind_nginx=True)  # fmt: skip
        result = run_load(scenario)
        requests = result.requests
        span = max(r.started for r in requests) - min(r.started for r in requests)
        rate = len(requests) / max(span, 1)
        times = sorted(r.milliseconds for r in requests if not r.error)
        lost = sum((result.acknowledged[k] - result.stored[k]).total() for k in result.stored)
        note = ""
        # Learners think between actions, so an unsaturated server serves them in proportion.
        if previous is not None and rate < 0.8 * previous[1] * users / previous[0]:
            note = "  <- throughput no longer grows with the learners: saturated"
        rows.append(
            f"{users:>8} {rate:>7.1f} {percentile(times, 95):>7.0f} "
            f"{len(result.failed()):>6} {lost:>4}{note}"
        )
        previous = (users, rate)
    return rows


if __name__ == "__main__":
    sys.exit(1 if main() else 0)
