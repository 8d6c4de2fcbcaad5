"""The finer moving/static split of :mod:`scenes.redraw`: same pixels, fewer paths.

The unit tests place squares by hand, so which piece must be redrawn follows from
the geometry (overlap or not, drawn before or after) without running Manim's code.
The render test plays the same small scene with Manim's own split and with ours and
compares every frame byte for byte.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("manim")

#: Builds Manim scenes or mobjects (a dry run, no video): the "scene" tier.
pytestmark = pytest.mark.scene

from manim import (  # noqa: E402
    LEFT,
    RIGHT,
    UP,
    Animation,
    AnimationGroup,
    Arrow,
    Camera,
    FadeIn,
    MovingCameraScene,
    Square,
    VGroup,
    tempconfig,
)
from manim.scene.scene import Scene  # noqa: E402
from scene_checks import make_spec  # noqa: E402

from scenes.base import ExplainerScene  # noqa: E402
from scenes.redraw import RedrawPlan, changed_mobjects, draw_order  # noqa: E402


def _square(x: float, y: float = 0.0) -> Square:
    return Square(side_length=1.0).move_to((x, y, 0))


def _plan(mobjects, changed):
    return RedrawPlan(draw_order(mobjects, use_z_index=True), changed)


def test_far_pieces_stay_static_and_overlapped_later_pieces_move():
    before = _square(0.3)  # overlaps the animated square but is drawn under it
    animated = _square(0.0)
    far = _square(4.0)  # drawn above, but nowhere near
    above = _square(0.5)  # drawn above and overlapping: must be redrawn over it
    chained = _square(1.3)  # overlaps only `above`, drawn after it: must follow it
    plan = _plan([before, animated, far, above, chained], [animated])
    moving, static = plan.split()
    assert moving == [animated, above, chained]
    assert static == [before, far]


def test_a_group_that_only_contains_the_animated_piece_is_not_redrawn_whole():
    left, right = _square(-3.0), _square(3.0)
    group = VGroup(left, right)
    moving, static = _plan([group], changed_mobjects([FadeIn(right)])).split()
    assert moving == [right]
    assert static == [left]


def test_composition_groups_and_placeholders_change_nothing_themselves():
    left, right = _square(-3.0), _square(3.0)
    group = VGroup(left, right)
    changed = changed_mobjects([AnimationGroup(FadeIn(right), group=group), Animation(group)])
    assert right in changed
    assert left not in changed


def test_a_piece_with_points_moves_with_its_submobjects():
    arrow = Arrow(LEFT, RIGHT)
    other = _square(-4.0, 3.0)
    # Animating only the tip: the camera draws the arrow's whole family, so both move.
    moving, static = _plan([arrow, other], [arrow.tip]).split()
    assert set(map(id, moving)) == {id(arrow), id(arrow.tip)}
    assert static == [other]


def test_recheck_catches_a_piece_that_moves_under_a_static_one():
    animated = _square(-3.0)
    above = _square(3.0)
    plan = _plan([animated, above], [animated])
    assert plan.split() == ([animated], [above])
    assert plan.recheck() is False
    animated.move_to((2.6, 0, 0))
    assert plan.recheck() is True
    assert plan.split() == ([animated, above], [])


class _Demo(ExplainerScene):
    """A square slides under another one drawn above it; a third one never moves."""

    def construct(self) -> None:
        below = _square(-4.0).set_fill("#e07a5f", opacity=0.8)
        above = _square(1.0).set_fill("#3d85c6", opacity=0.6)
        aside = _square(0.0, 2.5).set_fill("#81b29a", opacity=0.9)
        group = VGroup(below, aside)
        self.add(group, above)
        self.play(below.animate.shift(5 * RIGHT), run_time=1.0)
        self.play(AnimationGroup(FadeIn(_square(-4.0, -2.5), shift=UP), group=group), run_time=0.5)
        self.wait(0.5)


class _StockDemo(_Demo):
    get_moving_and_static_mobjects = MovingCameraScene.get_moving_and_static_mobjects
    update_to_time = Scene.update_to_time


def _render(cls, tmp_path, monkeypatch):
    frames: list[np.ndarray] = []
    paths = [0]
    original = Camera.set_cairo_context_path

    def counted(self, ctx, vmobject):
        paths[0] += 1
        return original(self, ctx, vmobject)

    monkeypatch.setattr(Camera, "set_cairo_context_path", counted)
    settings = {
        "media_dir": str(tmp_path / cls.__name__),
        "pixel_width": 192,
        "pixel_height": 108,
        "frame_rate": 15,
        "disable_caching": True,
        "progress_bar": "none",
        "verbosity": "ERROR",
    }
    with tempconfig(settings):
        scene = cls(make_spec())
        record = scene.renderer.file_writer.write_frame

        def keep(pixels, *, repeat=1):
            frames.extend([pixels.copy()] * repeat)
            return record(pixels, repeat=repeat)

        scene.renderer.file_writer.write_frame = keep
        scene.render()
    return frames, paths[0]


def test_same_frames_as_manims_own_split_with_fewer_paths(tmp_path, monkeypatch):
    stock, stock_paths = _render(_StockDemo, tmp_path, monkeypatch)
    ours, our_paths = _render(_Demo, tmp_path, monkeypatch)
    assert len(stock) == len(ours) > 20
    for i, (a, b) in enumerate(zip(stock, ours, strict=True)):
        assert np.array_equal(a, b), f"frame {i} differs"
    assert our_paths < stock_paths
