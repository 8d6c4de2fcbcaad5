"""Scene components and layout checks, tested without rendering a frame.

Expected numbers are derived here by hand from h_t = f(w_x x_t + w_h h_(t-1) + b)
(with ``math.tanh``), not read back from the engine.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

pytest.importorskip("manim")

#: Builds Manim scenes or mobjects (a dry run, no video): the "scene" tier.
pytestmark = pytest.mark.scene

from manim import RIGHT, MovingCamera, Square, VGroup  # noqa: E402
from scene_checks import check_layout, collect_numbers, config_dict  # noqa: E402

import rnn_engine  # noqa: E402
from explainer.config import ConfigError, check_renderable, from_dict  # noqa: E402
from explainer.scene_kinds import SCENE_KINDS, get_scene_kind  # noqa: E402
from rnn_engine.formatting import format_number  # noqa: E402
from scenes.components.activation_inset import ActivationInset, inset_z_range  # noqa: E402
from scenes.components.cell import Cell  # noqa: E402
from scenes.components.chain import UnrolledChain  # noqa: E402
from scenes.components.equation import EquationLine, typst_value  # noqa: E402
from scenes.components.state_chart import StateChart  # noqa: E402
from scenes.components.text import FormulaCache, LabelGroup, make_number, make_text  # noqa: E402
from scenes.theme import get_theme  # noqa: E402
from scenes.unrolled import UnrolledScene  # noqa: E402

DARK = get_theme("dark")


def _trajectory(x, w_x=0.5, w_h=0.8, b=0.1, h0=0.0, activation="tanh"):
    params = rnn_engine.RNNParams.from_values(w_x, w_h, b, h0, activation)
    return rnn_engine.run(np.asarray(x, dtype=float), params)


def _fake_scene(*mobjects):
    camera = MovingCamera()
    return SimpleNamespace(mobjects=list(mobjects), camera=camera)


# ----------------------------------------------------------------------------- layout checker


def test_check_layout_reports_overlapping_labels_and_accepts_separated_ones():
    a = make_text("Alpha 1", DARK)
    b = make_text("Beta 2", DARK).move_to(a.get_center() + 0.1 * RIGHT)
    problems = check_layout(_fake_scene(a, b))
    assert any("overlap" in p for p in problems), problems
    b.next_to(a, RIGHT, buff=0.3)
    assert check_layout(_fake_scene(a, b)) == []


def test_check_layout_ignores_overlaps_inside_one_label_group():
    a = make_text("Alpha 1", DARK)
    b = make_text("Beta 2", DARK).move_to(a)
    assert check_layout(_fake_scene(LabelGroup(a, b))) == []


def test_check_layout_reports_labels_and_shapes_outside_the_frame():
    label = make_text("Far away 9", DARK).move_to((7.5, 0, 0))
    square = Square(side_length=1).move_to((0, -4.2, 0))
    problems = check_layout(_fake_scene(label, square))
    assert any("label 'Far away 9' outside the frame" in p for p in problems), problems
    assert any("Square outside the frame" in p for p in problems), problems


def test_check_layout_follows_the_moving_camera_frame():
    label = make_text("Right side 3", DARK).move_to((9.0, 0, 0))
    scene = _fake_scene(label)
    assert check_layout(scene)  # outside the default frame
    scene.camera.frame.move_to((9.0, 0, 0))
    assert check_layout(scene) == []


def test_check_layout_reports_text_too_small_to_read():
    tiny = make_text("Tiny 0.5", DARK).scale(0.3)
    problems = check_layout(_fake_scene(tiny))
    assert any("too small" in p for p in problems), problems


def test_collect_numbers_reads_back_keyed_numbers_only_when_visible():
    n = make_number(0.456, 2, DARK, key=("h", 0, 0))
    m = make_number(-1.0, 2, DARK, key=("x", 0, 0)).shift(RIGHT)
    shown = {s.key: s for s in collect_numbers(_fake_scene(VGroup(n, m)))}
    assert shown[("h", 0, 0)].text == "0.46" and shown[("h", 0, 0)].value == pytest.approx(0.46)
    assert shown[("x", 0, 0)].text == "-1.00"
    m.set_opacity(0)
    assert ("x", 0, 0) not in {s.key for s in collect_numbers(_fake_scene(VGroup(n, m)))}


# ----------------------------------------------------------------------------- equation line


def test_equation_line_substitutes_the_hand_computed_numbers():
    # x = (1, 2), w_x 0.5, w_h 0.8, b 0.1, h0 0:
    h1 = math.tanh(0.5 * 1 + 0.1)  # 0.537
    z2 = 0.5 * 2 + 0.8 * h1 + 0.1  # 1.530
    h2 = math.tanh(z2)  # 0.910
    traj = _trajectory([1.0, 2.0])
    eq = EquationLine(traj, DARK, 2, FormulaCache(DARK))
    z_line, h_line = eq.for_step(1)
    z_nums = dict(z_line.shown_numbers)
    assert z_nums == {
        ("w_x", 0, 0): "0.50",
        ("x", 1, 0): "2.00",
        ("w_h", 0, 0): "0.80",
        ("h", 0, 0): f"{h1:.2f}",
        ("b", 0): "0.10",
        ("z", 1, 0): f"{z2:.2f}",
    }
    assert dict(h_line.shown_numbers) == {("z", 1, 0): f"{z2:.2f}", ("h", 1, 0): f"{h2:.2f}"}
    # The numbers are in the typeset source in that order.
    src = eq.sources(1)[0]
    positions = [src.index(v) for v in ("0.50", "2.00", "0.80", f"{h1:.2f}", "0.10", f"{z2:.2f}")]
    assert positions == sorted(positions)
    assert z_line.width <= eq.max_width and z_line.height > 0


def test_typst_value_forms():
    assert typst_value(1.34e154, 2) == "1.34 times 10^(154)"
    assert typst_value(-0.456, 2, parens_if_negative=True) == "(-0.46)"
    assert typst_value(-0.456, 2) == "-0.46"
    assert typst_value(float("inf"), 2) == '"overflow"'


def test_vector_equation_uses_matrix_form_with_every_unit():
    traj = _trajectory([[1.0], [0.5]], w_x=[[0.5], [-0.3]], w_h=[[0.5, -0.2], [0.3, 0.4]], b=[0.1, -0.1])
    eq = EquationLine(traj, DARK, 2, FormulaCache(DARK))
    z_src, z_nums, h_src, h_nums = eq.sources(1, numeric_weights=False)
    assert "W_x" in z_src and "W_h" in z_src and z_src.count("vec(") == 3
    assert {k for k, _ in h_nums} == {("h", 1, 0), ("h", 1, 1)}
    assert {k for k, _ in z_nums if k[0] == "z"} == {("z", 1, 0), ("z", 1, 1)}
    # Written out, every weight is on screen too, keyed to its entry.
    z_src, z_nums, _, _ = eq.sources(1, numeric_weights=True)
    assert "W_x" not in z_src and "mat(0.50; -0.30)" in z_src and "mat(0.50, -0.20; 0.30, 0.40)" in z_src
    shown = dict(z_nums)
    assert shown[("w_h", 0, 1)] == "-0.20" and shown[("w_x", 1, 0)] == "-0.30"
    assert {k for k in shown if k[0] == "w_h"} == {("w_h", i, j) for i in range(2) for j in range(2)}


def test_vector_equation_writes_weights_out_only_where_they_fit():
    small = _trajectory([[1.0], [0.5]], w_x=[[0.5], [-0.3]], w_h=[[0.5, -0.2], [0.3, 0.4]], b=[0.1, -0.1])
    assert EquationLine(small, DARK, 2, FormulaCache(DARK), size=26, max_width=13.2).numeric_weights
    w_h = [[-0.5, -0.2, -0.1, -0.3], [-0.3, -0.4, -0.5, -0.2], [-0.1, -0.2, -0.6, -0.1], [-0.1, -0.2, -0.3, -0.5]]
    # H = D = 4 with signs: two 4 x 4 matrices do not fit beside everything else.
    x = [[1.0, -0.5, 0.25, -1.0], [0.5, -0.25, 1.0, -0.5]]
    wide = _trajectory(x, w_x=[[-v for v in row] for row in w_h], w_h=w_h, b=[0.1, -0.1, 0.2, -0.2])
    eq = EquationLine(wide, DARK, 2, FormulaCache(DARK), size=26, max_width=13.2)
    assert not eq.numeric_weights
    # One form for the whole clip: every step's line uses the symbols.
    for t in range(2):
        assert "W_h" in eq.sources(t, numeric_weights=eq.numeric_weights)[0]


# ----------------------------------------------------------------------------- cell and chain


def test_cell_fill_shows_keyed_values_tinted_by_sign():
    cell = Cell(DARK, 3, precision=2, scale=1.0)
    cell.make_fill_animation([0.5, -0.25, float("inf")], t=4)
    assert cell.values is not None
    texts = [row[1].shown_text for row in cell.values]
    keys = [row[1].shown_numbers[0][0] for row in cell.values]
    assert texts == ["0.50", "-0.25", "overflow"]
    assert keys == [("h", 4, 0), ("h", 4, 1), ("h", 4, 2)]
    tiles = [row[0] for row in cell.values]
    assert tiles[0].get_fill_color().to_hex().upper() == DARK.positive.upper()
    assert tiles[1].get_fill_color().to_hex().upper() == DARK.negative.upper()
    assert tiles[0].get_fill_opacity() > tiles[1].get_fill_opacity()  # |0.5| > |-0.25|


def test_chain_window_holds_at_most_nine_columns_and_follows_the_step():
    traj = _trajectory(np.sin(np.arange(64)))
    chain = UnrolledChain(traj, DARK, 2)
    assert 6 <= chain.slots <= 9
    assert len(chain.submobjects) == chain.slots
    assert chain.window_start_for(0) == 0
    last = chain.window_start_for(63)
    assert last == 64 + 1 - chain.slots  # the last cell ends the window
    mid = chain.window_start_for(20)
    assert mid <= 21 < mid + chain.slots - 1  # step 21 visible with a column to spare


def test_chain_scroll_slides_columns_and_drops_those_that_left():
    traj = _trajectory(np.linspace(-1, 1, 20))
    chain = UnrolledChain(traj, DARK, 2)
    x_of_col3 = chain.column(3).cell.get_x()
    anim = chain.make_scroll_animation(2)
    anim.begin()
    anim.interpolate(1.0)
    anim.finish()
    chain.finish_scroll()
    assert [c.k for c in chain.submobjects] == list(chain.visible_range())
    assert chain.visible_range()[0] == 2
    assert chain.column(3).cell.get_x() == pytest.approx(x_of_col3 - 2 * chain.spacing)
    entering = chain.column(chain.visible_range()[-1])
    assert entering.cell.get_x() == pytest.approx(chain.slot_x(entering.k))
    assert entering.cell.box.get_stroke_opacity() > 0.5  # faded in fully


def test_chain_cells_widen_for_long_numbers():
    small = UnrolledChain(_trajectory([0.5, 0.2]), DARK, 2)
    huge = UnrolledChain(_trajectory([1.0, 2.0], w_x=1e150, activation="relu"), DARK, 2)
    assert huge.cell_width > small.cell_width


# ----------------------------------------------------------------------------- inset and chart


def test_inset_range_contains_every_finite_z_and_clips_squashing_functions():
    z = np.array([[-2.5], [0.3], [1.7]])
    lo, hi = inset_z_range("tanh", z)
    assert lo <= -2.5 and hi >= 1.7 and lo == -hi
    lo, hi = inset_z_range("tanh", np.array([[50.0], [1.0]]))
    assert hi == 6.0  # nothing left to see beyond the flat part
    lo, hi = inset_z_range("relu", np.array([[1e154], [np.inf], [2.0]]))
    assert hi >= 1e154 and lo < 0 and np.isfinite(hi)


def test_inset_marks_points_outside_the_range_and_skips_nan():
    traj = _trajectory([100.0, 0.1], w_x=1.0, w_h=0.0, b=0.0)
    inset = ActivationInset(traj, DARK, 2, FormulaCache(DARK))
    points, _, markers = inset._state(0)
    assert points[0][1] == 1 and len(markers) == 1  # z = 100 is off the right edge
    points, _, markers = inset._state(1)
    assert points[0][1] == 0 and len(markers) == 0


def test_chart_omits_non_finite_states_and_marks_the_first_overflow():
    traj = _trajectory(np.ones(6), w_x=1.0, w_h=1e200, activation="relu")
    assert not np.isfinite(traj.h).all()
    chart = StateChart(traj, DARK, 2)
    for t in range(traj.steps):
        chart.make_grow_animation(t)
    finite = int(np.isfinite(traj.h[:, 0]).sum())
    assert len(chart.dots) == finite
    labels = [m for m in chart.overflow_mark if hasattr(m, "shown_text")]
    assert [m.shown_text for m in labels] == ["overflow"]
    for dot in chart.dots:
        assert np.all(np.isfinite(dot.get_center()))


def test_chart_puts_a_much_larger_input_on_its_own_scale():
    assert StateChart(_trajectory(2.0 ** np.arange(12), activation="tanh"), DARK, 2).x_own_scale
    assert not StateChart(_trajectory(np.sin(np.arange(8))), DARK, 2).x_own_scale


# ----------------------------------------------------------------------------- registry and limits


def test_scene_registry_resolves_unrolled_and_rejects_unknown_kinds():
    assert get_scene_kind("unrolled").load_class() is UnrolledScene
    assert set(SCENE_KINDS) >= {"unrolled", "compare", "weights", "memory", "gradients"}
    for kind in SCENE_KINDS.values():  # every entry names a class that exists
        assert kind.load_class().__name__ == kind.scene_class.split(":")[1]
    with pytest.raises(KeyError, match="unknown scene 'unroled'"):
        get_scene_kind("unroled")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"w_x": np.ones((5, 1)).tolist(), "w_h": np.eye(5).tolist()}, "at most 4 hidden units; this config has H = 5"),
        (
            {"kind": "custom", "values": np.ones((3, 5)).tolist(), "length": 3, "w_x": np.ones((1, 5)).tolist()},
            "inputs of at most 4 components; this config has D = 5",
        ),
    ],
)
def test_unrolled_scene_refuses_more_than_four_units_or_inputs(kwargs, message):
    cfg = from_dict(config_dict(**kwargs))
    with pytest.raises(ConfigError, match=message):
        check_renderable(cfg)


def test_make_number_uses_format_number():
    for v in (0.0, -0.004, 12345.678, float("inf"), float("nan"), 3.1e-6):
        assert make_number(v, 2, DARK).shown_text == format_number(v, 2)


@pytest.mark.parametrize(
    "x, w_x, w_h, b",
    [
        (  # H = 4, D = 2: numbers of many widths, some steps wider than others
            [[6.36, -4.03], [2.76, -3.36], [3.45, -1.15], [0.48, 0.16], [3.3, -0.96], [-8.9, -2.28]],
            [[0.18, -0.44], [0.77, 1.02], [-0.15, -1.49], [1.38, 1.08]],
            [
                [-0.15, 1.05, -0.17, -0.57],
                [-0.08, 0.54, -0.47, 0.98],
                [-0.45, 0.48, 0.27, -0.08],
                [0.54, -0.75, 0.68, -0.03],
            ],
            [-0.16, 0.22, 0.32, 0.23],
        ),
        (
            [[-0.3, -0.34], [-2.51, -0.86], [-0.19, 1.52], [0.16, 1.4], [-0.39, -0.25], [-3.9, 0.46], [0.55, 1.76]],
            [[-0.49, 0.09], [-0.71, -1.18], [-0.71, -0.34], [1.36, 0.0]],
            [
                [-0.4, 0.07, 0.11, -0.34],
                [0.57, -0.94, -0.11, 0.33],
                [-0.67, 0.18, 0.65, 0.23],
                [-0.85, -0.36, 0.62, 0.15],
            ],
            [-0.0, 0.13, 0.22, -0.21],
        ),
    ],
)
def test_vector_equation_keeps_one_arrangement_inside_its_band(x, w_x, w_h, b):
    # The unrolled scene's sizes. Every step must be laid out the same way (side by side or
    # stacked) and fit the band the scene reserves, or the equation runs into the chain.
    traj = _trajectory(x, w_x=w_x, w_h=w_h, b=b)
    eq = EquationLine(traj, DARK, 2, FormulaCache(DARK), size=26, max_width=13.2)
    band = eq.band_height()
    arrangements = set()
    for t in range(traj.steps):
        group = eq.for_step(t)
        z_line, h_line = group.submobjects
        arrangements.add("side by side" if z_line.get_right()[0] < h_line.get_left()[0] else "stacked")
        assert group.height <= band + 1e-6, f"step {t + 1} is taller than the band"
        assert group.width <= 13.2 / 0.8 + 1e-6
    assert len(arrangements) == 1, arrangements
