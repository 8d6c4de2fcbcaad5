"""One RNN cell: a rounded box that receives ``h_t`` once its step is computed.

API::

    cell = Cell(theme, hidden_size=H, precision=2, width=0.95)
    cell.make_fill_animation(h_values, t=step_index)   # values appear inside
    cell.make_focus_animation(on=True)                  # highlight while computing

For ``H > 1`` the cell holds a column of values; each sits on a small tile whose
colour says the sign (theme ``positive`` / ``negative``) and whose opacity says
the size relative to ``scale`` (the largest finite ``|h|`` of the run, or the
activation's bound). Non-finite values read ``overflow`` in the warning colour.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from manim import FadeIn, RoundedRectangle, VGroup
from manim.animation.animation import Animation

from scenes.components.text import SIZE_SMALL, LabelGroup, make_number
from scenes.theme import Theme

__all__ = ["Cell", "cell_height", "ROW_PITCH"]

#: Vertical distance between the values of a column (scene units).
ROW_PITCH = 0.32
_PAD = 0.14


def cell_height(rows: int) -> float:
    """Height of a box holding ``rows`` values one above the other."""
    return max(0.78, rows * ROW_PITCH + 2 * _PAD)


def value_tiles(
    values: Sequence[float],
    theme: Theme,
    precision: int,
    *,
    keys: Sequence[tuple[object, ...]] | None,
    width: float,
    scale: float,
    colour: str | None = None,
    tinted: bool = True,
) -> LabelGroup:
    """A column of numbers on sign/size-tinted tiles, centred on the origin.

    The result is one label group (its numbers never count as overlapping each other).
    """
    rows = LabelGroup()
    n = len(values)
    for i, v in enumerate(values):
        num = make_number(
            v,
            precision,
            theme,
            key=None if keys is None else keys[i],
            size=SIZE_SMALL,
            colour=colour,
            max_width=width - 0.12,
        )
        tile = RoundedRectangle(
            corner_radius=0.05,
            width=width - 0.04,
            height=ROW_PITCH - 0.04,
            stroke_width=0,
        )
        if tinted and math.isfinite(v):
            strength = 0.0 if scale <= 0 else min(1.0, abs(v) / scale)
            tile.set_fill(theme.positive if v >= 0 else theme.negative, opacity=0.12 + 0.5 * strength)
        elif tinted:
            tile.set_fill(theme.warning, opacity=0.25)
        else:
            tile.set_fill(theme.panel, opacity=0.0)
        y = (n - 1) / 2 * ROW_PITCH - i * ROW_PITCH
        tile.move_to((0.0, y, 0.0))
        num.move_to(tile)
        rows.add(VGroup(tile, num))
    return rows


class Cell(VGroup):
    """A box for one timestep's hidden state.

    Parameters
    ----------
    theme
        Colours and fonts.
    hidden_size
        ``H``: how many values the cell will show.
    precision
        Decimals of the numbers.
    width
        Box width (scene units); the height follows from ``hidden_size``.
    scale
        ``|h|`` that gets the strongest tint (values are tinted relative to it).
    stroke
        Box colour; defaults to the theme's ``memory`` colour.

    Attributes
    ----------
    box
        The rounded rectangle.
    values
        The value column once filled (``None`` before).
    """

    def __init__(
        self,
        theme: Theme,
        hidden_size: int = 1,
        *,
        precision: int = 2,
        width: float = 0.95,
        scale: float = 1.0,
        stroke: str | None = None,
    ) -> None:
        super().__init__()
        self.theme = theme
        self.hidden_size = hidden_size
        self.precision = precision
        self.cell_width = width
        self.scale_ref = scale
        self.stroke_colour = stroke or theme.memory
        self.box = RoundedRectangle(corner_radius=0.12, width=width, height=cell_height(hidden_size))
        self.box.set_stroke(self.stroke_colour, width=2.5, opacity=0.9)
        self.box.set_fill(theme.panel, opacity=1.0)
        self.add(self.box)
        self.values: LabelGroup | None = None

    def build_values(self, h: Sequence[float], keys: Sequence[tuple[object, ...]] | None = None) -> LabelGroup:
        """The value column for ``h`` with number ``keys``, positioned in the box, not yet added."""
        col = value_tiles(
            h,
            self.theme,
            self.precision,
            keys=keys,
            width=self.cell_width - 0.12,
            scale=self.scale_ref,
        )
        col.move_to(self.box.get_center())
        return col

    def make_fill_animation(self, h: Sequence[float], *, t: int | None = None, run_time: float = 0.5) -> Animation:
        """Show ``h`` inside the cell (``t`` is the 0-based engine step, used for number keys)."""
        col = self.build_values(h, None if t is None else [("h", t, i) for i in range(len(h))])
        if self.values is not None:
            self.remove(self.values)
        self.values = col
        self.add(col)
        return FadeIn(col, scale=0.85, run_time=run_time)

    def make_focus_animation(self, on: bool = True, *, run_time: float = 0.4) -> Animation:
        """Highlight (``on``) or return to the resting look."""
        colour = self.theme.activation if on else self.stroke_colour
        anim = self.box.animate.set_stroke(colour, width=5.0 if on else 2.5, opacity=1.0 if on else 0.9).build()
        return anim.set_run_time(run_time)
