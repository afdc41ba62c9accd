"""The background compile queue's order (camllvm.jit.CompileQueue), with tier.c's site
counts stood in for by a dictionary."""

from camllvm.jit import CompileQueue


def _queue(counts: dict[int, int]) -> CompileQueue:
    return CompileQueue(lambda site: counts.get(site, -1))


def test_the_code_that_ran_most_while_queued_compiles_first() -> None:
    counts = {1: 100, 2: 5000, 3: 20}
    q = _queue(counts)
    for site in (1, 2, 3):
        q.put(lambda site=site: site, site)
    counts.update({1: 150, 2: 5010, 3: 900})  # ran since queued: 50, 10, 880
    assert [q.get()() for _ in range(3)] == [3, 1, 2]
    assert q.waited == 880 + 50 + 10
    assert q.taken == 3


def test_first_queued_among_equals_and_native_callers_first() -> None:
    counts = {1: 0, 2: 0}
    q = _queue(counts)
    q.put(lambda: "a", 1)
    q.put(lambda: "b", 2)
    q.put(lambda: "native", -1)  # asked for by native code: no site, no count
    assert [q.get()() for _ in range(3)] == ["native", "a", "b"]
    assert q.waited == 0
