"""One clip across several workers (issue 14): how its animations are divided into ranges.

Only the planner exists so far (:mod:`explainer.split.plan`); the split render itself
(workers that build the whole scene and draw one range each) is not built yet.
"""

from __future__ import annotations

from explainer.split.plan import Plan, plan_ranges, predicted_speedup

__all__ = ["Plan", "plan_ranges", "predicted_speedup"]
