"""What each scene can show legibly: checked when a config is loaded, before any rendering.

Kept free of Manim so the config loader can refuse a config that a scene cannot
draw with a normal one-line error pointing at the field, instead of failing
minutes into a render.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SCENE_LIMITS", "SceneLimits"]


@dataclass(frozen=True)
class SceneLimits:
    max_steps: int
    max_hidden: int
    max_input: int
    why_steps: str


SCENE_LIMITS: dict[str, SceneLimits] = {
    # The chain slides a window of cells; beyond this the clip gets long, not illegible.
    "unrolled": SceneLimits(128, 4, 4, "longer clips are better split into several"),
    # Panels and heat strips place every step on screen at once.
    "compare": SceneLimits(32, 1, 1, "every step is drawn side by side in each panel"),
    "weights": SceneLimits(32, 1, 1, "every step is drawn side by side in each panel"),
    "memory": SceneLimits(32, 1, 1, "the sensitivity matrix shows every pair of steps"),
    "gradients": SceneLimits(32, 1, 1, "every step gets a bar on the gradient chart"),
}
