"""The split planner (:mod:`explainer.split.plan`): contiguous, covering, balanced, deterministic.

Optimality is checked against brute force over every contiguous split of small cases, so
a planner that is merely "close" fails.
"""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explainer.split import plan_ranges, predicted_speedup

ROOT = Path(__file__).resolve().parent.parent


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


def _played_clock(config: str, tmp_path: Path, *, skip_all: bool) -> dict[str, object]:
    """A scene's section times, beat times and end time, played drawn (to video) or all skipped."""
    from manim import tempconfig

    from explainer.clip import _manim_settings
    from explainer.config import load_config
    from explainer.runs import build_spec
    from explainer.scene_kinds import get_scene_kind

    cfg = load_config(ROOT / "configs" / config)
    spec = build_spec(cfg)
    settings_ = _manim_settings(tmp_path / ("skip" if skip_all else "draw"), cfg.name, "l", "mp4", quiet=True)
    if skip_all:
        settings_["from_animation_number"] = 10**9  # every play is skipped, as before a worker's range
    with tempconfig(settings_):
        scene = get_scene_kind(cfg.scene).load_class(cfg.scene_cell)(spec)
        scene.render()
    return {
        "sections": [(r.name, r.start, r.end) for r in scene.timeline],
        "beats": dict(scene.beat_times),
        "end": float(scene.renderer.time),
        "thumbnail": scene.thumbnail_time,
    }


@pytest.mark.slow
def test_skipped_plays_keep_the_drawn_clock(tmp_path: Path) -> None:
    """A worker that skips ahead must see the same clock as the serial render, to the last bit.

    Sections hold until their words are done by ``renderer.time``; before ExplainerScene.play
    replayed the drawn clock, skipping every play of default.yaml at -q l ended 0.23 s early,
    so a split's later ranges would have held for different lengths than the serial video.
    """
    drawn = _played_clock("default.yaml", tmp_path, skip_all=False)
    skipped = _played_clock("default.yaml", tmp_path, skip_all=True)
    assert skipped == drawn  # exact floats, not approx: the holds are computed from them
