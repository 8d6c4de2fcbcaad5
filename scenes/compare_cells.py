"""``scene: compare`` over ``rnn.cell``: the same input through the plain RNN, the LSTM and the GRU.

Storyboard (one section each; every number from the runs' trajectories, every sentence
from :mod:`explainer.words.compare_cells`):

1. ``intro``: the title, one card per cell (its name and the equation that carries its
   memory), and an empty chart of ``h_t``.
2. ``step_01`` ... ``step_T`` (titled ``t = k``): every cell's ``h_k`` joins its line and its
   card's readout; steps after ``style.fast_after`` go quickly.
3. ``reach``: the chart gives way to one bar chart per cell of ``|dh_T/dx_k|`` for every
   step k, on one shared log scale: the leftmost bar is how much ``x_1`` still matters.
4. ``summary``: the cards give way to the closing lines (the ranking, each keep gate).

Screen layout (scene units, frame 14.2 x 8): header row; a band of cards (or the closing
lines) under it; the chart, then the bars, in the lower part of the frame.

Numbers carry keys prefixed with ``("run", i)``: ``("run", i, "h", t, 0)`` for ``h``,
``("run", i, "reach", k)`` for ``|dh_T/dx_k|``.
"""

from __future__ import annotations

import textwrap
from typing import Any

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, FadeIn, FadeOut, LaggedStart, VGroup
from manim.animation.animation import Animation

from rnn_engine import GatedTrajectory
from rnn_engine.formatting import format_number
from scenes.base import ExplainerScene
from scenes.components.callouts import sentence
from scenes.components.frame import panel_frame
from scenes.components.log_bars import LogBars, decade_range
from scenes.components.overlay_chart import ChartSeries, OverlayChart
from scenes.components.text import SIZE_BODY, SIZE_SMALL, FormulaCache, make_text, subscript
from scenes.inputs import SceneSpec
from scenes.layout import FRAME_HALF_W, HeaderRow
from scenes.layout import UNROLLED_MARGIN_X as MARGIN_X

__all__ = ["CellsCompareScene"]

CARDS_TOP, CARDS_BOTTOM = 3.1, 1.5
LOWER_TOP, LOWER_BOTTOM = 1.3, -3.85


def _memory_equation(traj: Any) -> str:
    """The equation that carries the cell's memory from step to step (Typst math)."""
    if isinstance(traj, GatedTrajectory):
        ct = traj.params.cell_type
        return ct.equations[-2] if ct.has_cell_state else ct.equations[-1]
    return "h_t = " + ("tanh" if traj.activation == "tanh" else "f") + "(W_x x_t + W_h h_(t-1) + b)"


class CellsCompareScene(ExplainerScene):
    """The cells side by side (see the module docstring)."""

    def __init__(self, spec: SceneSpec, **kwargs: Any) -> None:
        super().__init__(spec, **kwargs)
        self.steps = self.runs[0].trajectory.steps

    def _build(self) -> None:
        th, pr = self.theme, self.precision
        self.cache = FormulaCache(th)
        self.colours = [th.series[i % len(th.series)] for i in range(len(self.runs))]
        left, right = -FRAME_HALF_W + MARGIN_X, FRAME_HALF_W - MARGIN_X
        n = len(self.runs)
        gap = 0.25
        width = (right - left - gap * (n - 1)) / n
        self.card_x = [left + width / 2 + i * (width + gap) for i in range(n)]
        self.card_w = width
        self.cards: list[VGroup] = []
        self.readouts: list[Any] = [None] * n
        for i, r in enumerate(self.runs):
            frame = panel_frame(th, width, CARDS_TOP - CARDS_BOTTOM, (self.card_x[i], (CARDS_TOP + CARDS_BOTTOM) / 2))
            name = make_text(r.label, th, size=SIZE_BODY, colour=self.colours[i])
            name.next_to(frame.get_corner(UP + LEFT), DOWN + RIGHT, buff=0.15)
            eq = self.cache.get(_memory_equation(r.trajectory), size=24, colour=th.text)
            if eq.width > width - 0.4:
                eq.scale((width - 0.4) / eq.width)
            eq.move_to((self.card_x[i], (CARDS_TOP + CARDS_BOTTOM) / 2 - 0.05, 0))
            self.cards.append(VGroup(frame, name, eq))
        series = [
            ChartSeries(r.label, [float(v) for v in r.trajectory.h[:, 0]], self.colours[i], key=self._h_key(i))
            for i, r in enumerate(self.runs)
        ]
        self.chart = OverlayChart(
            series,
            th,
            pr,
            width=right - left,
            height=LOWER_TOP - LOWER_BOTTOM,
            title="hidden state h_t of each cell",
            centre=((left + right) / 2, (LOWER_TOP + LOWER_BOTTOM) / 2),
        )
        reaches = [np.abs(r.trajectory.sensitivity_to_last[:, 0, 0]) for r in self.runs]
        decades = decade_range(np.concatenate(reaches))
        T = self.steps
        self.bars = [
            LogBars(
                [float(v) for v in reaches[i]],
                th,
                pr,
                box=(
                    self.card_x[i] - width / 2,
                    self.card_x[i] + width / 2,
                    LOWER_BOTTOM,
                    LOWER_TOP,
                ),
                colour=self.colours[i],
                key=self._reach_key(i),
                title=f"{r.label}: how much xₖ moves h{subscript(T)}",
                decades=decades,
            )
            for i, r in enumerate(self.runs)
        ]
        # What x_1 still does at the end, written where the eye looks for it (the bars are too narrow).
        self.first_reach = []
        for i, b in enumerate(self.bars):
            v = float(reaches[i][0])
            text = f"x₁ → {format_number(v, pr)}"
            mob = make_text(text, th, size=SIZE_SMALL + 2, colour=self.colours[i])
            mob.shown_numbers = [(("run", i, "reach", 0), format_number(v, pr))]
            mob.next_to(b.title, DOWN, buff=0.12).align_to(b.panel, RIGHT).shift(0.15 * LEFT)
            self.first_reach.append(mob)
        self.header_row = HeaderRow(th, left_width=8.5, right_width=4.0, buff=MARGIN_X)

    @staticmethod
    def _h_key(i: int) -> Any:
        return lambda t: ("run", i, "h", t, 0)

    @staticmethod
    def _reach_key(i: int) -> Any:
        return lambda k: ("run", i, "reach", k)

    def _readout(self, i: int, t: int) -> Any:
        v = float(self.runs[i].trajectory.h[t, 0])
        text = f"h{subscript(t + 1)} = {format_number(v, self.precision)}"
        mob = make_text(text, self.theme, size=SIZE_SMALL + 2, colour=self.colours[i])
        mob.shown_numbers = [(("run", i, "h", t, 0), format_number(v, self.precision))]
        frame = self.cards[i][0]
        mob.next_to(frame.get_corner(UP + RIGHT), DOWN + LEFT, buff=0.17)
        return mob

    # -- storyboard -------------------------------------------------------------
    def construct(self) -> None:
        self._build()
        self._intro()
        for t in range(self.steps):
            self._step(t)
        self._reach()
        self._summary()

    def _intro(self) -> None:
        self.start_section("intro")
        header = self.header_row.set_title(self.spec.title)
        self.play(FadeIn(header), run_time=0.8)
        self.play(LaggedStart(*(FadeIn(c, shift=0.1 * DOWN) for c in self.cards), lag_ratio=0.3), run_time=1.5)
        self.play(FadeIn(self.chart), run_time=0.8)
        self.wait(0.5)

    def _step(self, t: int) -> None:
        step = t + 1
        budget = self.seconds_for_step(step)
        self.start_section(f"step_{step:02d}", f"t = {step}")
        anims: list[Animation] = [
            self.header_row.swap_title(f"t = {step}"),
            self.chart.make_grow_animation(t, run_time=0.7 * budget),
        ]
        for i in range(len(self.runs)):
            new = self._readout(i, t)
            old = self.readouts[i]
            self.readouts[i] = new
            anims.append(FadeIn(new))
            if old is not None:
                anims.append(FadeOut(old))
        self.play(*anims, run_time=0.7 * budget)
        if step == self.steps:
            self.thumbnail_time = float(self.renderer.time) - 0.05
        self.wait(0.3 * budget)

    def _reach(self) -> None:
        self.start_section("reach")
        self.play(self.header_row.swap_title(f"what reaches step {self.steps}"), FadeOut(self.chart), run_time=0.8)
        self.play(*(FadeIn(b) for b in self.bars), run_time=0.8)
        # From the last step back, as the gradient travels; the three charts together.
        order = list(range(self.steps - 1, -1, -1))
        self.play(
            *(
                LaggedStart(*(b.make_bar_animation(t) for t in order), lag_ratio=1.0 / len(order), group=b)
                for b in self.bars
            ),
            run_time=2.4,
        )
        self.play(*(FadeIn(m, shift=0.1 * DOWN) for m in self.first_reach), run_time=0.8)
        self.wait(0.5)

    def _summary(self) -> None:
        texts = self.spec.script.screen.get("summary", ())
        self.start_section("summary")
        fades: list[Animation] = [self.header_row.swap_title("summary")]
        fades += [FadeOut(c) for c in self.cards]
        fades += [FadeOut(r) for r in self.readouts if r is not None]
        self.play(*fades, run_time=0.8)
        if texts:
            lines = VGroup(
                *(make_text(textwrap.fill(sentence(s), 80), self.theme, size=SIZE_SMALL + 2) for s in texts)
            ).arrange(DOWN, aligned_edge=LEFT, buff=0.16)
            max_h = CARDS_TOP - CARDS_BOTTOM + 0.2
            if lines.height > max_h:
                lines.scale(max_h / lines.height)
            lines.move_to((0, (CARDS_TOP + CARDS_BOTTOM) / 2, 0)).to_edge(LEFT, buff=MARGIN_X + 0.1)
            self.play(LaggedStart(*(FadeIn(m, shift=0.1 * UP) for m in lines), lag_ratio=0.4), run_time=1.2)
        self.wait(1.0)
