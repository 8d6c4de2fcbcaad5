"""``scene: compare`` -- the same input through 2 to 4 RNNs side by side (the signature clip).

Storyboard (one section each; every number comes from the runs' trajectories and
every sentence from :mod:`rnn_engine.insights`):

1. ``intro``: the title, the shared rule ``h_t = f(W_x x_t + W_h h_(t-1) + b)`` with
   the settings all panels share, and one panel per run: what differs (for
   activations, the name and formula), a compact unrolled strip and the
   activation inset.
2. ``step_01`` ... ``step_T`` (titled ``t = k``): all panels advance in lock-step;
   each strip's input and memory arrows light up, h_k lands in its cell, the
   inset's point moves to ``(z_k, h_k)`` and the readout shows both numbers.
3. ``together``: the panels give way to one chart with every run's ``h_t``, one
   colour per run.
4. ``differences``: numbered badges on the curves where behaviour differs
   (saturation, dying or exploding ReLU, sigmoid never negative ...), the
   matching sentences beside the chart.
5. ``closing``: one line with the runs' final states.

Screen layout (scene units, frame 14.2 x 8): a header row (title left, step right),
a row with the shared rule, then the panels side by side down to the bottom edge;
in sections 3 to 5 a chart on the left and the callout column on the right.

:class:`PanelComparisonScene` holds everything; :class:`CompareScene` (this file)
and :class:`scenes.weights.WeightsScene` choose the headings, callouts and closing line.

Numbers of run ``i`` that are not inside that run's panel (the chart's labels)
carry keys prefixed with ``("run", i)``, e.g. ``("run", 2, "h", 7, 0)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    FadeIn,
    FadeOut,
    LaggedStart,
    VGroup,
)

from rnn_engine.activations import get_activation
from rnn_engine.formatting import format_number
from scenes.base import ExplainerScene
from scenes.components.callouts import Badge, CalloutList, pretty, sentence, wrapped_text
from scenes.components.equation import typst_value
from scenes.components.overlay_chart import ChartSeries, OverlayChart
from scenes.components.panel import RunPanel
from scenes.components.text import (
    SIZE_BODY,
    SIZE_HEADING,
    SIZE_SMALL,
    FormulaCache,
    LabelGroup,
    fit_width,
    make_number,
    make_text,
    typst_coloured,
)
from scenes.inputs import SceneSpec
from scenes.layout import AREA_BOTTOM, AREA_TOP, FRAME_HALF_W, MARGIN_X, RULE_Y, HeaderRow

__all__ = ["CompareScene", "PanelComparisonScene", "Callout"]

PANEL_GAP = 0.18
CHART_RIGHT = 1.55  # the overlay chart spans [-FRAME_HALF_W + MARGIN_X, CHART_RIGHT]
MAX_CALLOUTS = 4

#: Field path -> (Typst symbol, engine parameter name).
_WEIGHTS = {"rnn.w_x": ("W_x", "w_x"), "rnn.w_h": ("W_h", "w_h"), "rnn.b": ("b", "b"), "rnn.h0": ("h_0", "h0")}
#: What each weight does, in a few words (panel sub-heading of the weights scene).
_ROLES = {
    "rnn.w_x": "how strongly x_t enters",
    "rnn.w_h": "how much of h_(t-1) is kept",
    "rnn.b": "a constant push on z_t",
    "rnn.h0": "the memory before step 1",
}


class Callout:
    """One numbered remark: a sentence and where on the chart it points.

    Parameters
    ----------
    text
        The sentence (from the engine's insights).
    anchors
        ``(run index, 0-based step)`` pairs marked with the callout's badge.
    """

    def __init__(self, text: str, anchors: Sequence[tuple[int, int]]) -> None:
        self.text = text
        self.anchors = list(anchors)


def _param_value(trajectory: Any, name: str) -> float:
    """The scalar value of engine parameter ``name`` (``w_x``, ``w_h``, ``b``, ``h0``)."""
    return float(np.asarray(getattr(trajectory.params, name)).reshape(-1)[0])


def _param_key(name: str) -> tuple[Any, ...]:
    return {"w_x": ("w_x", 0, 0), "w_h": ("w_h", 0, 0), "b": ("b", 0), "h0": ("h0", 0)}[name]


class PanelComparisonScene(ExplainerScene):
    """Runs side by side, stepped in lock-step, then overlaid on one chart.

    Subclasses set :attr:`scene_kind` and may override :meth:`panel_heading`,
    :meth:`callouts` and :meth:`closing_observation`.
    """

    scene_kind = "compare"

    def __init__(self, spec: SceneSpec, **kwargs: Any) -> None:
        super().__init__(spec, **kwargs)
        # The loader guarantees 2 to 4 scalar runs of equal length (the scene registry's limits).
        self.steps = self.runs[0].trajectory.steps
        self.field: str = spec.varied or "rnn.activation"
        self.trajectories = [r.trajectory for r in self.runs]
        self.labels = [str(r.label) for r in self.runs]
        if self.field == "rnn.activation":
            self.colours = [self.theme.activation_colour(r.trajectory.activation) for r in self.runs]
        else:
            self.colours = [self.theme.series[i % len(self.theme.series)] for i in range(len(self.runs))]
        x0 = self.trajectories[0].x
        self.shared_input = all(np.array_equal(t.x, x0, equal_nan=True) for t in self.trajectories)

    # -- content hooks ----------------------------------------------------------------
    def panel_heading(self, i: int) -> list[Any]:
        """The mobjects at the top of panel ``i``: what makes this run different."""
        th, run, traj = self.theme, self.runs[i], self.trajectories[i]
        colour = self.colours[i]
        if self.field == "rnn.activation":
            act = get_activation(traj.activation)
            name = make_text(act.display, th, size=SIZE_HEADING, colour=colour, bold=True)
            formula = self.cache.get(act.formula, size=24, colour=th.text, shown_text=act.formula)
            return [name, formula]
        if self.field in _WEIGHTS:
            symbol, pname = _WEIGHTS[self.field]
            value = _param_value(traj, pname)
            text = format_number(value, self.precision)
            src = f"{symbol} = {typst_value(value, self.precision)}"
            big = self.cache.get(
                src, size=34, colour=colour, numbers=[(_param_key(pname), text)], shown_text=f"{symbol} = {text}"
            )
            role = make_text(pretty(_ROLES[self.field]), th, size=SIZE_SMALL, colour=th.muted)
            return [big, role]
        # sequence.kind / sequence.normalize: the inputs differ, so show their start.
        name = make_text(run.label, th, size=SIZE_HEADING, colour=colour, bold=True)
        first = LabelGroup(make_text("x:", th, size=SIZE_SMALL, colour=th.input, italic=True))
        for t in range(min(3, traj.steps)):
            first.add(make_number(traj.x[t, 0], self.precision, th, key=("x", t, 0), size=SIZE_SMALL, colour=th.input))
        if traj.steps > 3:
            first.add(make_text("...", th, size=SIZE_SMALL, colour=th.input))
        first.arrange(RIGHT, buff=0.14)
        return [name, first]

    def callouts(self) -> list[Callout]:
        """The numbered chart remarks, from the script (said one by one over the ``differences`` section)."""
        return [Callout(c.text, c.anchors) for c in self.spec.script.callouts]

    # -- layout ---------------------------------------------------------------------------
    def _build(self) -> None:
        th, pr = self.theme, self.precision
        self.cache = FormulaCache(th)
        n = len(self.runs)
        # Four panels need every bit of width for their strips: tighter margins and gaps.
        margin, gap = (MARGIN_X, PANEL_GAP) if n < 4 else (0.16, 0.1)
        left = -FRAME_HALF_W + margin
        width = (2 * (FRAME_HALF_W - margin) - (n - 1) * gap) / n
        cy = (AREA_TOP + AREA_BOTTOM) / 2
        headings = [RunPanel.stack_heading(self.panel_heading(i), width) for i in range(n)]
        heading_height = max(h.height for h in headings)
        self.panels: list[RunPanel] = []
        for i, traj in enumerate(self.trajectories):
            cx = left + width / 2 + i * (width + gap)
            self.panels.append(
                RunPanel(
                    traj,
                    th,
                    pr,
                    self.cache,
                    heading=headings[i],
                    centre=(cx, cy),
                    width=width,
                    height=AREA_TOP - AREA_BOTTOM,
                    accent=self.colours[i],
                    heading_height=heading_height,
                )
            )
        self.header = HeaderRow(th)
        self.title_mob = self.header.title(self.spec.title)
        if self.shared_input:
            right_text = f"{self.runs[0].sequence_label}  ·  {self.steps} steps"
        else:
            right_text = f"{self.steps} steps"
        self.context = self.header.context(right_text)
        self.rule = self._rule()
        self.rule.move_to((0, RULE_Y, 0))

    def _rule(self) -> Any:
        """The update rule and the settings every run shares, as one Typst line."""
        th, pr = self.theme, self.precision
        traj = self.trajectories[0]
        act = "f" if self.field == "rnn.activation" else get_activation(traj.activation).typst
        col = typst_coloured
        rule = (
            f"h_t = {col(act, th.activation)}({col('W_x x_t', th.input)} + {col('W_h h_(t-1)', th.memory)} "
            f"+ {col('b', th.bias)})"
        )
        parts, numbers, plain = [], [], []
        for field, (symbol, pname) in _WEIGHTS.items():
            if field == self.field:
                continue
            value = _param_value(traj, pname)
            colour = {"w_x": th.input, "w_h": th.memory, "b": th.bias, "h0": th.memory}[pname]
            parts.append(col(f"{symbol} = {typst_value(value, pr)}", colour))
            numbers.append((_param_key(pname), format_number(value, pr)))
            plain.append(f"{symbol} = {format_number(value, pr)}")
        src = rule + " #h(1.6em) " + " #h(1em) ".join(parts)
        mob = self.cache.get(src, size=26, numbers=numbers, shown_text=f"h_t = f(...)  {'  '.join(plain)}")
        return fit_width(mob, 2 * (FRAME_HALF_W - 0.5))

    # -- storyboard --------------------------------------------------------------------------
    def construct(self) -> None:
        self._build()
        self._intro()
        for t in range(self.steps):
            self._step(t)
        self._together()
        self._differences()
        self._closing()

    def _intro(self) -> None:
        self.start_section("intro")
        self.play(FadeIn(self.title_mob), FadeIn(self.context), run_time=0.6)
        self.play(FadeIn(self.rule, shift=0.1 * DOWN), run_time=0.6)
        self.play(LaggedStart(*(p.make_intro_animation() for p in self.panels), lag_ratio=0.2), run_time=1.2)
        for p in self.panels:
            self.add(p.chain)
        self.play(*(p.make_build_animation() for p in self.panels), run_time=1.2)
        self.wait(0.6)

    def _step(self, t: int) -> None:
        k = t + 1
        budget = self.seconds_for_step(k)
        self.start_section(f"step_{k:02d}", f"t = {k}")
        scrolls = [a for a in (p.make_scroll_animation(t) for p in self.panels) if a is not None]
        scroll_time = min(0.4, 0.2 * budget) if scrolls else 0.0
        rest = budget - scroll_time
        if scrolls:
            self.play(*scrolls, run_time=scroll_time)
            for p in self.panels:
                p.finish_scroll()
        # The first step label takes the place of the context line.
        anims = self.header.swap_right(f"t = {k} of {self.steps}")
        self.play(*anims, *(p.make_flow_animation(t) for p in self.panels), run_time=0.3 * rest)
        self.play(*(p.make_result_animation(t) for p in self.panels), run_time=0.45 * rest)
        if t == self.steps - 1:
            # Every panel full and every point placed: the frame that sums the clip up.
            self.thumbnail_time = float(self.renderer.time)
        self.wait(0.25 * rest)

    def _together(self) -> None:
        th = self.theme
        self.start_section("together")
        series = [
            ChartSeries(pretty(lab), tr.h[:, 0], colour, key=lambda t, i=i: ("run", i, "h", t, 0))
            for i, (lab, tr, colour) in enumerate(zip(self.labels, self.trajectories, self.colours, strict=True))
        ]
        left = -FRAME_HALF_W + MARGIN_X
        self.chart = OverlayChart(
            series,
            th,
            self.precision,
            width=CHART_RIGHT - left,
            height=AREA_TOP - AREA_BOTTOM,
            title="hidden state hₜ of each run",
            centre=((left + CHART_RIGHT) / 2, (AREA_TOP + AREA_BOTTOM) / 2),
        )
        self.play(*(FadeOut(p) for p in self.panels), *self.header.swap_right("all runs together"), run_time=0.8)
        # The chart holds no lines yet: fading it in whole keeps its draw order (lines above the panel).
        self.play(FadeIn(self.chart), run_time=0.6)
        self.play(*(self.chart.make_draw_animation(i) for i in range(len(series))), run_time=2.0)
        self.wait(0.8)

    def _place_badges(self, callouts: Sequence[Callout]) -> list[VGroup]:
        """One group of badges per callout, next to the points they mark.

        Each badge takes the first spot near its point that stays inside the plot, clear
        of the chart's labels, of the badges placed before it, and of every run's line
        and points (a badge sitting on another run's point would seem to mark that run).
        When no spot is clear, it takes the one with the most room.
        """
        chart = self.chart
        left, right, bottom, top = chart.plot_box
        obstacles = [
            _box(m)
            for m in (*chart.axis_labels.family_members_with_points(), *chart.exits.family_members_with_points())
        ]
        segments = [piece for i in range(len(chart.series)) for piece in chart.drawn_pieces(i)]
        groups = []
        for n, callout in enumerate(callouts, start=1):
            group = VGroup()
            for i, t in callout.anchors:
                badge = Badge(n, self.colours[i], self.theme)
                r = badge.width / 2
                p = chart.anchor(i, t)
                side = UP if p[1] + 0.6 < top else DOWN
                offsets = [side * 0.36, -side * 0.36]
                for dx in (0.42, -0.42, 0.84, -0.84, 1.26, -1.26):
                    offsets += [side * 0.3 + RIGHT * dx, -side * 0.3 + RIGHT * dx]
                best, best_room = p + offsets[0], -np.inf
                for off in offsets:
                    c = p + off
                    box = (c[0] - r, c[0] + r, c[1] - r, c[1] + r)
                    if box[0] < left or box[1] > right + 0.25 or box[2] < bottom + 0.05 or box[3] > top:
                        continue
                    if any(_overlap(box, o, 0.04) for o in obstacles):
                        continue
                    # Room between the badge's rim and the nearest line or point.
                    room = min((_segment_distance(c[:2], a, b) for a, b in segments), default=np.inf) - r
                    if room >= 0.08:
                        best = c
                        break
                    if room > best_room:
                        best, best_room = c, room
                badge.move_to(best)
                obstacles.append(_box(badge))
                group.add(badge)
            groups.append(group)
        return groups

    def _right_column(self) -> tuple[float, float]:
        col_left = CHART_RIGHT + 0.3
        return col_left, FRAME_HALF_W - MARGIN_X - col_left

    def _differences(self) -> None:
        col_left, col_width = self._right_column()
        lines = self.spec.script.screen.get("closing", ())
        self.closing_block: Any = None
        room = AREA_TOP - AREA_BOTTOM
        callouts = self.callouts()
        shown = bool(callouts) and self.spec.script.passage_of("differences") is not None
        if lines:
            blocks = [wrapped_text(pretty(sentence(t)), self.theme, width=col_width, size=SIZE_BODY - 2) for t in lines]
            self.closing_block = LabelGroup(*blocks).arrange(DOWN, aligned_edge=LEFT, buff=0.16)
            if shown:  # under the remarks, at the bottom of the column
                self.closing_block.next_to((col_left, AREA_BOTTOM, 0), UP + RIGHT, buff=0.0)
            else:  # alone in the column: at its top, where the eye is
                self.closing_block.next_to((col_left, AREA_TOP, 0), DOWN + RIGHT, buff=0.0)
            room -= self.closing_block.height + 0.45
        self.callout_list: CalloutList | None = None
        if not shown:
            return
        entries = [
            (n, self.colours[c.anchors[0][0]] if c.anchors else self.theme.muted, pretty(c.text))
            for n, c in enumerate(callouts, start=1)
        ]
        # Every remark is spoken, so every one is shown: a long list is set a little smaller.
        self.callout_list = CalloutList(entries, self.theme, width=col_width, max_height=room)
        self.start_section("differences")
        self.callout_list.next_to((col_left, AREA_TOP, 0), DOWN + RIGHT, buff=0.0)
        badges = self._place_badges(callouts)
        for item, group in zip(self.callout_list.items, badges, strict=True):
            self.play(FadeIn(item, shift=0.1 * LEFT), *(FadeIn(b, scale=0.6) for b in group), run_time=0.7)
            self.wait(0.9)
        self.add(self.callout_list, *badges)

    def _closing(self) -> None:
        if self.closing_block is None or self.spec.script.passage_of("closing") is None:
            self.wait(1.0)
            return
        self.start_section("closing")
        self.play(FadeIn(self.closing_block, shift=0.1 * UP), run_time=0.8)
        self.wait(1.0)


def _box(mob: Any) -> tuple[float, float, float, float]:
    return (mob.get_left()[0], mob.get_right()[0], mob.get_bottom()[1], mob.get_top()[1])


def _segment_distance(c: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    """Distance from point ``c`` to the segment ``a``-``b`` (2-D)."""
    ab, ac = b - a, c - a
    denom = float(ab @ ab)
    u = 0.0 if denom == 0 else min(1.0, max(0.0, float(ac @ ab) / denom))
    return float(np.hypot(*(ac - u * ab)))


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float], pad: float) -> bool:
    return a[0] < b[1] + pad and b[0] < a[1] + pad and a[2] < b[3] + pad and b[2] < a[3] + pad


class CompareScene(PanelComparisonScene):
    """``scene: compare``: one field (by default the activation) varied across 2 to 4 panels."""

    scene_kind = "compare"
