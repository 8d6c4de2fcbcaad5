"""Divide one clip's animations into contiguous ranges that finish together.

Every worker of a split render builds the whole scene: it plays the animations before
its range with Manim's ``skip_animations`` (state advances, nothing is drawn or
encoded), draws and encodes its own range, and stops. So the worker that starts at
animation ``a`` and stops before ``b`` pays

    setup + skip[0] + ... + skip[a-1] + cost[a] + ... + cost[b-1]

where ``cost[i]`` is what animation ``i`` costs to draw and encode (its frames times the
area redrawn each frame, plus the encoder's share per frame) and ``skip[i]`` what it
costs to play it skipped. Equal animation counts would leave the worker with the long
camera pans running long after the others; equal cost alone would overload the last
workers, who skip the furthest. This module is pure (no Manim, no clock): the same
costs always give the same plan, so a split never depends on how busy the machine was.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate

__all__ = ["Plan", "plan_ranges", "predicted_speedup"]

#: Bisection steps on the makespan: far below any cost's resolution, and a fixed number,
#: so the plan is the same on every machine.
_BISECTIONS = 100


@dataclass(frozen=True)
class Plan:
    """A split of animations ``0 .. n-1`` into contiguous ``[start, stop)`` ranges, in order.

    Attributes
    ----------
    ranges
        One ``(start, stop)`` per worker used; together they cover every animation once.
    loads
        What each range's worker pays (set-up, skipping ahead, its own animations).
    """

    ranges: tuple[tuple[int, int], ...]
    loads: tuple[float, ...]

    @property
    def makespan(self) -> float:
        """When the last worker finishes (the split's wall time, joining aside)."""
        return max(self.loads, default=0.0)


def _check(costs: Sequence[float], skip: Sequence[float], setup: float, workers: int) -> None:
    if workers < 1:
        raise ValueError(f"workers must be at least 1, not {workers}")
    if len(skip) != len(costs):
        raise ValueError(f"{len(costs)} costs but {len(skip)} skip costs")
    for name, values in (("cost", costs), ("skip cost", skip), ("setup", [setup])):
        if any(not math.isfinite(v) or v < 0 for v in values):
            raise ValueError(f"every {name} must be a finite number >= 0")


def _greedy(prefix: list[float], skipped: list[float], setup: float, limit: float, workers: int) -> list[int] | None:
    """Stops of ranges each extended as far as ``limit`` allows, or None if ``workers`` are too few.

    Extending a range as far as it fits is optimal as long as skipping an animation costs
    no more than drawing it (the next worker then starts later for less): ``plan_ranges``
    makes sure of that.
    """
    n = len(prefix) - 1
    stops: list[int] = []
    start = 0
    while start < n:
        if len(stops) == workers:
            return None
        base = setup + skipped[start] - prefix[start]
        stop = start
        while stop < n and base + prefix[stop + 1] <= limit:
            stop += 1
        if stop == start:  # one animation alone is over the limit
            return None
        stops.append(stop)
        start = stop
    return stops


def plan_ranges(costs: Sequence[float], workers: int, skip: Sequence[float] | None = None, setup: float = 0.0) -> Plan:
    """The contiguous split of ``costs`` over at most ``workers`` ranges whose slowest worker finishes first.

    Parameters
    ----------
    costs
        Draw-and-encode cost of each animation, in play order (any unit, e.g. seconds).
    workers
        How many workers may be used; fewer ranges are returned when more would not help
        (never more ranges than animations).
    skip
        Cost of playing each animation skipped (default: nothing). A skip cost above the
        animation's own cost is counted as its cost: a worker would rather draw it.
    setup
        What every worker pays before its first animation (interpreter, imports, building
        the scene's first mobjects).

    Returns
    -------
    Plan
        Ranges in play order; an empty plan for no animations.
    """
    skip = [0.0] * len(costs) if skip is None else list(skip)
    _check(costs, skip, setup, workers)
    if not costs:
        return Plan((), ())
    skip = [min(s, c) for s, c in zip(skip, costs, strict=True)]
    prefix = [0.0, *accumulate(costs)]
    skipped = [0.0, *accumulate(skip)]
    workers = min(workers, len(costs))
    lo = setup + max(costs)  # no plan beats its most expensive animation
    hi = setup + prefix[-1]  # one worker does everything
    best = _greedy(prefix, skipped, setup, hi, workers)
    assert best is not None
    for _ in range(_BISECTIONS):
        if hi - lo <= 1e-12 * max(1.0, hi):
            break
        mid = (lo + hi) / 2
        stops = _greedy(prefix, skipped, setup, mid, workers)
        if stops is None:
            lo = mid
        else:
            best, hi = stops, mid
    starts = [0, *best[:-1]]
    ranges = tuple(zip(starts, best, strict=True))
    loads = tuple(setup + skipped[a] + prefix[b] - prefix[a] for a, b in ranges)
    return Plan(ranges, loads)


def predicted_speedup(
    costs: Sequence[float],
    workers: int,
    skip: Sequence[float] | None = None,
    setup: float = 0.0,
    join: float = 0.0,
) -> float:
    """Serial time over split time for ``workers``, from measured per-animation costs.

    The serial render pays ``setup`` once and draws everything; the split pays its
    slowest worker, then ``join`` (concatenating the partial movies, a remux).
    """
    serial = setup + sum(costs)
    split = plan_ranges(costs, workers, skip, setup).makespan + join
    return serial / split if split > 0 else 1.0
