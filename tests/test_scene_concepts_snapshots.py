"""Last-frame snapshots of the four concept scenes (854 x 480), compared with stored control data.

Regenerate after an intended visual change with ``pytest tests/test_scene_concepts_snapshots.py --set_test``
(the options come from ``tests/conftest.py``), then look at the new frames before committing them.
The frames live in ``tests/control_data/scene_concepts/``.
"""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("manim")

from manim import MovingCamera  # noqa: E402
from manim.utils.testing.frames_comparison import frames_comparison  # noqa: E402
from test_scene_concepts import concept_inputs  # noqa: E402

from scenes.compare import CompareScene  # noqa: E402
from scenes.gradients import GradientsScene  # noqa: E402
from scenes.memory import MemoryScene  # noqa: E402
from scenes.weights import WeightsScene  # noqa: E402

__module_test__ = "scene_concepts"

pytestmark = [pytest.mark.slow, pytest.mark.scene]


#: cairo version the control frames were written with. Pixels differ between cairo
#: versions, so the comparison only runs on this one (Manim itself skips cairo < 1.18,
#: which is what this machine has: the frames below were written and checked with it).
CONTROL_CAIRO = "1.16.0"


@pytest.fixture(autouse=True)
def _same_cairo_as_control_data(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    import cairo
    from manim.utils.testing import frames_comparison as fc

    try:
        request.config.getoption("--set_test")
    except ValueError:
        pytest.skip("tests/conftest.py does not register --set_test / --show_diff")
    if not request.config.getoption("--set_test") and cairo.cairo_version_string() != CONTROL_CAIRO:
        pytest.skip(
            f"control frames were written with cairo {CONTROL_CAIRO}, this is "
            f"{cairo.cairo_version_string()}; rewrite them with --set_test"
        )
    monkeypatch.setattr(fc, "MIN_CAIRO_VERSION", cairo.cairo_version())


def _bound(scene_cls: type, spec: Any, runs: Any) -> type:
    """``scene_cls`` with its inputs fixed, constructible as ``cls(**kwargs)`` the way frames_comparison does."""

    class Bound(scene_cls):  # type: ignore[misc, valid-type]
        def __init__(self, **kwargs: Any) -> None:
            renderer = kwargs.get("renderer")
            if renderer is not None and not isinstance(renderer.camera, MovingCamera):
                # frames_comparison builds a plain Camera; explainer scenes are MovingCameraScenes.
                renderer.camera = MovingCamera()
            super().__init__(spec, **kwargs)

    Bound.__name__ = scene_cls.__name__
    return Bound


_COMPARE = _bound(CompareScene, *concept_inputs("compare", length=4))
_WEIGHTS = _bound(
    WeightsScene,
    *concept_inputs(
        "weights", field="rnn.w_h", values=(0.5, 1.0, 1.5), sequence_values=[1.0, 0.0, 0.0, 0.0, 0.0], theme="light"
    ),
)
_MEMORY = _bound(MemoryScene, *concept_inputs("memory", length=5, perturb_step=2))
_GRADIENTS = _bound(
    GradientsScene, *concept_inputs("gradients", activation="sigmoid", w_h=1.0, length=5, theme="light")
)


@frames_comparison(base_scene=_COMPARE)
def test_compare_last_frame(scene: Any) -> None:
    CompareScene.construct(scene)


@frames_comparison(base_scene=_WEIGHTS)
def test_weights_last_frame(scene: Any) -> None:
    WeightsScene.construct(scene)


@frames_comparison(base_scene=_MEMORY)
def test_memory_last_frame(scene: Any) -> None:
    MemoryScene.construct(scene)


@frames_comparison(base_scene=_GRADIENTS)
def test_gradients_last_frame(scene: Any) -> None:
    GradientsScene.construct(scene)
