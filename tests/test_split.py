"""The split planner (:mod:`explainer.split.plan`): contiguous, covering, balanced, deterministic.

Optimality is checked against brute force over every contiguous split of small cases, so
a planner that is merely "close" fails.
"""

from __future__ import annotations

from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explainer.split import plan_ranges, predicted_speedup


def _brute_makespan(costs: list[float], workers: int, skip: list[float], setup: float) -> float:
    """The best makespan over every split into at most ``workers`` contiguous non-empty ranges."""
    n = len(costs)
    best = float("inf")
    for k in range(1, min(workers, n) + 1):
        for cuts in combinations(range(1, n), k - 1):
            bounds = [0, *cuts, n]
            loads = [
                setup + sum(min(s, c) for s, c in zip(skip[:a], costs[:a], strict=True)) + sum(costs[a:b])
                for a, b in zip(bounds, bounds[1:], strict=False)
            ]
            best = min(best, max(loads))
    return best


def _assert_covers(ranges: tuple[tuple[int, int], ...], n: int) -> None:
    assert ranges[0][0] == 0
    assert ranges[-1][1] == n
    for (_, stop), (start, _) in zip(ranges, ranges[1:], strict=False):
        assert stop == start  # contiguous, in order, no gap or overlap
    assert all(a < b for a, b in ranges)  # no empty range


def test_one_worker_takes_everything() -> None:
    plan = plan_ranges([1.0, 2.0, 3.0], 1, setup=0.5)
    assert plan.ranges == ((0, 3),)
    assert plan.makespan == pytest.approx(6.5)


def test_balanced_by_cost_not_by_count() -> None:
    # A long camera pan at the start: equal counts would give (0, 3), (3, 6) -> 12 vs 3.
    plan = plan_ranges([10.0, 1.0, 1.0, 1.0, 1.0, 1.0], 2)
    assert plan.ranges == ((0, 1), (1, 6))
    assert plan.makespan == pytest.approx(10.0)


def test_skipping_ahead_is_paid_by_later_workers() -> None:
    costs = [4.0] * 4
    free = plan_ranges(costs, 2)
    assert free.ranges == ((0, 2), (2, 4))
    # Skipping costs 3 of drawing's 4: the second worker, who skips ahead, must draw less.
    paid = plan_ranges(costs, 2, skip=[3.0] * 4, setup=1.0)
    assert paid.ranges == ((0, 3), (3, 4))
    assert paid.loads == pytest.approx((13.0, 14.0))


def test_never_more_ranges_than_animations_or_workers() -> None:
    assert len(plan_ranges([1.0, 1.0], 8).ranges) == 2
    assert len(plan_ranges([1.0] * 10, 3).ranges) <= 3
    assert plan_ranges([], 4).ranges == ()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"costs": [1.0], "workers": 0}, "workers"),
        ({"costs": [1.0, 2.0], "workers": 2, "skip": [1.0]}, "skip costs"),
        ({"costs": [-1.0], "workers": 2}, "cost"),
        ({"costs": [float("nan")], "workers": 2}, "cost"),
        ({"costs": [1.0], "workers": 2, "setup": -1.0}, "setup"),
    ],
)
def test_bad_input_is_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        plan_ranges(**kwargs)  # type: ignore[arg-type]


costs_st = st.lists(st.floats(min_value=0.0, max_value=100.0, allow_nan=False), min_size=1, max_size=8)


@settings(max_examples=300, deadline=None)
@given(
    costs=costs_st,
    workers=st.integers(min_value=1, max_value=5),
    skip_share=st.floats(min_value=0.0, max_value=2.0),
    setup=st.floats(min_value=0.0, max_value=20.0),
)
def test_optimal_contiguous_and_deterministic(
    costs: list[float], workers: int, skip_share: float, setup: float
) -> None:
    skip = [c * skip_share for c in costs]  # above 1: counted as the animation's own cost
    plan = plan_ranges(costs, workers, skip, setup)
    _assert_covers(plan.ranges, len(costs))
    assert len(plan.ranges) <= workers
    assert plan.makespan == pytest.approx(_brute_makespan(costs, workers, skip, setup), rel=1e-9, abs=1e-9)
    assert plan_ranges(costs, workers, skip, setup) == plan


def test_predicted_speedup() -> None:
    costs = [1.0] * 64
    assert predicted_speedup(costs, 1) == pytest.approx(1.0)
    assert predicted_speedup(costs, 8) == pytest.approx(8.0)
    # Set-up paid by every worker and a join after them cap the gain well below 64.
    capped = predicted_speedup(costs, 64, skip=[0.1] * 64, setup=2.0, join=1.0)
    assert 1.0 < capped < 64 / 3
