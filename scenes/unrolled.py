"""``scene: unrolled`` -- the main explainer: an RNN stepping through a sequence.

Storyboard (one section each; every number comes from the run's trajectory):

1. ``title``: the config's title, ``h_t = f(W_x x_t + W_h h_(t-1) + b)`` with its
   parts named, the chosen weights and activation.
2. ``inputs``: the input values in a row, with the sequence named.
3. ``network``: one cell per timestep, arrows for input, memory and output; a
   flash runs along the memory arrows; the activation inset and state chart appear.
4. ``step_01`` ... ``step_T`` (titled ``t = k``): the arrows into cell k light up,
   the equation line shows the numbers, h_k lands in the cell, the inset's point
   moves to (z_k, h_k) and the chart grows by one point. Steps after
   ``style.fast_after`` play in ``style.fast_step_seconds``.
5. ``summary``: the whole trajectory and one or two observations.

Screen layout (scene units, frame 14.2 x 8): header row at the top, the chain
below it (a sliding window of at most 9 columns), the equation band under the
chain, and a bottom band with the activation inset (left) and the chart (right).
"""

from __future__ import annotations

import textwrap
from typing import Any

from manim import (
    DOWN,
    LEFT,
    UP,
    FadeIn,
    FadeOut,
    LaggedStart,
    VGroup,
)
from manim.animation.animation import Animation

from scenes.base import ExplainerScene
from scenes.components.activation_inset import ActivationInset
from scenes.components.callouts import sentence
from scenes.components.chain import UnrolledChain
from scenes.components.equation import EquationLine
from scenes.components.state_chart import StateChart
from scenes.components.text import SIZE_SMALL, FormulaCache, make_text
from scenes.components.title_card import TitleCard
from scenes.inputs import SceneSpec
from scenes.layout import FRAME_HALF_W, HeaderRow
from scenes.layout import UNROLLED_MARGIN_X as MARGIN_X

__all__ = ["UnrolledScene"]

CHAIN_TOP = 3.2
BAND_GAP = 0.22
BOTTOM_Y = -3.82


class UnrolledScene(ExplainerScene):
    """The unrolled RNN, one section per timestep (see the module docstring)."""

    def __init__(self, spec: SceneSpec, **kwargs: Any) -> None:
        super().__init__(spec, **kwargs)
        # One run, H and D within the scene registry's limits: the loader checked them.
        self.run = self.runs[0]
        self.trajectory = self.run.trajectory

    # -- layout ---------------------------------------------------------------
    def _build_layout(self) -> None:
        th, traj, pr = self.theme, self.trajectory, self.precision
        self.cache = FormulaCache(th)
        self.chain = UnrolledChain(traj, th, pr, top=CHAIN_TOP, width=14.2 - 2 * MARGIN_X - 0.3)
        self.equation = EquationLine(
            traj, th, pr, self.cache, max_width=14.2 - 2 * MARGIN_X, size=30 if traj.is_scalar else 26
        )
        # The band is as tall as the tallest step equation (vector lines are taller).
        self.eq_height = self.equation.band_height()
        self.eq_y = self.chain.bottom - BAND_GAP - self.eq_height / 2
        band_top = self.eq_y - self.eq_height / 2 - BAND_GAP
        band_h = band_top - BOTTOM_Y
        band_y = (band_top + BOTTOM_Y) / 2
        left = -FRAME_HALF_W + MARGIN_X
        right = FRAME_HALF_W - MARGIN_X
        inset_w = 4.3
        self.inset = ActivationInset(traj, th, pr, self.cache, width=inset_w, height=band_h)
        self.inset.move_to((left + inset_w / 2, band_y, 0))
        chart_left = left + inset_w + 0.25
        self.chart = StateChart(traj, th, pr, width=right - chart_left, height=band_h)
        self.chart.move_to(((chart_left + right) / 2, band_y, 0))
        self.header_row = HeaderRow(th, left_width=5.0, right_width=8.0, buff=MARGIN_X)
        self.sequence_label = self.header_row.context(f"{self.run.sequence_label}  ·  {traj.steps} steps")

    # -- storyboard -------------------------------------------------------------
    def construct(self) -> None:
        self._build_layout()
        self._title()
        self._inputs()
        self._network()
        for t in range(self.trajectory.steps):
            self._step(t)
        self._summary()

    def _title(self) -> None:
        traj = self.trajectory
        self.start_section("title")
        card = TitleCard(self.spec.title, traj, self.theme, self.precision, self.cache)
        # Each part of the card appears as the words come to it.
        self.play_beat("title", card.make_title_animation(), run_time=1.2)
        self.play_beat("formula", card.make_formula_animation(), run_time=1.2)
        self.play_beat("labels", card.make_labels_animation(), run_time=1.6)
        self.play_beat("parameters", card.make_parameters_animation(), run_time=1.0)
        self.wait(1.0)
        self.title_card = card

    def _inputs(self) -> None:
        self.start_section("inputs")
        self.play(*(FadeOut(p) for p in self.title_card.parts()), run_time=0.8)
        header = self.header_row.set_title("the input sequence")
        self.add(self.chain)
        self.play(FadeIn(header), FadeIn(self.sequence_label), run_time=0.6)
        self.play(self.chain.make_inputs_animation())
        self.wait(1.0)

    def _network(self) -> None:
        self.start_section("network")
        self.play_beat(
            "build", self.header_row.swap_title("the unrolled network"), self.chain.make_build_animation(), run_time=2.0
        )
        self.symbolic = self.equation.symbolic().move_to((0, self.eq_y, 0))
        self.play_beat("flow", self.chain.make_wave_animation(), run_time=1.6)
        self.play_beat(
            "shared", FadeIn(self.symbolic, shift=0.1 * UP), FadeIn(self.inset), FadeIn(self.chart), run_time=1.0
        )
        self.wait(0.5)
        self.current_eq: VGroup | None = None

    def _step(self, t: int) -> None:
        step = t + 1
        budget = self.seconds_for_step(step)
        self.start_section(f"step_{step:02d}", f"t = {step}")
        first = self.chain.window_start_for(t)
        scroll = first != self.chain.first
        scroll_time = min(0.5, 0.25 * budget) if scroll else 0.0
        rest = budget - scroll_time

        eq = self.equation.for_step(t).move_to((0, self.eq_y, 0))
        old_eq: Any = self.symbolic if self.current_eq is None else self.current_eq
        self.current_eq = eq
        z_line, h_line = eq.submobjects

        if scroll:
            self.play(self.chain.make_scroll_animation(first, run_time=scroll_time), run_time=scroll_time)
            self.chain.finish_scroll()

        header = self.header_row.swap_title(f"t = {step}")
        if rest >= 1.2:
            # Beat by beat with the words: the step, the input term (the z line appears),
            # the memory term and the total (the z line stays), then f gives h.
            self.play_beat(
                "focus",
                header,
                self.chain.make_focus_animation(t),
                self.chain.make_flow_animation(t),
                FadeOut(old_eq, shift=0.1 * UP),
                run_time=0.25 * rest,
            )
            self.play_beat("input", FadeIn(z_line, shift=0.1 * UP), run_time=0.2 * rest)
            self.play_beat("memory", run_time=0.0)
            self.play_beat("total", run_time=0.0)
            self.play(FadeIn(h_line, shift=0.1 * UP), run_time=0.15 * rest)
            self.play_beat(
                "activation",
                self.chain.make_fill_animation(t),
                self.inset.make_point_animation(t),
                self.chart.make_grow_animation(t),
                run_time=0.25 * rest,
            )
            self._mark_thumbnail(t)
            self.wait(0.15 * rest)
        else:
            self.play(
                header,
                self.chain.make_focus_animation(t),
                self.chain.make_flow_animation(t),
                FadeOut(old_eq, shift=0.1 * UP),
                FadeIn(eq, shift=0.1 * UP),
                run_time=0.4 * rest,
            )
            self.play(
                self.chain.make_fill_animation(t),
                self.inset.make_point_animation(t),
                self.chart.make_grow_animation(t),
                run_time=0.4 * rest,
            )
            self._mark_thumbnail(t)
            self.wait(0.2 * rest)

    def _mark_thumbnail(self, t: int) -> None:
        # The last step with everything drawn is the most representative frame.
        if t == self.trajectory.steps - 1:
            self.thumbnail_time = float(self.renderer.time) + 0.05

    def _summary(self) -> None:
        texts = self.spec.script.screen.get("summary", ())
        self.start_section("summary")
        anims: list[Animation] = [self.chain.make_focus_animation(None), self.header_row.swap_title("summary")]
        if self.current_eq is not None:
            anims.append(FadeOut(self.current_eq))
        anims.append(self.chart.make_reveal_animation(run_time=1.0))
        self.play(*anims, run_time=1.0)
        if texts:
            size = SIZE_SMALL + 2
            lines = VGroup(
                *(make_text(textwrap.fill(sentence(s), 86), self.theme, size=size, max_width=13.0) for s in texts)
            ).arrange(DOWN, aligned_edge=LEFT, buff=0.18)
            max_h = self.eq_height + 2 * BAND_GAP - 0.1
            if lines.height > max_h:
                lines.scale(max(max_h / lines.height, 0.8))
            lines.move_to((0, self.eq_y, 0))
            fades = (FadeIn(m, shift=0.1 * UP) for m in lines)
            self.play(LaggedStart(*fades, lag_ratio=0.4, group=lines), run_time=1.2)
        self.wait(1.0)
