"""The drawing pieces of the concept scenes, built directly (no scene, no rendering)."""

from __future__ import annotations

import math

import numpy as np
import pytest

pytest.importorskip("manim")

#: Builds Manim scenes or mobjects (a dry run, no video): the "scene" tier.
pytestmark = pytest.mark.scene

from scenes.components.callouts import CalloutList, pretty, wrapped_text  # noqa: E402
from scenes.components.heatmap import LOG_DECADES, SensitivityHeatmap, colour_scale  # noqa: E402
from scenes.components.log_bars import LogBars, decade_range, superscript  # noqa: E402
from scenes.components.overlay_chart import CAP_RATIO, MAX_DECADES, ChartSeries, OverlayChart, value_scale  # noqa: E402
from scenes.components.step_bars import StepBars  # noqa: E402
from scenes.theme import get_theme  # noqa: E402

DARK = get_theme("dark")


# ----------------------------------------------------------------------------- overlay chart


def test_similar_runs_share_a_linear_axis() -> None:
    sc = value_scale([[0.1, -0.8, 0.5], [0.2, 0.9, 0.3]])
    assert sc.mode == "linear"
    assert sc.unit == pytest.approx(0.9)
    assert sc.lo == pytest.approx(-0.8 / 0.9) and sc.hi == pytest.approx(1.0)


def test_a_run_that_dwarfs_the_others_switches_to_symlog() -> None:
    small, big = [0.2, -0.5, 0.9], [1.0, 10.0, 1000.0]
    sc = value_scale([small, big])
    assert 1000.0 > CAP_RATIO * 0.9
    assert sc.mode == "symlog"
    assert sc.unit == pytest.approx(0.9)  # the small run keeps a linear part
    for v in (-0.5, 0.0, 0.9):
        assert sc.s(v) == pytest.approx(v / 0.9)  # linear inside ±unit
    assert sc.s(9.0) == pytest.approx(2.0)  # one decade beyond the unit: one axis unit further
    assert sc.s(-90.0) == pytest.approx(-3.0)
    for v in (-90.0, -0.3, 0.0, 0.45, 9.0, 1000.0):
        assert sc.value(sc.s(v)) == pytest.approx(v)
    assert sc.hi == pytest.approx(1.0 + math.log10(1000.0 / 0.9))


def test_symlog_axis_stops_after_max_decades_and_marks_overflow() -> None:
    runs = [[0.5, 0.5, 0.5, 0.5], [1.0, 1e3, 1e20, math.inf]]
    sc = value_scale(runs)
    assert sc.hi == pytest.approx(1.0 + MAX_DECADES)
    assert not sc.inside(1e20) and not sc.inside(math.inf) and sc.inside(1e3)
    chart = OverlayChart(
        [ChartSeries(f"r{i}", r, DARK.series[i], key=lambda t, i=i: ("run", i, "h", t, 0)) for i, r in enumerate(runs)],
        DARK,
        2,
    )
    for t in range(4):
        chart.make_grow_animation(t)
    # One marker where the big run leaves (t = 2), none for the step after (still outside).
    keys = [n[0] for m in chart.exits.get_family() for n in getattr(m, "shown_numbers", []) or []]
    assert keys == [("run", 1, "h", 2, 0)]
    _, _, bottom, top = chart.plot_box
    for dot in chart.dots:
        assert bottom - 1e-6 <= dot.get_y() <= top + 1e-6


def test_drawn_pieces_are_what_the_chart_draws() -> None:
    # A run that leaves the window at t = 2: its line is cut at the edge, the points
    # outside are not drawn, and nothing joins the steps beyond.
    runs = [[0.5, 0.5, 0.5, 0.5], [1.0, 1e3, 1e20, math.inf]]
    chart = OverlayChart([ChartSeries(f"r{i}", r, DARK.series[i]) for i, r in enumerate(runs)], DARK, 2)
    pieces = chart.drawn_pieces(1)
    points = [a for a, b in pieces if np.allclose(a, b)]
    lines = [(a, b) for a, b in pieces if not np.allclose(a, b)]
    assert [p[0] for p in points] == pytest.approx([chart.column_x(0), chart.column_x(1)])
    assert len(lines) == 2  # t = 1 -> 2, and 2 -> 3 cut at the top edge
    edge = chart.anchor(1, 2)[1]  # where the run leaves: clamped to the window's edge
    assert lines[1][1][1] == pytest.approx(edge) and lines[1][1][0] < chart.column_x(2)
    assert len(chart.drawn_pieces(0)) == 4 + 3


def test_chart_points_follow_the_values() -> None:
    chart = OverlayChart([ChartSeries("a", [0.0, 0.5, -0.5, 1.0], DARK.memory)], DARK, 2, centre=(1.0, -1.0))
    ys = [chart.anchor(0, t)[1] for t in range(4)]
    assert ys[2] < ys[0] < ys[1] < ys[3]
    xs = [chart.anchor(0, t)[0] for t in range(4)]
    assert np.all(np.diff(xs) > 0) and np.allclose(np.diff(xs), np.diff(xs)[0])
    assert chart.panel.get_center()[:2] == pytest.approx([1.0, -1.0])


# ----------------------------------------------------------------------------- log bars


def test_decade_range_covers_values_and_one() -> None:
    assert decade_range([1.0, 0.2, 0.003]) == (-3, 1)
    assert decade_range([1.0, 38.4]) == (-1, 2)
    assert decade_range([0.0, math.inf, math.nan]) == (-1, 1)
    assert superscript(-12) == "⁻¹²"


def test_log_bars_hang_below_one_and_stand_above_it() -> None:
    values = [38.4, 1.5, 1.0, 0.04, 0.0, math.inf]
    bars = LogBars(values, DARK, 2, box=(-6, 6, -3, 3), colour=DARK.memory, key=lambda t: ("g", t))
    one = bars.y_of(0.0)
    assert bars.bar_end(0) > bars.bar_end(1) > one
    assert bars.bar_end(2) == pytest.approx(one)
    assert bars.bar_end(3) < one
    assert bars.bar_end(4) == pytest.approx(bars.plot_bottom)  # zero: no logarithm, bottom edge
    assert bars.bar_end(5) == pytest.approx(bars.plot_top)  # overflow: top edge
    # Equal ratios are equal distances on the axis.
    assert bars.y_of(2.0) - bars.y_of(1.0) == pytest.approx(bars.y_of(1.0) - bars.y_of(0.0))
    for t in range(len(values)):
        bars.make_bar_animation(t)
    texts = {n[0]: n[1] for m in bars.labels.get_family() for n in getattr(m, "shown_numbers", []) or []}
    assert texts[("g", 0)] == "38.40" and texts[("g", 4)] == "0.00" and texts[("g", 5)] == "overflow"


# ----------------------------------------------------------------------------- heatmap and gap bars


def test_heatmap_scale_switches_to_log_for_fading_memory() -> None:
    assert colour_scale(np.array([0.5, 0.25, 0.1]))[0] == "linear"
    mode, vmax = colour_scale(np.array([0.8, 1e-3, 1e-6, 0.0]))
    assert mode == "log" and vmax == pytest.approx(0.8)


def test_heatmap_has_one_cell_per_earlier_input_and_darker_means_smaller() -> None:
    T = 5
    S = np.tril(0.8 * 0.5 ** np.subtract.outer(np.arange(T), np.arange(T)).astype(float))
    hm = SensitivityHeatmap(S, DARK, 2, side=3.0)
    assert set(hm.cells) == {(t, k) for t in range(T) for k in range(t + 1)}
    strengths = [hm.strength(S[t, 0]) for t in range(T)]
    assert strengths[0] == pytest.approx(1.0)
    assert all(a > b for a, b in zip(strengths, strengths[1:], strict=False))
    assert hm.mode == "linear"  # 0.8 down to 0.05: a 16-fold range
    big = SensitivityHeatmap(np.tril(np.full((4, 4), 10.0) ** -np.arange(4)[:, None]), DARK, 2, side=3.0)
    assert big.mode == "log"
    assert big.strength(10.0**-LOG_DECADES) == pytest.approx(0.0)


def test_heatmap_cells_carry_numbers_only_when_they_fit() -> None:
    S = np.tril(np.full((3, 3), 0.5))
    roomy = SensitivityHeatmap(S, DARK, 2, side=3.0)
    assert set(roomy.numbers) == set(roomy.cells)
    assert roomy.numbers[(2, 1)].shown_numbers == [(("sensitivity", 2, 1, 0, 0), "0.50")]
    crowded = SensitivityHeatmap(np.tril(np.full((12, 12), 0.5)), DARK, 2, side=3.0)
    assert crowded.numbers == {}


def test_step_bars_scale_to_the_largest_value() -> None:
    bars = StepBars(
        [0.0, 0.4, 0.2, 0.1],
        DARK,
        2,
        xs=[-3, -1, 1, 3],
        box=(-4, 4, -3, 0),
        colour=DARK.bias,
        key=lambda t: ("gap", t, 0),
    )
    assert bars.bar_top(0) == pytest.approx(bars.base_y)
    assert bars.bar_top(1) == pytest.approx(bars.top_y)
    assert bars.bar_top(2) - bars.base_y == pytest.approx((bars.top_y - bars.base_y) / 2)
    for t in range(4):
        bars.make_grow_animation(t)
    assert len(bars.bars) == 3  # a zero gap draws no bar ...
    assert [m.shown_numbers[0] for m in bars.labels] == [
        (("gap", t, 0), v) for t, v in enumerate(["0.00", "0.40", "0.20", "0.10"])
    ]


# ----------------------------------------------------------------------------- text


def test_pretty_makes_engine_sentences_screen_ready() -> None:
    assert pretty("dh_12/dx_1 = 0.5") == "dh₁₂/dx₁ = 0.5"
    assert pretty("W_h = 1.5, h_(t-1), z <= 0") == "Wₕ = 1.5, hₜ₋₁, z ≤ 0"
    assert pretty("snake_case stays") == "snake_case stays"


def test_wrapped_text_stays_inside_its_width() -> None:
    sentence = "ReLU dead at t = 7, 8; tanh and sigmoid never die (dead: z <= 0 gives h = 0 and no gradient)"
    block = wrapped_text(sentence, DARK, width=4.0)
    assert len(block) >= 2
    assert block.width <= 4.0 + 1e-6
    notes = CalloutList([(1, DARK.series[0], sentence), (2, DARK.series[1], "short")], DARK, width=4.5)
    assert notes.width <= 4.5 + 1e-6
    assert notes.items[0].get_top()[1] > notes.items[1].get_top()[1]
