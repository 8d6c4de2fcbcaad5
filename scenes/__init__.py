"""Manim scenes of the RNN explainer and the registry the renderer uses.

Scenes are imported lazily (importing this package does not import manim), so
``validate`` and ``trace`` stay fast::

    from scenes import get_scene_class
    SceneClass = get_scene_class(config.scene)   # e.g. "unrolled"
    scene = SceneClass(config, runs)             # inside manim.tempconfig({...})
    scene.render()

Every scene derives from :class:`scenes.base.ExplainerScene`; reusable drawing
pieces live in :mod:`scenes.components`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scenes.base import ExplainerScene

__all__ = ["SCENES", "get_scene_class"]

#: Scene kind (the config's ``scene:``) -> ``"module:ClassName"``.
SCENES: dict[str, str] = {
    "unrolled": "scenes.unrolled:UnrolledScene",
    "compare": "scenes.compare:CompareScene",
    "weights": "scenes.weights:WeightsScene",
    "memory": "scenes.memory:MemoryScene",
    "gradients": "scenes.gradients:GradientsScene",
}


def get_scene_class(kind: str) -> type[ExplainerScene]:
    """Import and return the scene class for ``kind``.

    Raises
    ------
    KeyError
        ``kind`` is not a known scene kind (the message lists the valid ones).
    """
    try:
        target = SCENES[kind]
    except KeyError:
        raise KeyError(f"unknown scene {kind!r}; expected one of {sorted(SCENES)}") from None
    module_name, class_name = target.split(":")
    return getattr(importlib.import_module(module_name), class_name)
