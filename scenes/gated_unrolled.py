"""``scene: unrolled`` with a gated cell (``rnn.cell: lstm | gru``): the cell walked through gate by gate.

Storyboard (one section each; every number comes from the run's
:class:`~rnn_engine.GatedTrajectory`, the words from :mod:`explainer.words.gated`):

1. ``title``: the title, the cell's equations, what each gate does, the weights.
2. ``inputs``: the input values, the sequence named.
3. ``network``: the cell drawn as its data flow (the memory line along the top, the gates
   below it fed by ``x_t`` and ``h_(t-1)``), the gate strip and the states' chart.
4. ``step_01`` ... ``step_T`` (titled ``t = k``): the inputs arrive at the line ends; then,
   one beat per gate, its wires light up, its value lands in its box and its equation,
   numbers substituted, joins the panel on the right (LSTM: forget, input and candidate,
   the new c, output and h; GRU: reset, update, candidate, the new h). The gate strip
   fills a column, the chart grows. Steps after ``style.fast_after`` show everything at once.
5. ``summary``: the whole strip and chart, and the closing lines (the keep gate's range,
   its product from step 1 to the end, how much ``h_T`` still feels ``x_1``).

Screen layout (scene units, frame 14.2 x 8): header row at the top; the diagram at the
upper left, the step's equations at the upper right; a bottom band with the gate strip
(left) and the chart (right).
"""

from __future__ import annotations

import textwrap
from typing import Any

from manim import DOWN, LEFT, RIGHT, UP, FadeIn, FadeOut, LaggedStart, VGroup
from manim.animation.animation import Animation

from rnn_engine import GatedTrajectory
from rnn_engine.formatting import format_number
from scenes.base import ExplainerScene
from scenes.components.callouts import sentence
from scenes.components.frame import panel_frame
from scenes.components.gated_cell import BEATS, GatedCellDiagram, GatedStateChart, GateStrip, gate_colour
from scenes.components.text import SIZE_BODY, SIZE_SMALL, SIZE_TITLE, FormulaCache, make_text
from scenes.components.text import subscript as _sub
from scenes.inputs import SceneSpec
from scenes.layout import FRAME_HALF_W, HeaderRow
from scenes.layout import UNROLLED_MARGIN_X as MARGIN_X

__all__ = ["GatedUnrolledScene"]

DIAGRAM_W = 7.4
DIAGRAM_CENTRE = (-2.95, 1.0)
PANEL_LEFT, PANEL_TOP, PANEL_BOTTOM = 1.05, 2.95, -0.9
BAND_TOP, BAND_BOTTOM = -1.15, -3.85
STRIP_RIGHT = -0.45


def _fmt(v: float, precision: int) -> str:
    return format_number(float(v), precision)


class GatedUnrolledScene(ExplainerScene):
    """The gated cell, one section per timestep (see the module docstring)."""

    def __init__(self, spec: SceneSpec, **kwargs: Any) -> None:
        super().__init__(spec, **kwargs)
        self.run = self.runs[0]
        traj = self.run.trajectory
        assert isinstance(traj, GatedTrajectory)
        self.trajectory: GatedTrajectory = traj
        self.cell_type = traj.params.cell_type

    # -- layout ---------------------------------------------------------------
    def _build_layout(self) -> None:
        th, traj, pr = self.theme, self.trajectory, self.precision
        self.cache = FormulaCache(th)
        self.diagram = GatedCellDiagram(traj, th, pr, width=DIAGRAM_W)
        self.diagram.move_to((*DIAGRAM_CENTRE, 0))
        right = FRAME_HALF_W - MARGIN_X
        left = -FRAME_HALF_W + MARGIN_X
        self.panel = panel_frame(
            th,
            right - PANEL_LEFT,
            PANEL_TOP - PANEL_BOTTOM,
            centre=((right + PANEL_LEFT) / 2, (PANEL_TOP + PANEL_BOTTOM) / 2),
        )
        # The step's equation lines: each on screen on its own (faded out when the step ends).
        self.panel_lines: list[Any] = []
        band_h = BAND_TOP - BAND_BOTTOM
        band_y = (BAND_TOP + BAND_BOTTOM) / 2
        self.strip = GateStrip(traj, th, width=STRIP_RIGHT - left, height=band_h)
        self.strip.move_to(((left + STRIP_RIGHT) / 2, band_y, 0))
        chart_left = STRIP_RIGHT + 0.25
        self.chart = GatedStateChart(traj, th, pr, width=right - chart_left, height=band_h)
        self.chart.move_to(((chart_left + right) / 2, band_y, 0))
        self.header_row = HeaderRow(th, left_width=5.0, right_width=8.0, buff=MARGIN_X)
        self.sequence_label = self.header_row.context(
            f"{self.cell_type.display}  ·  {self.run.sequence_label}  ·  {traj.steps} steps"
        )

    # -- the step's equations, numbers substituted ------------------------------
    def _line(self, text: str, colour: str, keys: list[tuple[tuple[Any, ...], float]]) -> Any:
        width = FRAME_HALF_W - MARGIN_X - PANEL_LEFT - 0.4
        mob = make_text(text, self.theme, size=SIZE_SMALL, colour=colour, max_width=width)
        mob.shown_numbers = [(key, _fmt(v, self.precision)) for key, v in keys]
        return mob

    def _gate_line(self, gate: str, t: int) -> Any:
        tr, pr = self.trajectory, self.precision
        spec = self.cell_type.gate(gate)
        k = t + 1
        act = "σ" if spec.activation == "sigmoid" else "tanh"
        values = tr.gates[gate][t]
        colour = gate_colour(self.theme, gate)
        sym = f"{spec.symbol}{_sub(k)}"
        if not tr.is_scalar:
            shown = "[" + ", ".join(_fmt(v, pr) for v in values) + "]"
            keys = [(("gate", gate, t, j), float(v)) for j, v in enumerate(values)]
            return self._line(f"{sym} = {shown}", colour, keys)
        g = tr.params.gate(gate)
        wx, wh, b = float(g.w_x[0, 0]), float(g.w_h[0, 0]), float(g.b[0])
        x, h = float(tr.x[t, 0]), float(tr.h_prev(t)[0])
        if self.cell_type.name == "gru" and gate == "candidate":
            r = float(tr.gates["reset"][t, 0])
            inner = f"{_fmt(wx, pr)}·{_fmt(x, pr)} + {_fmt(b, pr)} + {_fmt(r, pr)}·({_fmt(wh, pr)}·{_fmt(h, pr)})"
        else:
            inner = f"{_fmt(wx, pr)}·{_fmt(x, pr)} + {_fmt(wh, pr)}·{_fmt(h, pr)} + {_fmt(b, pr)}"
        value = float(values[0])
        return self._line(f"{sym} = {act}({inner}) = {_fmt(value, pr)}", colour, [(("gate", gate, t, 0), value)])

    def _state_line(self, t: int) -> Any:
        """The new state from the gates: ``c = f·c + i·g`` (LSTM) or ``h = u·h + (1−u)·n`` (GRU)."""
        tr, pr, th = self.trajectory, self.precision, self.theme
        k = t + 1
        g = tr.gates
        if self.cell_type.name == "lstm":
            assert tr.c is not None
            if not tr.is_scalar:
                shown = "[" + ", ".join(_fmt(v, pr) for v in tr.c[t]) + "]"
                keys = [(("c", t, j), float(v)) for j, v in enumerate(tr.c[t])]
                return self._line(f"c{_sub(k)} = f⊙c{_sub(k - 1)} + i⊙g = {shown}", th.memory, keys)
            f, c_prev, i, cand = (
                float(a) for a in (g["forget"][t, 0], tr.c_prev(t)[0], g["input"][t, 0], g["candidate"][t, 0])
            )
            text = (
                f"c{_sub(k)} = {_fmt(f, pr)}·{_fmt(c_prev, pr)} + {_fmt(i, pr)}·{_fmt(cand, pr)}"
                f" = {_fmt(tr.c[t, 0], pr)}"
            )
            return self._line(text, th.memory, [(("c", t, 0), float(tr.c[t, 0]))])
        if not tr.is_scalar:
            shown = "[" + ", ".join(_fmt(v, pr) for v in tr.h[t]) + "]"
            keys = [(("h", t, j), float(v)) for j, v in enumerate(tr.h[t])]
            return self._line(f"h{_sub(k)} = u⊙h{_sub(k - 1)} + (1−u)⊙n = {shown}", th.memory, keys)
        u, h_prev, n = float(g["update"][t, 0]), float(tr.h_prev(t)[0]), float(g["candidate"][t, 0])
        text = (
            f"h{_sub(k)} = {_fmt(u, pr)}·{_fmt(h_prev, pr)} + {_fmt(1 - u, pr)}·{_fmt(n, pr)} = {_fmt(tr.h[t, 0], pr)}"
        )
        return self._line(text, th.memory, [(("h", t, 0), float(tr.h[t, 0]))])

    def _output_line(self, t: int) -> Any:
        tr, pr, th = self.trajectory, self.precision, self.theme
        k = t + 1
        assert tr.c is not None
        if not tr.is_scalar:
            shown = "[" + ", ".join(_fmt(v, pr) for v in tr.h[t]) + "]"
            keys = [(("h", t, j), float(v)) for j, v in enumerate(tr.h[t])]
            return self._line(f"h{_sub(k)} = o⊙tanh(c{_sub(k)}) = {shown}", th.text, keys)
        o = float(tr.gates["output"][t, 0])
        text = f"h{_sub(k)} = {_fmt(o, pr)}·tanh({_fmt(tr.c[t, 0], pr)}) = {_fmt(tr.h[t, 0], pr)}"
        return self._line(text, th.text, [(("h", t, 0), float(tr.h[t, 0]))])

    def _beat_lines(self, beat: str, t: int) -> list[Any]:
        """The panel lines that appear on ``beat`` of step ``t``."""
        if self.cell_type.name == "lstm":
            return {
                "forget": lambda: [self._gate_line("forget", t)],
                "input": lambda: [self._gate_line("input", t), self._gate_line("candidate", t)],
                "cell": lambda: [self._state_line(t)],
                "output": lambda: [self._gate_line("output", t), self._output_line(t)],
            }[beat]()
        return {
            "reset": lambda: [self._gate_line("reset", t)],
            "update": lambda: [self._gate_line("update", t)],
            "candidate": lambda: [self._gate_line("candidate", t)],
            "state": lambda: [self._state_line(t)],
        }[beat]()

    def _place_lines(self, lines: list[Any]) -> None:
        """Stack ``lines`` under the ones shown, from the panel's top left."""
        top = PANEL_TOP - 0.3
        x = PANEL_LEFT + 0.25
        for mob in lines:
            below = self.panel_lines[-1].get_bottom()[1] - 0.2 if self.panel_lines else top
            mob.move_to((0, below - mob.height / 2, 0)).align_to((x, 0, 0), LEFT)
            self.panel_lines.append(mob)

    def _clear_lines(self) -> list[Animation]:
        old, self.panel_lines = self.panel_lines, []
        return [FadeOut(m) for m in old]

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
        th, ct = self.theme, self.cell_type
        self.start_section("title")
        title = make_text(self.spec.title, th, size=SIZE_TITLE, max_width=12.5).move_to((0, 3.05, 0))
        gate_eqs = [e for e, g in zip(ct.equations, ct.gates, strict=False)]
        state_eqs = list(ct.equations[len(ct.gates) :])
        gate_col = VGroup(
            *(
                self.cache.get(e, size=26, colour=gate_colour(th, g.name))
                for e, g in zip(gate_eqs, ct.gates, strict=True)
            )
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.22)
        state_col = VGroup(*(self.cache.get(e, size=26, colour=th.memory) for e in state_eqs)).arrange(
            DOWN, aligned_edge=LEFT, buff=0.22
        )
        formulas = VGroup(gate_col, state_col).arrange(DOWN, aligned_edge=LEFT, buff=0.35)
        if formulas.width > 8.0:
            formulas.scale(8.0 / formulas.width)
        formulas.move_to((-2.3, 0.45, 0))
        roles = VGroup(
            *(
                make_text(f"{g.symbol}  {g.name}: {g.role}", th, size=SIZE_SMALL, colour=gate_colour(th, g.name))
                for g in ct.gates
            )
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.2)
        roles.next_to(formulas, RIGHT, buff=0.5).align_to(formulas, UP)
        if roles.get_right()[0] > 6.7:
            roles.scale((6.7 - roles.get_left()[0]) / roles.width, about_edge=LEFT)
        params = make_text(self._parameters_text(), th, size=SIZE_SMALL, colour=th.muted, max_width=12.8)
        params.move_to((0, -3.3, 0))
        self.play_beat("title", FadeIn(title, shift=0.1 * DOWN), run_time=1.2)
        self.play_beat("formula", FadeIn(formulas), run_time=1.2)
        self.play_beat("labels", LaggedStart(*(FadeIn(r) for r in roles), lag_ratio=0.3), run_time=1.6)
        self.play_beat("parameters", FadeIn(params), run_time=1.0)
        self.wait(1.0)
        self.title_parts = [title, formulas, roles, params]

    def _parameters_text(self) -> str:
        tr, pr = self.trajectory, self.precision
        if not tr.is_scalar:
            return f"H = {tr.hidden_size} units, D = {tr.input_size} input components; each gate its own W_x, W_h, b"
        parts = []
        for name, g in tr.params.gates.items():
            sym = self.cell_type.gate(name).symbol
            parts.append(f"{sym}: Wₓ {_fmt(g.w_x[0, 0], pr)}, Wₕ {_fmt(g.w_h[0, 0], pr)}, b {_fmt(g.b[0], pr)}")
        states = f"h₀ = {_fmt(tr.params.h0[0], pr)}"
        if tr.params.c0 is not None:
            states += f", c₀ = {_fmt(tr.params.c0[0], pr)}"
        return "   ".join(parts) + "   " + states

    def _inputs(self) -> None:
        th, tr, pr = self.theme, self.trajectory, self.precision
        self.start_section("inputs")
        self.play(*(FadeOut(p) for p in self.title_parts), run_time=0.8)
        header = self.header_row.set_title("the input sequence")
        values = [", ".join(_fmt(v, pr) for v in row) for row in tr.x]
        shown = values if len(values) <= 16 else [*values[:15], "…"]
        text = "x = " + "   ".join(f"({v})" if tr.input_size > 1 else v for v in shown)
        row = make_text(textwrap.fill(text, 90), th, size=SIZE_BODY, colour=th.input, max_width=12.8)
        row.shown_numbers = [
            (("x", t, d), _fmt(tr.x[t, d], pr))
            for t in range(min(len(values), 15 if len(values) > 16 else 16))
            for d in range(tr.input_size)
        ]
        row.move_to((0, 1.0, 0))
        self.input_row = row
        self.play(FadeIn(header), FadeIn(self.sequence_label), run_time=0.6)
        self.play(FadeIn(row, shift=0.1 * UP), run_time=1.0)
        self.wait(1.0)

    def _network(self) -> None:
        self.start_section("network")
        # The diagram is one top-level mobject (its parts are animated in, not added one by one).
        self.add(self.diagram)
        self.play_beat(
            "build",
            self.header_row.swap_title(f"one {self.cell_type.display} cell"),
            FadeOut(self.input_row),
            self.diagram.make_build_animation(),
            run_time=2.0,
        )
        self.play_beat("flow", self.diagram.make_inputs_animation(0), run_time=1.6)
        self.play_beat("shared", FadeIn(self.panel), FadeIn(self.strip), FadeIn(self.chart), run_time=1.0)
        self.wait(0.5)

    def _step(self, t: int) -> None:
        step = t + 1
        budget = self.seconds_for_step(step)
        self.start_section(f"step_{step:02d}", f"t = {step}")
        header = self.header_row.swap_title(f"t = {step}")
        beats = BEATS[self.cell_type.name]
        if budget >= 1.2:
            share = 0.8 * budget / (len(beats) + 1)
            self.play_beat("focus", header, self.diagram.make_inputs_animation(t), *self._clear_lines(), run_time=share)
            for beat in beats:
                lines = self._beat_lines(beat, t)
                self._place_lines(lines)
                anims: list[Animation] = [self.diagram.make_beat_animation(beat, t), *(FadeIn(m) for m in lines)]
                if beat == beats[-1]:
                    anims += [self.strip.make_fill_animation(t), self.chart.make_grow_animation(t)]
                    self._mark_thumbnail(t)
                self.play_beat(beat, *anims, run_time=share)
            self.wait(0.2 * budget)
        else:
            old = self._clear_lines()
            lines = [m for beat in beats for m in self._beat_lines(beat, t)]
            self._place_lines(lines)
            self.play(
                header,
                self.diagram.make_step_animation(t),
                *old,
                *(FadeIn(m) for m in lines),
                self.strip.make_fill_animation(t),
                self.chart.make_grow_animation(t),
                run_time=0.8 * budget,
            )
            self._mark_thumbnail(t)
            self.wait(0.2 * budget)

    def _mark_thumbnail(self, t: int) -> None:
        if t == self.trajectory.steps - 1:
            self.thumbnail_time = float(self.renderer.time) + 0.05

    def _summary(self) -> None:
        texts = self.spec.script.screen.get("summary", ())
        self.start_section("summary")
        anims: list[Animation] = [
            self.header_row.swap_title("summary"),
            self.diagram.make_clear_animation(),
            *self._clear_lines(),
        ]
        self.play(*anims, run_time=1.0)
        if texts:
            lines = VGroup(
                *(make_text(textwrap.fill(sentence(s), 40), self.theme, size=SIZE_SMALL + 2) for s in texts)
            ).arrange(DOWN, aligned_edge=LEFT, buff=0.25)
            width = FRAME_HALF_W - MARGIN_X - PANEL_LEFT - 0.4
            if lines.width > width:
                lines.scale(width / lines.width)
            lines.move_to(self.panel).align_to((PANEL_LEFT + 0.25, 0, 0), LEFT)
            self.panel_lines.extend(lines)
            fades = (FadeIn(m, shift=0.1 * UP) for m in lines)
            self.play(LaggedStart(*fades, lag_ratio=0.4, group=lines), run_time=1.2)
        self.wait(1.0)
