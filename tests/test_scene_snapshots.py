"""Last-frame snapshots of the unrolled scene (Manim's ``frames_comparison``).

Control frames live in ``tests/control_data/unrolled/``; after an intended visual
change, regenerate them with ``pytest tests/test_scene_snapshots.py --set_test``
and look at the new frames before committing them.
"""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("manim")

#: Builds Manim scenes or mobjects (a dry run, no video): the "scene" tier.
pytestmark = pytest.mark.scene

from manim import MovingCamera  # noqa: E402
from manim.utils.testing.frames_comparison import frames_comparison  # noqa: E402
from scene_checks import make_spec  # noqa: E402

from scenes.unrolled import UnrolledScene  # noqa: E402

__module_test__ = "unrolled"

#: cairo version the control frames were written with. Pixels differ between cairo
#: versions, so the comparison runs only on this one (Manim itself skips cairo < 1.18,
#: which is what this machine has; the frames were written and checked with it).
CONTROL_CAIRO = "1.16.0"


@pytest.fixture(autouse=True)
def _same_cairo_as_control_data(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    import cairo
    from manim.utils.testing import frames_comparison as fc

    if not request.config.getoption("--set_test") and cairo.cairo_version_string() != CONTROL_CAIRO:
        pytest.skip(
            f"control frames were written with cairo {CONTROL_CAIRO}, this is "
            f"{cairo.cairo_version_string()}; rewrite them with --set_test"
        )
    monkeypatch.setattr(fc, "MIN_CAIRO_VERSION", cairo.cairo_version())


def _bound(**kwargs: Any) -> type[UnrolledScene]:
    """``UnrolledScene`` with its spec fixed, constructible as ``cls(**manim_kwargs)``."""
    spec = make_spec(**kwargs)

    class Bound(UnrolledScene):
        def __init__(self, *args: Any, **kw: Any) -> None:
            renderer = kw.get("renderer")
            # frames_comparison builds a plain-camera renderer; this scene needs a MovingCamera.
            if renderer is not None and not isinstance(renderer.camera, MovingCamera):
                renderer.camera = MovingCamera()
            super().__init__(spec, *args, **kw)

    return Bound


@frames_comparison(base_scene=_bound(length=5))
def test_default_dark_summary(scene: UnrolledScene) -> None:
    UnrolledScene.construct(scene)


@frames_comparison(
    base_scene=_bound(length=4, theme="light", kind="fibonacci", normalize="maxabs", activation="sigmoid")
)
def test_light_sigmoid_summary(scene: UnrolledScene) -> None:
    UnrolledScene.construct(scene)


@frames_comparison(
    base_scene=_bound(
        length=4,
        w_x=[[0.5], [-0.3], [0.8]],
        w_h=[[0.5, -0.2, 0.1], [0.3, 0.4, -0.5], [0.0, 0.2, 0.6]],
        b=[0.1, 0.0, -0.1],
    )
)
def test_vector_h3_summary(scene: UnrolledScene) -> None:
    UnrolledScene.construct(scene)
