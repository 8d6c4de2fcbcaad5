"""The example of using the components in one's own Manim scene (``examples/own_scene.py``).

It is played the way a Manim user would play it, in dry-run mode (no video), and
checked like the project's own scenes: clean layout, every number the engine's.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("manim")

#: Builds a Manim scene (a dry run): the "scene" tier.
pytestmark = pytest.mark.scene

from manim import tempconfig  # noqa: E402
from scene_checks import check_layout, collect_numbers  # noqa: E402

from rnn_engine.formatting import format_number  # noqa: E402
from scenes.components import ActivationInset, StateChart, UnrolledChain  # noqa: E402

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "own_scene.py"


def _load_example() -> Any:
    spec = importlib.util.spec_from_file_location("own_scene", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["own_scene"] = module
    spec.loader.exec_module(module)
    return module


def test_the_example_scene_plays_in_a_dry_run_with_a_clean_layout(tmp_path: Path) -> None:
    module = _load_example()
    with tempconfig({"dry_run": True, "media_dir": str(tmp_path), "disable_caching": True, "verbosity": "ERROR"}):
        scene = module.TinyRNN()
        scene.render()
    on_screen = {type(m) for m in scene.mobjects}
    assert {UnrolledChain, ActivationInset, StateChart} <= on_screen
    assert check_layout(scene) == []
    # The last equation on screen is the last step's, and its numbers are the engine's.
    chain = next(m for m in scene.mobjects if isinstance(m, UnrolledChain))
    trajectory = chain.trajectory
    shown = {n.key: n.text for n in collect_numbers(scene) if n.key is not None}
    T = trajectory.steps
    assert shown[("h", T - 1, 0)] == format_number(trajectory.h[T - 1, 0], 2)
    assert shown[("z", T - 1, 0)] == format_number(trajectory.z[T - 1, 0], 2)
