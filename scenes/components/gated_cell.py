"""A gated cell (LSTM or GRU) drawn as its data flow, the gate values over time, and the states' chart.

The LSTM, as drawn (the cell state runs along the top through x and +)::

     c_(t-1) ────────(×)──────────(+)──────────┬──── c_t
                      │            │          [tanh]
                      │           (×)          │
                      │          ╱   ╲         │
                    [σ f]    [σ i]  [tanh g] [σ o]──(×)──── h_t
                      │        │       │       │
     h_(t-1) ─────────┴────────┴───────┴───────┘
                        x_t ↑

The GRU: the memory h runs along the top through x (kept by u) and + (the candidate's
share, 1 - u, times n); the reset gate feeds the candidate.

API::

    cell = GatedCellDiagram(trajectory, theme, precision, width=7.6)
    cell.make_beat_animation("forget", t)    # one gate's wires light up, its value appears
    cell.make_step_animation(t)              # every value of step t at once (fast steps)
    strip = GateStrip(trajectory, theme, width=6.0, height=1.6)
    strip.make_fill_animation(t)             # column t of the gate values
    chart = GatedStateChart(trajectory, theme, precision, width=6.0, height=2.4)
    chart.make_grow_animation(t)

Every number shown is recorded in ``shown_numbers`` with a key the tests read back from
the trajectory: ``("gate", name, t, unit)``, ``("c", t, unit)``, ``("h", t, unit)``,
``("x", t, component)``, ``("h0", unit)``, ``("c0", unit)``.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    AnimationGroup,
    Circle,
    Create,
    DashedLine,
    Dot,
    FadeIn,
    Line,
    Polygon,
    Rectangle,
    RoundedRectangle,
    VectorizedPoint,
    VGroup,
    VMobject,
)
from manim.animation.animation import Animation

from rnn_engine import GatedTrajectory
from rnn_engine.formatting import format_number
from scenes.components.frame import panel_frame
from scenes.components.legend import Legend
from scenes.components.text import SIZE_SMALL, Shared, fit_width, make_number, make_symbol, make_text, subscript
from scenes.theme import Theme

__all__ = ["BEATS", "GateStrip", "GatedCellDiagram", "GatedStateChart", "gate_colour"]

#: The beats of one step, per cell, in the order they are played (the words use the same names).
BEATS = {
    "lstm": ("forget", "input", "cell", "output"),
    "gru": ("reset", "update", "candidate", "state"),
}

Point = tuple[float, float]


def gate_colour(theme: Theme, gate: str) -> str:
    """One colour per gate role, the same in the diagram, the strip and the equations."""
    return {
        "forget": theme.warning,
        "update": theme.warning,
        "input": theme.activation,
        "reset": theme.activation,
        "candidate": theme.bias,
        "output": theme.negative,
    }[gate]


@dataclass(frozen=True)
class _Layout:
    """One cell's drawing, in units of a 7.6 x 3.8 box centred on the origin."""

    boxes: dict[str, tuple[Point, str]]  # gate -> (centre, activation glyph)
    ops: dict[str, tuple[Point, str]]  # name -> (centre, glyph)
    wires: dict[str, tuple[tuple[Point, ...], str]]  # name -> (corners, role: a gate, "memory", "hidden", "x")
    beats: dict[str, tuple[str, ...]]  # beat -> wires lit
    ends: dict[str, tuple[Point, Any]]  # state label -> (anchor, direction of the label from it)


_TOP, _MID, _BOX, _BUS, _X_IN = 1.35, 0.5, -0.35, -1.25, -1.8
_HALF_BOX = 0.4


def _lstm_layout() -> _Layout:
    f, i, g, o, tc = -2.3, -1.0, 0.2, 1.4, 2.6
    under = _BOX - _HALF_BOX
    over = _BOX + _HALF_BOX
    ig = (i + g) / 2
    return _Layout(
        boxes={
            "forget": ((f, _BOX), "σ"),
            "input": ((i, _BOX), "σ"),
            "candidate": ((g, _BOX), "tanh"),
            "output": ((o, _BOX), "σ"),
        },
        ops={
            "keep": ((f, _TOP), "×"),
            "write": ((ig, _MID), "×"),
            "add": ((ig, _TOP), "+"),
            "tanh_c": ((tc, _MID), "tanh"),
            "show": ((tc, _BOX), "×"),
        },
        wires={
            "c_in": (((-3.7, _TOP), (f - 0.2, _TOP)), "memory"),
            "keep_add": (((f + 0.2, _TOP), (ig - 0.2, _TOP)), "memory"),
            "c_out": (((ig + 0.2, _TOP), (3.7, _TOP)), "memory"),
            "c_tanh": (((tc, _TOP), (tc, _MID + 0.22)), "memory"),
            "tanh_show": (((tc, _MID - 0.22), (tc, _BOX + 0.2)), "memory"),
            "h_bus": (((-3.7, _BUS), (o, _BUS)), "hidden"),
            "x_in": (((-1.65, _X_IN), (-1.65, _BUS)), "x"),
            "bus_f": (((f, _BUS), (f, under)), "forget"),
            "bus_i": (((i, _BUS), (i, under)), "input"),
            "bus_g": (((g, _BUS), (g, under)), "candidate"),
            "bus_o": (((o, _BUS), (o, under)), "output"),
            "f_keep": (((f, over), (f, _TOP - 0.2)), "forget"),
            "i_write": (((i, over), (i, _MID), (ig - 0.2, _MID)), "input"),
            "g_write": (((g, over), (g, _MID), (ig + 0.2, _MID)), "candidate"),
            "write_add": (((ig, _MID + 0.2), (ig, _TOP - 0.2)), "input"),
            "o_show": (((o + _HALF_BOX + 0.08, _BOX), (tc - 0.2, _BOX)), "output"),
            "h_out": (((tc + 0.2, _BOX), (3.7, _BOX)), "hidden"),
        },
        beats={
            "forget": ("c_in", "bus_f", "f_keep"),
            "input": ("bus_i", "bus_g", "i_write", "g_write", "write_add"),
            "cell": ("keep_add", "c_out"),
            "output": ("c_tanh", "tanh_show", "bus_o", "o_show", "h_out"),
        },
        ends={
            "c_in": ((-3.7, _TOP), UP),
            "c_out": ((3.7, _TOP), UP),
            "h_in": ((-3.7, _BUS), UP),
            "h_out": ((3.7, _BOX), UP),
            "x": ((-1.65, _X_IN), DOWN),
        },
    )


def _gru_layout() -> _Layout:
    u, n, r = -2.3, 0.2, 1.5
    drop = -3.3
    under = _BOX - _HALF_BOX
    over = _BOX + _HALF_BOX
    return _Layout(
        boxes={"update": ((u, _BOX), "σ"), "candidate": ((n, _BOX), "tanh"), "reset": ((r, _BOX), "σ")},
        ops={
            "keep": ((u, _TOP), "×"),
            "one_minus": (((u + n) / 2, _MID), "1−"),
            "mix": ((n, _MID), "×"),
            "add": ((n, _TOP), "+"),
        },
        wires={
            "h_in": (((-3.7, _TOP), (u - 0.2, _TOP)), "memory"),
            "keep_add": (((u + 0.2, _TOP), (n - 0.2, _TOP)), "memory"),
            "h_out": (((n + 0.2, _TOP), (3.7, _TOP)), "memory"),
            "h_bus": (((drop, _TOP), (drop, _BUS), (r, _BUS)), "hidden"),
            "x_in": (((-2.9, _X_IN), (-2.9, _BUS)), "x"),
            "bus_u": (((u, _BUS), (u, under)), "update"),
            "bus_n": (((n, _BUS), (n, under)), "candidate"),
            "bus_r": (((r, _BUS), (r, under)), "reset"),
            "r_n": (((r - _HALF_BOX - 0.08, _BOX), (n + _HALF_BOX + 0.08, _BOX)), "reset"),
            "u_keep": (((u, over), (u, _TOP - 0.2)), "update"),
            "u_minus": (((u, _MID), ((u + n) / 2 - 0.22, _MID)), "update"),
            "minus_mix": ((((u + n) / 2 + 0.22, _MID), (n - 0.2, _MID)), "update"),
            "n_mix": (((n, over), (n, _MID - 0.2)), "candidate"),
            "mix_add": (((n, _MID + 0.2), (n, _TOP - 0.2)), "candidate"),
        },
        beats={
            "reset": ("h_bus", "bus_r", "r_n"),
            "update": ("h_in", "bus_u", "u_keep", "u_minus"),
            "candidate": ("x_in", "bus_n", "minus_mix", "n_mix"),
            "state": ("keep_add", "mix_add", "h_out"),
        },
        ends={"h_in": ((-3.7, _TOP), UP), "h_out": ((3.7, _TOP), UP), "x": ((-2.9, _X_IN), DOWN)},
    )


_LAYOUTS = {"lstm": _lstm_layout, "gru": _gru_layout}
_BASE_W = 7.4


def _wire(points: Sequence[Sequence[float]], colour: str, width: float) -> VGroup:
    """A polyline ending in a small arrow head."""
    pts = [np.array((p[0], p[1], 0.0)) for p in points]
    line = VMobject().set_points_as_corners(pts).set_stroke(colour, width=width)
    d = pts[-1] - pts[-2]
    d = d / (np.linalg.norm(d) or 1.0)
    side = np.array((-d[1], d[0], 0.0))
    size = 0.11
    tip = Polygon(pts[-1], pts[-1] - size * d + 0.55 * size * side, pts[-1] - size * d - 0.55 * size * side)
    tip.set_stroke(width=0).set_fill(colour, opacity=1.0)
    return VGroup(line, tip)


def _value_text(values: np.ndarray, precision: int) -> str:
    v = [format_number(float(a), precision) for a in values]
    return v[0] if len(v) == 1 else "[" + ", ".join(v) + "]"


class GatedCellDiagram(VGroup):
    """One gated cell as its data flow, with the current step's values (see the module docstring).

    Parameters
    ----------
    trajectory
        The engine run (:class:`~rnn_engine.GatedTrajectory`).
    theme, precision
        Look and decimals.
    width
        Width in scene units (the height is half of it).
    """

    def __init__(self, trajectory: GatedTrajectory, theme: Theme, precision: int, *, width: float = 7.4) -> None:
        super().__init__()
        self._trajectory = Shared(trajectory)
        self.theme, self.precision = theme, precision
        self.cell = trajectory.cell
        self.layout = _LAYOUTS[self.cell]()
        self.k = width / _BASE_W
        self.scalar = trajectory.is_scalar
        th = theme
        self.dim_colour = th.faint
        self.wires: dict[str, VGroup] = {}
        self.roles: dict[str, str] = {}
        for name, (points, role) in self.layout.wires.items():
            self.wires[name] = _wire([self._p(p) for p in points], self.dim_colour, 3.0)
            self.roles[name] = role
        self.boxes: dict[str, VGroup] = {}
        self.box_values: dict[str, VGroup] = {}
        for gate, ((x, y), glyph) in self.layout.boxes.items():
            colour = gate_colour(th, gate)
            frame = RoundedRectangle(corner_radius=0.08, width=0.85 * self.k, height=2 * _HALF_BOX * self.k)
            frame.set_stroke(colour, width=2.5).set_fill(th.panel, opacity=1.0).move_to(self._p((x, y)))
            letter = trajectory.params.cell_type.gate(gate).symbol
            label = make_text(f"{glyph} {letter}", th, size=SIZE_SMALL + 2, colour=colour)
            fit_width(label, 0.78 * self.k)
            label.move_to(frame).shift(0.13 * self.k * UP)
            self.boxes[gate] = VGroup(frame, label)
            self.box_values[gate] = VGroup()
        self.ops: dict[str, VGroup] = {}
        for name, ((x, y), glyph) in self.layout.ops.items():
            if glyph == "tanh":
                frame: Any = RoundedRectangle(corner_radius=0.08, width=0.62 * self.k, height=0.42 * self.k)
            else:
                frame = Circle(radius=0.2 * self.k)
            frame.set_stroke(th.muted, width=2.0).set_fill(th.background, opacity=1.0).move_to(self._p((x, y)))
            label = make_text(glyph, th, size=SIZE_SMALL, colour=th.text)
            fit_width(label, frame.width * 0.8)
            label.move_to(frame)
            self.ops[name] = VGroup(frame, label)
        self.end_labels: dict[str, VGroup] = {name: VGroup() for name in self.layout.ends}
        self.wire_group = VGroup(*self.wires.values())
        self.box_group = VGroup(*self.boxes.values(), *self.ops.values())
        self.value_group = VGroup(*self.box_values.values())
        self.end_group = VGroup(*self.end_labels.values())
        # Where the drawing's origin is now (labels made later are placed from it, after any move).
        self.origin = VectorizedPoint((0.0, 0.0, 0.0))
        self.add(self.origin, self.wire_group, self.box_group, self.value_group, self.end_group)
        self.lit: set[str] = set()
        self.shown_step = -1

    @property
    def trajectory(self) -> GatedTrajectory:
        value: GatedTrajectory = self._trajectory.value
        return value

    def _p(self, p: Point) -> tuple[float, float, float]:
        return (p[0] * self.k, p[1] * self.k, 0.0)

    # -- labels ---------------------------------------------------------------
    def _number_label(
        self, text: str, keys: Sequence[tuple[tuple[Hashable, ...], float]], colour: str, max_width: float
    ) -> Any:
        mob = make_text(text, self.theme, size=SIZE_SMALL, colour=colour, max_width=max_width)
        mob.shown_numbers = [(key, format_number(v, self.precision)) for key, v in keys]
        return mob

    def _state_label(self, end: str, t: int) -> VGroup:
        """``c₂ = 0.49`` at one end of a line, for step ``t`` (0-based; inputs use ``t - 1``)."""
        tr, th = self.trajectory, self.theme
        if end == "x":
            letter, index, values, colour = "x", t + 1, tr.x[t], th.input
            keys = [(("x", t, d), float(v)) for d, v in enumerate(values)]
        elif end in ("c_in", "c_out"):
            index = t if end == "c_in" else t + 1
            assert tr.c is not None
            values = tr.c_prev(t) if end == "c_in" else tr.c[t]
            key0 = ("c0",) if index == 0 else ("c", index - 1)
            letter, colour = "c", th.memory
            keys = [((*key0, j), float(v)) for j, v in enumerate(values)]
        else:
            index = t if end == "h_in" else t + 1
            values = tr.h_prev(t) if end == "h_in" else tr.h[t]
            key0 = ("h0",) if index == 0 else ("h", index - 1)
            letter = "h"
            colour = th.memory if self.cell == "gru" else th.text
            keys = [((*key0, j), float(v)) for j, v in enumerate(values)]
        symbol = make_symbol(letter, index, th, size=SIZE_SMALL, colour=colour)
        if len(values) == 1:
            value = self._number_label("= " + _value_text(values, self.precision), keys, colour, 2.6 * self.k)
            group = VGroup(symbol, value).arrange(RIGHT, buff=0.08)
        else:
            group = VGroup(symbol)  # a vector's values would not fit here; the step's lines give them
        (x, y), direction = self.layout.ends[end]
        anchor = self.origin.get_center() + np.array(self._p((x, y)))
        # Clear of the round operators on the line (radius 0.2).
        buff = 0.26 * self.k
        if end == "x":
            group.next_to(anchor, DOWN, buff=0.06)
        elif end == "h_out" and self.cell == "lstm":
            # Below its line: above it sit the tanh of c and the output's x.
            group.next_to(anchor, DOWN, buff=0.24 * self.k).align_to(anchor, RIGHT)
        elif x < 0:
            group.next_to(anchor, UP, buff=buff).align_to(anchor, LEFT)
        else:
            group.next_to(anchor, UP, buff=buff).align_to(anchor, RIGHT)
        return group

    def _box_value(self, gate: str, t: int) -> Any:
        values = self.trajectory.gates[gate][t]
        colour = gate_colour(self.theme, gate)
        if not self.scalar:
            return VGroup()  # vector values are in the equation panel; the box keeps its glyph
        keys = [(("gate", gate, t, 0), float(values[0]))]
        mob = self._number_label(format_number(float(values[0]), self.precision), keys, colour, 0.8 * self.k)
        frame = self.boxes[gate][0]
        mob.move_to(frame).shift(0.16 * self.k * DOWN)
        return mob

    def _swap(self, group: VGroup, new: Any) -> list[Animation]:
        """Replace what ``group`` holds by ``new``: the old label goes at once, the new one fades in.

        (Fading a piece of a component out would pull it out of the component; see
        :mod:`scenes.components`.)
        """
        group.submobjects = []
        group.add(new)
        return [FadeIn(new)] if new.submobjects or new.has_points() else []

    # -- animations -------------------------------------------------------------
    def _light(self, names: Sequence[str]) -> list[Animation]:
        """Light ``names`` (in their role's colour), dim the others lit before."""
        th = self.theme
        anims: list[Animation] = []
        for name in self.lit - set(names):
            anims.append(self.wires[name].animate.set_stroke(self.dim_colour).set_fill(self.dim_colour))
        for name in names:
            role = self.roles[name]
            colour = {"memory": th.memory, "hidden": th.text, "x": th.input}.get(role) or gate_colour(th, role)
            anims.append(self.wires[name].animate.set_stroke(colour).set_fill(colour))
        self.lit = set(names)
        return anims

    def _beat_labels(self, beat: str, t: int) -> list[Animation]:
        anims: list[Animation] = []
        ends = self.end_labels
        if self.cell == "lstm":
            gates = {"forget": ("forget",), "input": ("input", "candidate"), "output": ("output",)}.get(beat, ())
            if beat == "forget":
                anims += self._swap(ends["c_in"], self._state_label("c_in", t))
            if beat == "cell":
                anims += self._swap(ends["c_out"], self._state_label("c_out", t))
            if beat == "output":
                anims += self._swap(ends["h_out"], self._state_label("h_out", t))
        else:
            gates = {"reset": ("reset",), "update": ("update",), "candidate": ("candidate",)}.get(beat, ())
            if beat == "state":
                anims += self._swap(ends["h_out"], self._state_label("h_out", t))
        for gate in gates:
            anims += self._swap(self.box_values[gate], self._box_value(gate, t))
        return anims

    def make_inputs_animation(self, t: int) -> Animation:
        """Step ``t``'s inputs at their line ends: ``x_t``, ``h_(t-1)`` (and ``c_(t-1)``); old outputs go."""
        anims: list[Animation] = []
        anims += self._swap(self.end_labels["x"], self._state_label("x", t))
        anims += self._swap(self.end_labels["h_in"], self._state_label("h_in", t))
        for gate in self.box_values:
            anims += self._swap(self.box_values[gate], VGroup())
        for end in ("c_out", "h_out"):
            if end in self.end_labels:
                anims += self._swap(self.end_labels[end], VGroup())
        if "c_in" in self.end_labels:
            anims += self._swap(self.end_labels["c_in"], self._state_label("c_in", t))
        anims += self._light(("x_in", "h_bus"))
        self.shown_step = t
        return AnimationGroup(*anims, group=self)

    def make_beat_animation(self, beat: str, t: int) -> Animation:
        """The wires of ``beat`` light up and its values (gate values, the new state) appear."""
        return AnimationGroup(*self._light(self.layout.beats[beat]), *self._beat_labels(beat, t), group=self)

    def make_step_animation(self, t: int) -> Animation:
        """Every value of step ``t`` at once (a fast step): inputs, gates and outputs."""
        anims: list[Animation] = []
        for end in self.end_labels:
            anims += self._swap(self.end_labels[end], self._state_label(end, t))
        for gate in self.box_values:
            anims += self._swap(self.box_values[gate], self._box_value(gate, t))
        lit = tuple(w for names in self.layout.beats.values() for w in names)
        anims += self._light(lit)
        self.shown_step = t
        return AnimationGroup(*anims, group=self)

    def make_build_animation(self, run_time: float = 2.0) -> Animation:
        return AnimationGroup(
            *(Create(w) for w in self.wires.values()),
            *(FadeIn(b) for b in (*self.boxes.values(), *self.ops.values())),
            run_time=run_time,
            group=self,
        )

    def make_clear_animation(self) -> Animation:
        """Dim every wire (the summary)."""
        return AnimationGroup(*self._light(()), group=self)


class GateStrip(VGroup):
    """Each gate's value at every step, as a row of shaded squares (the mean over units when H > 1).

    A sigmoid gate's square is shaded by its value (0 empty, 1 full); the tanh candidate by its
    size, negative values outlined in the negative colour.
    """

    def __init__(self, trajectory: GatedTrajectory, theme: Theme, *, width: float, height: float) -> None:
        super().__init__()
        self._trajectory = Shared(trajectory)
        self.theme = theme
        gates = trajectory.params.cell_type.gates
        T = trajectory.steps
        self.panel = panel_frame(theme, width, height)
        title = "gate values over time" + ("" if trajectory.is_scalar else " (mean over units)")
        self.title = make_text(title, theme, size=SIZE_SMALL, colour=theme.muted)
        self.title.next_to(self.panel.get_corner(UP + LEFT), DOWN + RIGHT, buff=0.14)
        self.add(self.panel, self.title)
        names = VGroup(*(make_text(g.name, theme, size=SIZE_SMALL, colour=gate_colour(theme, g.name)) for g in gates))
        name_w = max(m.width for m in names)
        left = self.panel.get_left()[0] + 0.2 + name_w + 0.15
        right = self.panel.get_right()[0] - 0.2
        top = self.title.get_bottom()[1] - 0.12
        bottom = self.panel.get_bottom()[1] + 0.15
        row_h = (top - bottom) / len(gates)
        col_w = (right - left) / T
        side = min(row_h, col_w) * 0.86
        self.cells: list[VGroup] = []
        for gi, g in enumerate(gates):
            y = top - (gi + 0.5) * row_h
            names[gi].move_to((0, y, 0)).align_to((left - 0.15 - name_w, 0, 0), LEFT)
            values = trajectory.gates[g.name].mean(axis=1)
            row = VGroup()
            for t in range(T):
                v = float(values[t])
                sq = Rectangle(width=side, height=side).move_to((left + (t + 0.5) * col_w, y, 0))
                colour = gate_colour(theme, g.name)
                strength = min(1.0, abs(v)) if np.isfinite(v) else 1.0
                edge = theme.negative if v < 0 and g.activation == "tanh" else colour
                sq.set_stroke(edge, width=1.0 if side > 0.12 else 0.5).set_fill(colour, opacity=0.08 + 0.92 * strength)
                sq.gate_value = v
                row.add(sq)
            self.cells.append(row)
        self.names = names
        self.squares = VGroup()
        # The squares join the group only when shown: they are placed from where the panel is then.
        self.origin = VectorizedPoint((0.0, 0.0, 0.0))
        self.add(self.origin, names, self.squares)

    def _show(self, new: list[Any]) -> list[Any]:
        offset = self.origin.get_center()
        for m in new:
            m.shift(offset)
        self.squares.add(*new)
        return new

    def make_fill_animation(self, t: int, run_time: float = 0.4) -> Animation:
        new = self._show([row[t] for row in self.cells])
        return AnimationGroup(*(FadeIn(m) for m in new), run_time=run_time, group=self)


class GatedStateChart(VGroup):
    """``h`` (solid) and, for the LSTM, ``c`` (dashed) against time, one colour per unit."""

    def __init__(
        self, trajectory: GatedTrajectory, theme: Theme, precision: int, *, width: float, height: float
    ) -> None:
        super().__init__()
        self._trajectory = Shared(trajectory)
        self.theme, self.precision = theme, precision
        T, H = trajectory.steps, trajectory.hidden_size
        self.steps = T
        series = [("h", np.asarray(trajectory.h))]
        if trajectory.c is not None:
            series.insert(0, ("c", np.asarray(trajectory.c)))
        self.series = series
        allv = np.concatenate([a[np.isfinite(a)] for _, a in series] + [np.zeros(1)])
        lo, hi = float(allv.min()), float(allv.max())
        if hi - lo < 1e-9:
            hi = lo + 1.0
        pad = 0.08 * (hi - lo)
        self.lo, self.hi = lo - pad, hi + pad
        self.panel = panel_frame(theme, width, height)
        self.title = make_text("states over time", theme, size=SIZE_SMALL, colour=theme.muted)
        self.title.next_to(self.panel.get_corner(UP + LEFT), DOWN + RIGHT, buff=0.14)
        if H == 1:
            self.colours = {"c": [theme.memory], "h": [theme.text if trajectory.c is not None else theme.memory]}
            words = {"c": "c, cell state", "h": "h, hidden state"}
            entries: list[Any] = [(words[name], self.colours[name][0]) for name, _ in series]
        else:
            unit = [theme.series[i % len(theme.series)] for i in range(H)]
            self.colours = {"c": unit, "h": unit}
            letter = "c, h" if trajectory.c is not None else "h"
            entries = [(f"{letter} {subscript(i + 1)}" if H > 1 else letter, unit[i]) for i in range(H)]
        self.legend = Legend(entries, theme)
        self.legend.next_to(self.panel.get_corner(UP + RIGHT), DOWN + LEFT, buff=0.14)
        if self.legend.get_left()[0] < self.title.get_right()[0] + 0.3:
            # No room beside the title: the legend takes its own row under it.
            self.legend.next_to(self.title, DOWN, buff=0.1, aligned_edge=LEFT)
        self.add(self.panel, self.title, self.legend)
        labels = VGroup(
            *(make_number(v, precision, theme, size=SIZE_SMALL, colour=theme.muted) for v in sorted({lo, hi, 0.0}))
        )
        label_w = max(m.width for m in labels)
        left = self.panel.get_left()[0] + 0.2 + label_w + 0.1
        right = self.panel.get_right()[0] - 0.3
        top = min(self.title.get_bottom()[1], self.legend.get_bottom()[1]) - 0.12
        bottom = self.panel.get_bottom()[1] + 0.4
        self.box = (left, right, bottom, top)
        kept = VGroup()
        for v, lab in sorted(zip(sorted({lo, hi, 0.0}), labels, strict=True), key=lambda p: p[0] != 0.0):
            lab.next_to((left, self._y(v), 0), LEFT, buff=0.1)
            if all(abs(lab.get_y() - k.get_y()) > 0.26 for k in kept):
                kept.add(lab)
        axis = Line((left, self._y(0.0), 0), (right, self._y(0.0), 0), stroke_width=1.5, color=theme.muted)
        ticks = VGroup()
        for tk in sorted({1, T, *([(T + 1) // 2] if T >= 5 else [])}):
            lab = make_text(str(tk), theme, size=SIZE_SMALL, colour=theme.muted)
            lab.next_to((self._x(tk - 1), bottom, 0), DOWN, buff=0.08)
            ticks.add(lab)
        note = None
        if trajectory.c is not None and H > 1:
            note = make_text("c dashed, h solid", theme, size=SIZE_SMALL, colour=theme.muted)
            note.next_to(self.title, RIGHT, buff=0.3)
            if note.get_right()[0] > self.legend.get_left()[0] - 0.1:
                note = None
        self.add(kept, axis, ticks, *([note] if note is not None else []))
        self.lines = VGroup()
        self.dots = VGroup()
        self.origin = VectorizedPoint((0.0, 0.0, 0.0))
        self.add(self.origin, self.lines, self.dots)
        self.dot_radius = 0.06 if T <= 16 else (0.04 if T <= 40 else 0.03)
        self.shown_upto = -1

    def _x(self, t: int) -> float:
        left, right, _, _ = self.box
        return left + (right - left) * (t + 0.5) / self.steps

    def _y(self, v: float) -> float:
        _, _, bottom, top = self.box
        return bottom + (top - bottom) * (v - self.lo) / (self.hi - self.lo)

    def _step(self, t: int) -> tuple[VGroup, VGroup]:
        """Step ``t``'s dots and the lines from ``t - 1``, placed where the panel is now."""
        lines, dots = VGroup(), VGroup()
        ox, oy, _ = self.origin.get_center()
        for name, values in self.series:
            for j in range(values.shape[1]):
                v = float(values[t, j])
                if not np.isfinite(v):
                    continue
                colour = self.colours[name][j]
                p = (self._x(t) + ox, self._y(v) + oy, 0)
                dots.add(Dot(p, radius=self.dot_radius, color=colour))
                if t > 0 and np.isfinite(values[t - 1, j]):
                    q = (self._x(t - 1) + ox, self._y(float(values[t - 1, j])) + oy, 0)
                    cls = DashedLine if name == "c" else Line
                    lines.add(cls(q, p, stroke_width=2.5, color=colour))
        return lines, dots

    def make_grow_animation(self, t: int, run_time: float = 0.5) -> Animation:
        lines, dots = self._step(t)
        self.lines.add(*lines)
        self.dots.add(*dots)
        self.shown_upto = t
        return AnimationGroup(*(Create(m) for m in lines), *(FadeIn(d) for d in dots), run_time=run_time, group=self)
