"""``scene: memory`` -- change one input and watch the difference echo through the states.

Two runs of the same RNN: the original, and one whose input at ``memory.perturb_step``
is changed (``+ delta``, or set to 0 with ``drop``). Both are given as runs (the
engine computed them); this scene only shows them.

Storyboard (one section each):

1. ``intro``: which input differs and by how much; the empty chart and gap panel.
2. ``step_01`` ... ``step_T`` (titled ``t = k``): both hidden states grow on one chart
   (original solid, perturbed dashed), the gap ``|h_t - h'_t|`` grows as a bar
   underneath, a readout on the right gives the three numbers.
3. ``sensitivity``: the matrix ``dh_t/dx_k`` (every state against every earlier
   input) with a colour scale; the perturbed input's column is outlined: it is
   the linearised version of the gap.
4. ``closing``: how much of the change is left at the last step, and what the
   engine observed about the run's memory.

Screen layout (scene units): header row; the perturbation line; the chart (top
left) over the gap bars (bottom left), both on the same time axis; the right
column holds the step readout, then the heatmap and the closing lines.

Number keys: ``("run", i, "h", t, 0)`` and ``("run", i, "x", t, 0)`` for run ``i``
(0 original, 1 perturbed), ``("gap", t, 0)`` for ``|h_t - h'_t|`` and
``("sensitivity", t, k, 0, 0)`` for the original run's ``dh_t/dx_k``.
"""

from __future__ import annotations

from typing import Any

from manim import DOWN, LEFT, RIGHT, UP, FadeIn, FadeOut, Line, VGroup
from manim.animation.animation import Animation

from rnn_engine import state_gap
from scenes.base import ExplainerScene
from scenes.components.callouts import pretty, wrapped_text
from scenes.components.heatmap import SensitivityHeatmap
from scenes.components.overlay_chart import ChartSeries, OverlayChart
from scenes.components.step_bars import StepBars
from scenes.components.text import SIZE_BODY, SIZE_SMALL, LabelGroup, make_number, make_text, subscript
from scenes.inputs import SceneSpec
from scenes.layout import AREA_BOTTOM, AREA_TOP, FRAME_HALF_W, MARGIN_X, RULE_Y, HeaderRow

__all__ = ["MemoryScene"]

LEFT_EDGE = -FRAME_HALF_W + MARGIN_X
COLUMN_SPLIT = 1.35  # left panels end here; the right column starts a little after
CHART_BOTTOM = -1.05
BARS_TOP = -1.2
RIGHT_LEFT = COLUMN_SPLIT + 0.3
RIGHT_EDGE = FRAME_HALF_W - MARGIN_X


class MemoryScene(ExplainerScene):
    """``scene: memory``: an original and a perturbed run, their gap, and the sensitivity matrix."""

    scene_kind = "memory"

    def __init__(self, spec: SceneSpec, **kwargs: Any) -> None:
        super().__init__(spec, **kwargs)
        # The loader guarantees two scalar runs of equal length: the original, then the perturbed one.
        self.original, self.perturbed = (r.trajectory for r in self.runs)
        self.steps = self.original.steps
        if spec.perturbation is None:
            raise ValueError("scene 'memory' needs the perturbation (SceneSpec.perturbation)")
        self.k = spec.perturbation.step - 1
        self.gap = state_gap(self.original, self.perturbed)[:, 0]  # scalar runs only
        th = self.theme
        self.colours = (th.memory, th.input)
        self.gap_colour = th.bias
        self.names = ("original", pretty(str(self.runs[1].label)))

    # -- layout -----------------------------------------------------------------------
    def _build(self) -> None:
        th, pr, T, k = self.theme, self.precision, self.steps, self.k
        self.header = HeaderRow(th)
        self.title_mob = self.header.title(self.spec.title)
        self.context = self.header.context(f"{self.runs[0].sequence_label}  ·  {T} steps")
        self.statement = self._statement()
        series = [
            ChartSeries(self.names[0], self.original.h[:, 0], self.colours[0], key=lambda t: ("run", 0, "h", t, 0)),
            ChartSeries(
                self.names[1], self.perturbed.h[:, 0], self.colours[1], key=lambda t: ("run", 1, "h", t, 0), dashed=True
            ),
        ]
        self.chart = OverlayChart(
            series,
            th,
            pr,
            width=COLUMN_SPLIT - LEFT_EDGE,
            height=AREA_TOP - CHART_BOTTOM,
            title="hidden state of both runs",
            centre=((LEFT_EDGE + COLUMN_SPLIT) / 2, (AREA_TOP + CHART_BOTTOM) / 2),
        )
        _, _, c_bottom, c_top = self.chart.plot_box
        x_k = self.chart.column_x(k)
        self.marker = VGroup(
            Line((x_k, c_bottom, 0), (x_k, c_top, 0), stroke_width=1.5, color=th.input).set_stroke(opacity=0.6),
        )
        self.chart.add(self.marker)
        self.bars = StepBars(
            self.gap,
            th,
            pr,
            xs=[self.chart.column_x(t) for t in range(T)],
            box=(LEFT_EDGE, COLUMN_SPLIT, AREA_BOTTOM, BARS_TOP),
            colour=self.gap_colour,
            key=lambda t: ("gap", t, 0),
            title="gap between them |hₜ − h′ₜ|",
            always_label={k, T - 1},
        )
        self.readout = self._readout(None)

    def _statement(self) -> LabelGroup:
        """``the runs differ only in x_k:  0.71 (original)  vs  1.71 (x_k + 1)``."""
        th, pr, k = self.theme, self.precision, self.k
        parts = [
            make_text(f"The two runs differ only in x{subscript(k + 1)}:", th, size=SIZE_BODY),
            make_number(
                self.original.x[k, 0], pr, th, key=("run", 0, "x", k, 0), size=SIZE_BODY, colour=self.colours[0]
            ),
            make_text(f"({self.names[0]})", th, size=SIZE_SMALL, colour=th.muted),
            make_text("vs", th, size=SIZE_BODY),
            make_number(
                self.perturbed.x[k, 0], pr, th, key=("run", 1, "x", k, 0), size=SIZE_BODY, colour=self.colours[1]
            ),
            make_text(f"({self.names[1]})", th, size=SIZE_SMALL, colour=th.muted),
        ]
        group = LabelGroup(*parts).arrange(RIGHT, buff=0.16)
        for p in (parts[2], parts[5]):
            p.align_to(parts[1], DOWN)
        return group.move_to((0, RULE_Y, 0))

    def _readout(self, t: int | None) -> LabelGroup:
        """The current step's numbers, one per line, in the right column."""
        th, pr = self.theme, self.precision
        rows: list[LabelGroup] = []
        if t is None:
            rows.append(
                LabelGroup(
                    make_text("both runs start from", th, size=SIZE_BODY - 2, colour=th.muted),
                    make_text("h₀ =", th, size=SIZE_BODY - 2),
                    make_number(self.original.params.h0[0], pr, th, key=("run", 0, "h0", 0), size=SIZE_BODY - 2),
                )
            )
        else:
            s = subscript(t + 1)
            same = t != self.k
            xs = [
                make_number(
                    self.original.x[t, 0], pr, th, key=("run", 0, "x", t, 0), size=SIZE_BODY - 2, colour=th.input
                )
            ]
            if not same:
                xs += [
                    make_text("vs", th, size=SIZE_BODY - 2, colour=th.muted),
                    make_number(
                        self.perturbed.x[t, 0], pr, th, key=("run", 1, "x", t, 0), size=SIZE_BODY - 2, colour=th.input
                    ),
                ]
            rows.append(
                LabelGroup(
                    make_text("input", th, size=SIZE_BODY - 2, colour=th.input),
                    make_text(f"x{s} =", th, size=SIZE_BODY - 2),
                    LabelGroup(
                        *xs, *([make_text("(both)", th, size=SIZE_SMALL, colour=th.muted)] if same else [])
                    ).arrange(RIGHT, buff=0.12),
                )
            )
            for i, traj in enumerate((self.original, self.perturbed)):
                rows.append(
                    LabelGroup(
                        make_text(self.names[i], th, size=SIZE_BODY - 2, colour=self.colours[i], max_width=1.6),
                        make_text(f"h{s} =" if i == 0 else f"h′{s} =", th, size=SIZE_BODY - 2),
                        make_number(
                            traj.h[t, 0], pr, th, key=("run", i, "h", t, 0), size=SIZE_BODY - 2, colour=self.colours[i]
                        ),
                    )
                )
            rows.append(
                LabelGroup(
                    make_text("gap", th, size=SIZE_BODY - 2, colour=self.gap_colour),
                    make_text(f"|h{s} − h′{s}| =", th, size=SIZE_BODY - 2),
                    make_number(self.gap[t], pr, th, key=("gap", t, 0), size=SIZE_BODY - 2, colour=self.gap_colour),
                )
            )
        x_name, x_eq = RIGHT_LEFT + 0.1, RIGHT_LEFT + 1.8
        group = LabelGroup()
        for j, row in enumerate(rows):
            y = AREA_TOP - 0.35 - j * 0.55
            if t is None:
                row.arrange(RIGHT, buff=0.14).move_to((0, y, 0)).align_to((x_name, 0, 0), LEFT)
            else:
                row[0].move_to((0, y, 0)).align_to((x_name, 0, 0), LEFT)
                row[1].move_to((0, y, 0)).align_to((x_eq, 0, 0), LEFT)
                row[2].next_to(row[1], RIGHT, buff=0.14)
            group.add(*row)
        return group

    # -- storyboard ---------------------------------------------------------------------------
    def construct(self) -> None:
        self._build()
        self._intro()
        for t in range(self.steps):
            self._step(t)
        self._sensitivity()
        self._closing()

    def _intro(self) -> None:
        self.start_section("intro")
        self.play(FadeIn(self.title_mob), FadeIn(self.context), run_time=0.6)
        self.play(FadeIn(self.statement, shift=0.1 * DOWN), run_time=0.8)
        self.play(FadeIn(self.chart), FadeIn(self.bars), FadeIn(self.readout), run_time=1.0)
        self.wait(1.0)

    def _step(self, t: int) -> None:
        step = t + 1
        budget = self.seconds_for_step(step)
        self.start_section(f"step_{step:02d}", f"t = {step}")
        anims: list[Animation] = self.header.swap_right(f"t = {step} of {self.steps}")
        new = self._readout(t)
        anims += [FadeOut(self.readout), FadeIn(new)]
        self.readout = new
        self.play(*anims, self.chart.make_grow_animation(t), self.bars.make_grow_animation(t), run_time=0.6 * budget)
        self.wait(0.4 * budget)

    def _sensitivity(self) -> None:
        th, pr, k = self.theme, self.precision, self.k
        S = self.original.sensitivity[:, :, 0, 0]
        self.start_section("sensitivity")
        # Row labels and the rotated axis name take 0.8 on the left; the colour bar and its
        # numbers about 1.25 on the right.
        width = RIGHT_EDGE - RIGHT_LEFT
        side = min(width - 2.05, 3.3)
        centre = (RIGHT_LEFT + 0.8 + side / 2, AREA_TOP - 0.95 - side / 2)
        self.heatmap = SensitivityHeatmap(S, th, pr, side=side, centre=centre, title="sensitivity ∂hₜ/∂xₖ (original)")
        # The colour bar's numbers vary in width: keep the whole heatmap inside the column.
        overflow = self.heatmap.get_right()[0] - RIGHT_EDGE
        if overflow > 0:
            self.heatmap.shift(LEFT * min(overflow, self.heatmap.get_left()[0] - RIGHT_LEFT))
        outline, draw = self.heatmap.make_column_highlight(k, self.colours[1])
        self.play(
            FadeOut(self.readout),
            *self.header.swap_right("sensitivity"),
            self.heatmap.make_reveal_animation(run_time=1.6),
            run_time=1.6,
        )
        self.add(self.heatmap)
        self.play(draw)
        self.add(outline)
        self.thumbnail_time = float(self.renderer.time)
        self.wait(2.0)

    def _closing(self) -> None:
        lines = self.spec.script.screen.get("closing", ())
        self.start_section("closing")
        if not lines:
            self.wait(1.0)
            return
        block = LabelGroup(
            *(wrapped_text(pretty(t), self.theme, width=RIGHT_EDGE - RIGHT_LEFT, size=SIZE_SMALL + 2) for t in lines)
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.14)
        top = self.heatmap.colour_bar.get_bottom()[1] - 0.25
        top = min(top, self.heatmap.get_bottom()[1] - 0.25)
        block.next_to((RIGHT_LEFT, top, 0), DOWN + RIGHT, buff=0.0)
        if block.get_bottom()[1] < AREA_BOTTOM:
            block.shift(UP * (AREA_BOTTOM - block.get_bottom()[1]))
        self.play(FadeIn(block, shift=0.1 * UP), run_time=0.8)
        self.wait(1.0)
