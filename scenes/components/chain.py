"""The unrolled network: ``h0``, one cell per timestep, inputs below, arrows between.

Columns are numbered ``k = 0..T``: column 0 holds ``h0``; column ``k >= 1`` is
timestep ``k`` (engine index ``t = k - 1``) with its input box ``x_k`` below the
cell, the input arrow (``W_x``), the output arrow to the symbol ``h_k`` above,
and the recurrent arrow (``W_h``) leaving it to the right, towards column ``k + 1``.

Long sequences use a sliding window of at most ``max_slots`` columns: only the
visible columns are part of the group (so they are the only ones on screen), and
:meth:`UnrolledChain.make_scroll_animation` slides the window. Columns are built
lazily, so a 64-step chain costs about what a 9-step one does.

API (``t`` is always the 0-based engine step)::

    chain = UnrolledChain(trajectory, theme, precision, top=3.15)
    scene.add(chain)
    scene.play(chain.make_inputs_animation())     # input boxes of the visible window
    scene.play(chain.make_build_animation())      # h0, cells, arrows
    scene.play(chain.make_flow_animation(t))      # input and memory arrows light up
    scene.play(chain.make_fill_animation(t))      # h_t lands in its cell
    if chain.window_start_for(t) != chain.first:
        scene.play(chain.make_scroll_animation(chain.window_start_for(t)))
        chain.finish_scroll()
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from manim import (
    UP,
    AnimationGroup,
    Arrow,
    FadeIn,
    LaggedStart,
    RoundedRectangle,
    ShowPassingFlash,
    VGroup,
)
from manim.animation.animation import Animation

from rnn_engine.formatting import format_number
from scenes.components.cell import ROW_PITCH, Cell, cell_height, value_tiles
from scenes.components.text import SIZE_SMALL, Shared, make_symbol
from scenes.theme import Theme

__all__ = ["ChainColumn", "UnrolledChain"]

_CHAR_WIDTH = 0.135  # width of one digit of a SIZE_SMALL number (scene units)
_MIN_GAP = 0.55  # room between cells for the recurrent arrow and its label
_SYMBOL_H = 0.26  # room for a subscripted symbol at SIZE_SMALL
_ARROW_GAP = 0.05


def _arrow(start: Sequence[float], end: Sequence[float], colour: str) -> Arrow:
    return Arrow(
        np.array([*start[:2], 0.0]),
        np.array([*end[:2], 0.0]),
        buff=0.0,
        stroke_width=3.0,
        tip_length=0.13,
        max_tip_length_to_length_ratio=0.45,
        max_stroke_width_to_length_ratio=12,
        color=colour,
    )


class ChainColumn(VGroup):
    """The drawables of one column; parts are ``None`` where a column has none (``h0``)."""

    def __init__(self, k: int) -> None:
        super().__init__()
        self.k = k
        self.cell: Cell | None = None
        self.h_symbol: Any = None
        self.out_arrow: Arrow | None = None
        self.x_box: VGroup | None = None
        self.x_symbol: Any = None
        self.in_arrow: Arrow | None = None
        self.wx_label: Any = None
        self.rec_arrow: Arrow | None = None
        self.wh_label: Any = None
        self.inputs_shown = False
        self.network_shown = False

    def input_parts(self) -> list[Any]:
        return [m for m in (self.x_box, self.x_symbol) if m is not None]

    def network_parts(self) -> list[Any]:
        return [
            m
            for m in (
                self.cell,
                self.in_arrow,
                self.wx_label,
                self.out_arrow,
                self.h_symbol,
                self.rec_arrow,
                self.wh_label,
            )
            if m is not None
        ]


class UnrolledChain(VGroup):
    """The unrolled RNN drawn left to right.

    Parameters
    ----------
    trajectory
        The engine run (``x``, ``h``, ``params.h0``; nothing is computed here).
    theme, precision
        Look and decimals.
    top
        y of the top edge of the drawing (the ``h_k`` symbols).
    centre_x, width
        Horizontal band the columns occupy.
    max_slots
        At most this many columns are visible (``h0`` counts as one).

    Attributes
    ----------
    first
        Index of the leftmost visible column.
    slots, spacing, cell_width
        Geometry of the window.
    bottom
        y of the bottom edge of the drawing.
    """

    def __init__(
        self,
        trajectory: Any,
        theme: Theme,
        precision: int,
        *,
        top: float = 3.15,
        centre_x: float = 0.0,
        width: float = 12.8,
        max_slots: int = 9,
    ) -> None:
        super().__init__()
        self._trajectory = Shared(trajectory)
        self.theme = theme
        self.precision = precision
        T = trajectory.steps
        self.steps = T
        # Cells are as wide as their longest number needs (up to a limit past which numbers
        # shrink, by at most ~20 %), so compact scientific values and "overflow" stay
        # readable; wider cells mean fewer slots.
        longest = max(
            len(format_number(v, precision))
            for v in np.concatenate([np.ravel(trajectory.x), np.ravel(trajectory.h), np.ravel(trajectory.params.h0)])
        )
        self.cell_width = float(np.clip(_CHAR_WIDTH * longest + 0.26, 0.9, 1.4))
        fit = int((width - self.cell_width) // (self.cell_width + _MIN_GAP)) + 1
        self.slots = max(2, min(T + 1, max_slots, fit))
        self.spacing = min(1.85, (width - self.cell_width) / max(1, self.slots - 1))
        self.left = centre_x - (self.slots - 1) * self.spacing / 2
        H, D = trajectory.hidden_size, trajectory.input_size
        self.cell_h = cell_height(H)
        self.box_h = max(0.44, D * ROW_PITCH + 0.12)
        self.top = top
        self.symbol_y = top - _SYMBOL_H / 2
        self.cell_y = top - _SYMBOL_H - 0.36 - self.cell_h / 2
        self.box_y = self.cell_y - self.cell_h / 2 - 0.46 - self.box_h / 2
        self.x_symbol_y = self.box_y - self.box_h / 2 - 0.06 - _SYMBOL_H / 2
        self.bottom = self.x_symbol_y - _SYMBOL_H / 2
        finite_h = np.abs(trajectory.h[np.isfinite(trajectory.h)])
        self.h_scale = float(finite_h.max()) if finite_h.size else 1.0
        self.first = 0
        self._column_cache: Shared = Shared({})
        self._leaving: list[ChainColumn] = []
        for k in self.visible_range():
            self.add(self.column(k))

    @property
    def trajectory(self) -> Any:
        return self._trajectory.value

    # -- geometry -----------------------------------------------------------
    def visible_range(self, first: int | None = None) -> range:
        f = self.first if first is None else first
        return range(f, min(self.steps + 1, f + self.slots))

    def slot_x(self, k: int, first: int | None = None) -> float:
        f = self.first if first is None else first
        return self.left + (k - f) * self.spacing

    def window_start_for(self, t: int) -> int:
        """Leftmost column that keeps step ``t`` (0-based) visible with one column of look-ahead."""
        k = t + 1
        latest = max(0, self.steps + 1 - self.slots)
        wanted = k + 2 - self.slots  # k sits in the second-to-last slot
        return int(min(latest, max(self.first, wanted, 0)))

    # -- building -----------------------------------------------------------
    def column(self, k: int) -> ChainColumn:
        """Column ``k`` (built on first use), positioned for the current window."""
        columns: dict[int, ChainColumn] = self._column_cache.value
        if k not in columns:
            columns[k] = self._build_column(k)
        return columns[k]

    def _build_column(self, k: int) -> ChainColumn:
        th, traj = self.theme, self.trajectory
        col = ChainColumn(k)
        x = self.slot_x(k)
        H = traj.hidden_size
        if k == 0:
            cell = Cell(th, H, precision=self.precision, width=self.cell_width, scale=self.h_scale)
            cell.box.set_stroke(th.memory, width=2.0, opacity=0.7)
            cell.move_to((x, self.cell_y, 0))
            cell.values = cell.build_values(list(traj.params.h0), keys=[("h0", i) for i in range(H)])
            cell.add(cell.values)
            col.cell = cell
            col.h_symbol = make_symbol("h", 0, th, size=SIZE_SMALL, colour=th.memory).move_to((x, self.symbol_y, 0))
        else:
            t = k - 1
            cell = Cell(th, H, precision=self.precision, width=self.cell_width, scale=self.h_scale)
            cell.move_to((x, self.cell_y, 0))
            col.cell = cell
            col.h_symbol = make_symbol("h", k, th, size=SIZE_SMALL, colour=th.memory).move_to((x, self.symbol_y, 0))
            col.out_arrow = _arrow(
                (x, self.cell_y + self.cell_h / 2 + _ARROW_GAP),
                (x, self.symbol_y - _SYMBOL_H / 2 - 0.02),
                th.memory,
            )
            box = RoundedRectangle(corner_radius=0.1, width=self.cell_width, height=self.box_h)
            box.set_stroke(th.input, width=2.0, opacity=0.9).set_fill(th.panel, opacity=1.0)
            box.move_to((x, self.box_y, 0))
            values = value_tiles(
                list(traj.x[t]),
                th,
                self.precision,
                keys=[("x", t, d) for d in range(traj.input_size)],
                width=self.cell_width - 0.1,
                scale=1.0,
                colour=th.input,
                tinted=False,
            ).move_to(box)
            col.x_box = VGroup(box, values)
            col.x_symbol = make_symbol("x", k, th, size=SIZE_SMALL, colour=th.input).move_to((x, self.x_symbol_y, 0))
            a0 = (x, self.box_y + self.box_h / 2 + _ARROW_GAP)
            a1 = (x, self.cell_y - self.cell_h / 2 - _ARROW_GAP)
            col.in_arrow = _arrow(a0, a1, th.input)
            col.wx_label = _w_label("x", th)
            col.wx_label.next_to(col.in_arrow, np.array([1.0, 0, 0]), buff=0.08)
        if k < self.steps:
            r0 = (x + self.cell_width / 2 + _ARROW_GAP, self.cell_y)
            r1 = (x + self.spacing - self.cell_width / 2 - _ARROW_GAP, self.cell_y)
            col.rec_arrow = _arrow(r0, r1, th.memory)
            col.wh_label = _w_label("h", th)
            col.wh_label.next_to(col.rec_arrow, UP, buff=0.07)
        return col

    # -- animations ---------------------------------------------------------
    def make_inputs_animation(self, run_time: float = 1.6) -> Animation:
        """The input boxes and symbols of the visible window appear, left to right."""
        anims = []
        for k in self.visible_range():
            col = self.column(k)
            if col.inputs_shown or not col.input_parts():
                continue
            col.inputs_shown = True
            col.add(*col.input_parts())
            # One FadeIn per part already in the chain: wrapping them in a new group would make
            # the scene pull that group out of the chain (and break the chain's draw order).
            anims.append(AnimationGroup(*(FadeIn(m, shift=0.2 * UP) for m in col.input_parts()), group=self))
        return LaggedStart(*anims, lag_ratio=0.15, run_time=run_time, group=self)

    def make_build_animation(self, run_time: float = 2.0) -> Animation:
        """Cells, ``h0`` and arrows of the visible window appear."""
        anims = []
        for k in self.visible_range():
            col = self.column(k)
            if not col.inputs_shown and col.input_parts():
                col.inputs_shown = True
                col.add(*col.input_parts())
                anims.append(AnimationGroup(*(FadeIn(m) for m in col.input_parts()), group=self))
            if col.network_shown:
                continue
            col.network_shown = True
            parts = col.network_parts()
            col.add(*parts)
            anims.append(AnimationGroup(*(FadeIn(m, scale=0.9) for m in parts), group=self))
        return LaggedStart(*anims, lag_ratio=0.12, run_time=run_time, group=self)

    def make_wave_animation(self, run_time: float = 1.6) -> Animation:
        """A flash travels along the recurrent arrows: information flows left to right."""
        flashes = [
            _flash(self.column(k).rec_arrow, self.theme.memory)
            for k in self.visible_range()
            if self.column(k).rec_arrow is not None
        ]
        return LaggedStart(*flashes, lag_ratio=0.35, run_time=run_time, group=self)

    def make_flow_animation(self, t: int, run_time: float = 0.6) -> Animation:
        """Step ``t``: the input arrow and the incoming memory arrow light up."""
        k = t + 1
        col, prev = self.column(k), self.column(k - 1)
        assert col.in_arrow is not None
        anims = [_flash(col.in_arrow, self.theme.input)]
        if prev.rec_arrow is not None:
            anims.append(_flash(prev.rec_arrow, self.theme.memory))
        return AnimationGroup(*anims, run_time=run_time, group=self)

    def make_fill_animation(self, t: int, run_time: float = 0.5) -> Animation:
        """Step ``t``: ``h_t`` lands in its cell and flows out of the output arrow."""
        col = self.column(t + 1)
        assert col.cell is not None
        anims: list[Animation] = [col.cell.make_fill_animation(list(self.trajectory.h[t]), t=t, run_time=run_time)]
        if col.out_arrow is not None:
            anims.append(_flash(col.out_arrow, self.theme.memory))
        return AnimationGroup(*anims, run_time=run_time, group=self)

    def make_focus_animation(self, t: int | None, run_time: float = 0.3) -> Animation:
        """Highlight the cell of step ``t`` (``None``: no cell) and release the others."""
        anims = []
        for k in self.visible_range():
            col = self.column(k)
            if k == 0 or col.cell is None:
                continue
            on = t is not None and k == t + 1
            focused = getattr(col.cell, "_focused", False)
            if on != focused:
                col.cell._focused = on
                anims.append(col.cell.make_focus_animation(on, run_time=run_time))
        return AnimationGroup(*anims, run_time=run_time, group=self) if anims else Animation(self, run_time=run_time)

    def make_scroll_animation(self, first: int, run_time: float = 0.6) -> Animation:
        """Slide the window so column ``first`` is leftmost; call :meth:`finish_scroll` after playing."""
        shift = (self.first - first) * self.spacing
        old = set(self.visible_range())
        new = set(self.visible_range(first))
        entering = [self.column(k) for k in sorted(new - old)]
        self._leaving = [self.column(k) for k in sorted(old - new)]
        for k in sorted(new):
            col = self.column(k)
            # Whatever was not shown yet is shown now, so parts never lag behind their column.
            if not col.inputs_shown:
                col.inputs_shown = True
                col.add(*col.input_parts())
            if not col.network_shown:
                col.network_shown = True
                col.add(*col.network_parts())
        for col in entering:
            # Start one shift to the right of its final place (it may have been built for another window).
            assert col.cell is not None
            col.shift(((self.slot_x(col.k, first) - shift) - col.cell.get_x(), 0, 0))
            self.add(col)
        self.first = first
        return _Scroll(self, shift, leaving=self._leaving, entering=entering, run_time=run_time)

    def finish_scroll(self) -> None:
        """Drop the columns that left the window (after the scroll animation played)."""
        for col in self._leaving:
            self.remove(col)
        self._leaving = []


class _Scroll(Animation):
    """Slides the chain sideways while fading columns out (left) and in (right).

    Shifts are applied incrementally and opacities scaled from values saved at the
    start, so nothing is deep-copied: a plain ``Transform`` copied the whole chain
    three times per scroll, which dominated long (64-step) scenes.
    """

    def __init__(
        self,
        chain: UnrolledChain,
        shift: float,
        *,
        leaving: list[ChainColumn],
        entering: list[ChainColumn],
        **kwargs: Any,
    ) -> None:
        self.shift_x = shift
        self.leaving = leaving
        self.entering = entering
        self._done = 0.0
        self._opacities: list[tuple[Any, np.ndarray, np.ndarray, bool]] = []
        super().__init__(chain, **kwargs)

    def create_starting_mobject(self) -> Any:
        return VGroup()  # nothing to interpolate from; see the class docstring

    def begin(self) -> None:
        self._done = 0.0
        self._opacities = [
            (m, m.fill_rgbas[:, 3].copy(), m.stroke_rgbas[:, 3].copy(), col in self.entering)
            for col in (*self.leaving, *self.entering)
            for m in col.family_members_with_points()
        ]
        super().begin()

    def interpolate_mobject(self, alpha: float) -> None:
        self.mobject.shift(((alpha - self._done) * self.shift_x, 0, 0))
        self._done = alpha
        for m, fill, stroke, entering in self._opacities:
            factor = alpha if entering else 1.0 - alpha
            m.fill_rgbas[:, 3] = fill * factor
            m.stroke_rgbas[:, 3] = stroke * factor

    def clean_up_from_scene(self, scene: Any) -> None:
        super().clean_up_from_scene(scene)
        # Leaving columns get their look back, in case a later window shows them again.
        for m, fill, stroke, entering in self._opacities:
            if not entering:
                m.fill_rgbas[:, 3] = fill
                m.stroke_rgbas[:, 3] = stroke


def _w_label(sub: str, theme: Theme) -> Any:
    return make_symbol("W", sub.translate(str.maketrans("xh", "ₓₕ")), theme, size=SIZE_SMALL, colour=theme.muted)


def _flash(arrow: Arrow, colour: str) -> Animation:
    glow = arrow.copy().set_stroke(colour, width=7.0, opacity=1.0)
    return _Flash(glow, time_width=0.6)


class _Flash(ShowPassingFlash):
    """A passing flash on a temporary copy that adds itself to the scene at top level.

    Marked as an introducer so that, inside an ``AnimationGroup(..., group=chain)``,
    Manim adds the glow on its own instead of relying on the group (which would
    never be drawn) and removes it cleanly afterwards.
    """

    def __init__(self, mobject: Any, **kwargs: Any) -> None:
        super().__init__(mobject, **kwargs)
        self.introducer = True
