"""A row (or column) of colour swatches with names.

API::

    legend = Legend([("h₁", theme.series[0]), ("x", theme.input, 0.4)], theme)

Each entry is ``(name, colour)`` or ``(name, colour, opacity)``; the swatch is a
short thick line, drawn at that opacity (faint series get a faint swatch).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from manim import DOWN, LEFT, RIGHT, Line, VGroup

from scenes.components.text import SIZE_SMALL, make_text
from scenes.theme import Theme

__all__ = ["Legend"]


class Legend(VGroup):
    """Colour swatches with names.

    Parameters
    ----------
    entries
        ``(name, colour)`` or ``(name, colour, opacity)`` per entry.
    theme
        Fonts and text colour.
    direction
        ``RIGHT`` for a row, ``DOWN`` for a column.
    size
        Font size of the names.
    """

    def __init__(
        self,
        entries: Sequence[tuple[str, str] | tuple[str, str, float]],
        theme: Theme,
        *,
        direction: np.ndarray = RIGHT,
        size: float = SIZE_SMALL,
    ) -> None:
        super().__init__()
        self.entries = VGroup()
        for entry in entries:
            name, colour = entry[0], entry[1]
            opacity = float(entry[2]) if len(entry) > 2 else 1.0  # type: ignore[misc]
            swatch = Line(LEFT * 0.18, RIGHT * 0.18, stroke_width=5, color=colour).set_stroke(opacity=opacity)
            label = make_text(name, theme, size=size, colour=theme.muted)
            item = VGroup(swatch, label).arrange(RIGHT, buff=0.1)
            self.entries.add(item)
        if len(self.entries):
            if np.allclose(direction, DOWN):
                self.entries.arrange(DOWN, aligned_edge=LEFT, buff=0.12)
            else:
                self.entries.arrange(RIGHT, buff=0.3)
        self.add(self.entries)
