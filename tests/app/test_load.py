"""The load test, shortened for CI: 20 simulated learners for 10 s against `omnicourse serve`.

Each run starts the real server (server worker processes, a real database), lets
locust's learners read, post progress, take self-tests and send feedback, then
checks that nothing failed and every acknowledged write is stored. The full
run, 100 learners for 60 s, is `python -m tests.bench load` (tests/bench/load.py).
"""

from __future__ import annotations

import shutil
from collections import Counter
from dataclasses import replace

import pytest

from tests.bench.load import Kill, LoadResult, Request, Scenario, run_load

USERS, SECONDS = 20, 10


def assert_promises_hold(result: LoadResult) -> None:
    problems = result.problems()
    assert not problems, "\n".join([*problems, result.summary()])


@pytest.mark.slow
def test_learners_under_load_see_no_error_and_lose_no_write():
    result = run_load(Scenario("SQLite", USERS, SECONDS))

    assert_promises_hold(result)
    assert result.failed() == []
    assert all(result.acknowledged[kind] == result.stored[kind] for kind in result.stored)
    assert result.integrity == "ok"


@pytest.mark.slow
def test_a_killed_worker_is_replaced_and_no_acknowledged_write_is_lost():
    result = run_load(Scenario("SQLite, worker killed", USERS, SECONDS, kill_worker=True))

    assert_promises_hold(result)
    assert result.kill.serving, "the worker was killed between requests, not mid-request"
    assert result.kill.replaced_by, "the server did not start a new worker"
    assert all(not (result.acknowledged[k] - result.stored[k]) for k in result.stored)
    assert result.integrity == "ok"


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.parametrize("kill_worker", [False, True], ids=["steady", "worker-killed"])
def test_two_servers_sharing_postgresql_lose_no_write(kill_worker: bool):
    # Skipped with the reason when no PostgreSQL is reachable (tests/databases.py).
    scenario = Scenario(
        "PostgreSQL, 2 servers",
        USERS,
        SECONDS,
        database="postgresql",
        servers=2,
        kill_worker=kill_worker,
    )
    result = run_load(scenario)

    assert_promises_hold(result)
    assert len({r.port for r in result.requests if not r.error}) == 2  # both served learners
    if not kill_worker:
        assert result.failed() == []
        assert all(result.acknowledged[k] == result.stored[k] for k in result.stored)


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.skipif(not shutil.which("nginx"), reason="nginx is not installed")
def test_two_servers_behind_the_nginx_recipe_lose_no_write():
    scenario = Scenario(
        "PostgreSQL, 2 servers, nginx", USERS, SECONDS, database="postgresql", servers=2,
        behind_nginx=True,
    )  # fmt: skip
    result = run_load(scenario)

    assert_promises_hold(result)
    assert result.failed() == []
    assert all(result.acknowledged[k] == result.stored[k] for k in result.stored)


def audit(acknowledged: Counter, stored: Counter, requests: list[Request], kill=None):
    """A finished run's result with the given progress writes, for the audit's own tests."""
    writes = {"progress": Counter(), "attempts": Counter({("k", "m", "en", 3): 1})}
    writes["feedback"] = Counter({("load-test 1", "m", "en", 5): 1})
    return LoadResult(
        scenario=Scenario("audit", 1, 1, kill_worker=kill is not None),
        requests=requests,
        acknowledged={**writes, "progress": acknowledged},
        stored={**writes, "progress": stored},
        integrity="ok",
        kill=kill,
        feedback_skipped=None,
        log="",
    )


FACT = ("key", "section-read", "principles", "what-is-omnichannel")
SERVED = Request("POST /api/progress", 1000.0, 3.0, 200, None, 8000)


def test_the_audit_reports_a_lost_acknowledged_write():
    result = audit(Counter({FACT: 1}), Counter(), [SERVED])

    assert any("1 acknowledged progress write(s) lost" in p for p in result.problems())


def test_the_audit_allows_only_failures_in_flight_on_the_killed_worker():
    in_flight = Request("POST /api/progress", 999.9, 2.0, 0, "ConnectionResetError", 8000)
    later = Request("GET module page", 1010.0, 2.0, 0, "ConnectionResetError", 8000)
    kill = Kill(pid=1, at=1000.0, replaced_by=[2])
    unanswered = (*FACT[:3], "customer-at-the-centre")  # saved, then the worker died
    stored = Counter({FACT: 1, unanswered: 1})

    served_after = replace(SERVED, started=1002.0)
    tolerated = audit(Counter({FACT: 1}), stored, [in_flight, served_after], kill)
    assert tolerated.problems() == []
    failing = audit(Counter({FACT: 1}), stored, [in_flight, later], kill)
    assert any("other than in flight" in p for p in failing.problems())
    assert any("no request succeeded after" in p for p in failing.problems())
    # Started after the victim froze, it cannot have been on it, however soon after.
    just_after = replace(in_flight, started=1000.1)
    failing = audit(Counter({FACT: 1}), stored, [just_after, served_after], kill)
    assert any("other than in flight" in p for p in failing.problems())
