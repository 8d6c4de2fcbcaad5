"""One run in a side-by-side comparison: heading, a compact unrolled strip, the activation inset.

::

    +---------------------------+
    |          ReLU             |   heading (what differs between panels)
    |    ReLU(z) = max(0, z)    |   sub-heading (formula or shared setting)
    |   h2      h3      h4      |
    |  [0.61]->[0.83]->[    ]   |   sliding window of the unrolled chain
    |   x2      x3      x4      |
    |  z3 = 1.20   h3 = 0.83    |   readout of the current step
    |  +---------------------+  |
    |  |  h = f(z), point    |  |   activation inset with the operating point
    |  +---------------------+  |
    +---------------------------+

The strip is a :class:`~scenes.components.chain.UnrolledChain` limited to a few
columns (as many as fit with cells wide enough for a 7-character number at a
readable size), the inset an :class:`~scenes.components.activation_inset.ActivationInset`.
Both are positioned when built (the chain lays out columns it builds later at
absolute positions), so a panel is constructed in place, never moved.

API (``t`` is the 0-based engine step)::

    panel = RunPanel(traj, theme, precision, cache, heading=VGroup(...), centre=(x, y),
                     width=4.3, height=6.9, accent=colour)
    scroll = panel.make_scroll_animation(t)   # None when the window need not move
    ...play(scroll); panel.finish_scroll()
    panel.make_flow_animation(t)              # arrows into step t light up
    panel.make_result_animation(t)            # h_t lands, inset point and readout update
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from manim import DOWN, RIGHT, UP, AnimationGroup, FadeIn, RoundedRectangle, VGroup
from manim.animation.animation import Animation

from scenes.components.activation_inset import ActivationInset
from scenes.components.chain import UnrolledChain
from scenes.components.text import SIZE_SMALL, FormulaCache, LabelGroup, fit_width, make_number, make_symbol, make_text
from scenes.theme import Theme

__all__ = ["RunPanel", "strip_slots"]

#: Narrowest column pitch of the strip: ``UnrolledChain`` makes cells 0.64 x the pitch
#: wide (at most 0.95), and a cell must hold "-1234.56" at a readable size.
MIN_PITCH = 1.48
_CELL_MAX = 0.95
_PAD = 0.12
#: Gap between strip cells below which the W_h label above the memory arrow is left out
#: (it would sit on the cells); the arrow itself still shows the flow.
_LABEL_GAP = 0.42


def strip_slots(width: float) -> int:
    """Most chain columns a strip ``width`` wide asks for (at least 2: h_(t-1) and h_t).

    The chain may show fewer when its numbers need wider cells.
    """
    return max(2, min(6, 1 + int((width - _CELL_MAX) // MIN_PITCH)))


class RunPanel(VGroup):
    """A framed column showing one run step by step.

    Parameters
    ----------
    trajectory
        The run (nothing is computed here).
    theme, precision, cache
        Look, decimals and the shared Typst cache.
    heading
        Mobjects stacked at the top (built by the scene: they say what is special
        about this run); each is shrunk to the panel width if needed.
    centre
        ``(x, y)`` of the panel's centre.
    width, height
        Panel size.
    accent
        The run's colour (frame and readout).
    inset_height
        Height of the activation inset; the default shares what is left.
    heading_height
        Room reserved for the heading (pass the tallest of a row of panels so
        their strips line up); by default the heading's own height.

    Attributes
    ----------
    box, heading, chain, readout, inset
        The parts.
    slots
        Columns of the strip's sliding window.
    """

    def __init__(
        self,
        trajectory: Any,
        theme: Theme,
        precision: int,
        cache: FormulaCache,
        *,
        heading: Sequence[Any],
        centre: tuple[float, float],
        width: float,
        height: float,
        accent: str,
        inset_height: float | None = None,
        heading_height: float | None = None,
    ) -> None:
        super().__init__()
        self.trajectory = trajectory
        self.theme = theme
        self.precision = precision
        self.accent = accent
        cx, cy = centre
        self.box = RoundedRectangle(corner_radius=0.18, width=width, height=height)
        self.box.set_stroke(accent, width=2.0, opacity=0.85).set_fill(theme.panel, opacity=0.35)
        self.box.move_to((cx, cy, 0))
        self.add(self.box)

        inner_w = width - 2 * _PAD
        self.heading = self.stack_heading(heading, width)
        self.heading.next_to(self.box.get_top(), DOWN, buff=_PAD)
        self.heading.set_x(cx)
        self.add(self.heading)

        heading_bottom = self.heading.get_bottom()[1]
        if heading_height is not None:
            # Panels side by side keep their strips on one line whatever their headings hold.
            heading_bottom = min(heading_bottom, self.box.get_top()[1] - _PAD - heading_height)
        probe = _StripChain(trajectory, theme, precision, top=0.0, width=inner_w, max_slots=strip_slots(inner_w))
        slots, cell_w = probe.slots, probe.cell_width
        overhang = 0.0
        #: Tight strips (wide numbers in a narrow panel) hide the memory arrow leaving the last
        #: visible cell instead of reserving room for it.
        self.tight = False
        self._hidden: dict[int, Any] = {}
        if trajectory.steps + 1 > slots:
            # The last column's memory arrow reaches one pitch beyond its cell (towards the next,
            # hidden step): with pitch p the strip spans slots * p, so p = width / slots.
            pitch = min(1.85, inner_w / slots)
            if pitch - cell_w >= _LABEL_GAP:
                overhang = pitch - cell_w
            else:
                self.tight = True
        self.chain = _StripChain(
            trajectory,
            theme,
            precision,
            top=heading_bottom - 0.18,
            centre_x=cx - overhang / 2,
            width=inner_w - overhang,
            max_slots=slots,
        )
        # The chain sizes its cells for its widest number and may fit fewer columns than asked.
        self.slots = self.chain.slots
        self.lookahead = 1 if self.slots >= 3 else 0
        self.add(self.chain)

        self.readout_y = self.chain.bottom - 0.3
        self.readout = self._readout(None)
        self._faded: list[Any] = []
        self.add(self.readout)

        top = self.readout_y - 0.3
        bottom = self.box.get_bottom()[1] + _PAD
        h = top - bottom if inset_height is None else min(inset_height, top - bottom)
        self.inset = ActivationInset(trajectory, theme, precision, cache, width=inner_w, height=h)
        self.inset.move_to((cx, bottom + h / 2, 0))
        self.add(self.inset)

    @staticmethod
    def stack_heading(heading: Sequence[Any], width: float) -> VGroup:
        """The heading mobjects shrunk to a panel ``width`` wide and stacked (as the panel does)."""
        group = VGroup(*heading)
        for mob in group:
            fit_width(mob, width - 2 * _PAD)
        return group.arrange(DOWN, buff=0.12)

    # -- pieces ------------------------------------------------------------------
    def _readout(self, t: int | None) -> LabelGroup:
        """``z_k = ..   h_k = ..`` for step ``t``; ``h_0 = ..`` before the first step."""
        th, pr, traj = self.theme, self.precision, self.trajectory
        parts: list[Any] = []
        if t is None:
            parts += [
                make_symbol("h", 0, th, size=SIZE_SMALL, colour=th.memory),
                make_text("=", th, size=SIZE_SMALL),
                make_number(traj.params.h0[0], pr, th, key=("h0", 0), size=SIZE_SMALL),
            ]
        else:
            k = t + 1
            parts += [
                make_symbol("z", k, th, size=SIZE_SMALL, colour=th.activation),
                make_text("=", th, size=SIZE_SMALL),
                make_number(traj.z[t, 0], pr, th, key=("z", t, 0), size=SIZE_SMALL),
                make_symbol("h", k, th, size=SIZE_SMALL, colour=th.memory),
                make_text("=", th, size=SIZE_SMALL),
                make_number(traj.h[t, 0], pr, th, key=("h", t, 0), size=SIZE_SMALL, colour=self.accent),
            ]
        group = LabelGroup(*parts).arrange(RIGHT, buff=0.1)
        if t is not None:
            # A wider gap between the z and h halves.
            group[3:].shift(RIGHT * 0.22)
        fit_width(group, self.box.width - 2 * _PAD)
        group.move_to((self.box.get_x(), self.readout_y, 0))
        return group

    def window_first(self, t: int) -> int:
        """Leftmost strip column while step ``t`` is computed (h_t in the last or second-to-last slot)."""
        k = t + 1
        latest = max(0, self.trajectory.steps + 1 - self.slots)
        return int(min(latest, max(0, k + 1 + self.lookahead - self.slots)))

    # -- animations -----------------------------------------------------------------
    def make_build_animation(self, run_time: float = 1.2) -> Animation:
        """The strip's inputs and cells appear (the frame, heading and inset are added by the scene)."""
        anim = AnimationGroup(
            self.chain.make_inputs_animation(), self.chain.make_build_animation(), lag_ratio=0.5, run_time=run_time
        )
        self._show_outgoing(max(self.chain.visible_range()), False)
        return anim

    def _show_outgoing(self, k: int, on: bool) -> None:
        """Show or hide column ``k``'s memory arrow to the next column (tight strips only)."""
        if not self.tight:
            return
        col = self.chain.column(k)
        assert col.cell is not None
        for part in (col.rec_arrow, col.wh_label):
            if part is None or (id(part) in self._hidden) != on:
                continue
            if on:
                # Back to its saved look, moved along with its column since it was hidden.
                where = self._hidden.pop(id(part))
                part.restore()
                part.shift(col.cell.get_center() - where)
            else:
                # Invisible and shrunk onto its start, so it does not count towards the strip's size.
                self._hidden[id(part)] = col.cell.get_center().copy()
                part.save_state()
                part.set_opacity(0.0).scale(0.01, about_point=part.get_left())

    def make_scroll_animation(self, t: int, run_time: float = 0.4) -> Animation | None:
        """Slide the strip so step ``t`` is visible; ``None`` if it already is."""
        first = self.window_first(t)
        if first == self.chain.first:
            return None
        # Before the chain copies its target: the arrow that now leads to a visible cell shows,
        # the one leaving the new last cell stays hidden.
        self._show_outgoing(max(self.chain.visible_range()), True)
        self._show_outgoing(max(self.chain.visible_range(first)), False)
        return self.chain.make_scroll_animation(first, run_time=run_time)

    def finish_scroll(self) -> None:
        self.chain.finish_scroll()

    def make_flow_animation(self, t: int, run_time: float = 0.5) -> Animation:
        """The cell of step ``t`` is highlighted and its input and memory arrows light up."""
        return AnimationGroup(self.chain.make_focus_animation(t), self.chain.make_flow_animation(t), run_time=run_time)

    def make_result_animation(self, t: int, run_time: float = 0.6) -> Animation:
        """``h_t`` lands in its cell, the inset's point moves to ``(z_t, h_t)``, the readout updates."""
        # The old readout fades to nothing in place and is dropped on the next call: removing
        # a submobject from a playing scene would split the panel's group.
        for faded in self._faded:
            self.remove(faded)
        new = self._readout(t)
        old = self.readout
        self._faded = [old]
        self.readout = new
        self.add(new)
        return AnimationGroup(
            self.chain.make_fill_animation(t),
            self.inset.make_point_animation(t),
            old.animate.set_opacity(0.0).build(),
            FadeIn(new),
            run_time=run_time,
        )

    def make_intro_animation(self, run_time: float = 1.0) -> Animation:
        """Frame, heading, readout and inset fade in (the strip builds separately)."""
        return FadeIn(VGroup(self.box, self.heading, self.readout, self.inset), shift=0.1 * UP, run_time=run_time)


class _StripChain(UnrolledChain):
    """An :class:`UnrolledChain` that leaves out the ``W_h`` labels when its cells stand too close for them."""

    def _build_column(self, k: int) -> Any:
        col = super()._build_column(k)
        if self.spacing - self.cell_width < _LABEL_GAP:
            col.wh_label = None
        return col
