"""``scene: weights`` -- one weight varied across 2 to 4 panels: how it shapes the memory.

The classic case is an impulse ``(1, 0, 0, ...)`` with ``W_h = 0.5, 1.0, 1.5``: the
memory of the impulse fades, lingers, or grows until the activation saturates (or,
with ReLU, without bound). The storyboard and layout are those of
:mod:`scenes.compare` (panels stepping in lock-step, then one shared chart with
callouts); here each panel leads with the varied weight, large, and a few words
on what that weight does, and the closing says how long each weight lets the first
input's effect last (see ``explainer.words.compare``).
"""

from __future__ import annotations

from scenes.compare import PanelComparisonScene

__all__ = ["WeightsScene"]


class WeightsScene(PanelComparisonScene):
    """``scene: weights``: panels that differ in ``W_x``, ``W_h``, ``b`` or ``h_0`` (the loader checks which)."""

    scene_kind = "weights"
