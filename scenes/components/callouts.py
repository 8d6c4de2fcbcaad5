"""Numbered callouts: a badge on a chart and the matching sentence in a list beside it.

Sentences (from :mod:`rnn_engine.insights`) are too long to float next to a curve
without covering it or each other, so the chart only carries small numbered
badges and the sentences sit in a column, each led by the same badge.

API::

    badge = Badge(1, colour, theme)                  # a filled disc with the number
    block = wrapped_text(sentence, theme, width=4.6) # a left-aligned block of lines
    notes = CalloutList([(1, colour, sentence), ...], theme, width=4.6, max_height=5.0)
    notes.items[0]                                   # VGroup(badge, block) of callout 1
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence

from manim import DOWN, LEFT, RIGHT, UP, Circle, VGroup

from scenes.components.text import SIZE_SMALL, LabelGroup, make_text, subscript
from scenes.theme import Theme

__all__ = ["Badge", "CalloutList", "chars_per_line", "pretty", "sentence", "wrapped_text"]

#: Average advance of one character at font size 1 in DejaVu Sans (scene units), measured
#: on mixed prose; used to choose where to break lines before building them.
_CHAR_WIDTH_PER_SIZE = 0.0075


def chars_per_line(width: float, size: float) -> int:
    """How many characters of prose fit in ``width`` scene units at font ``size``."""
    return max(12, int(width / (_CHAR_WIDTH_PER_SIZE * size)))


_EQUALS_RE = re.compile(r" = ")


def sentence(text: str) -> str:
    """``text`` as a sentence: a capital first letter and a closing full stop.

    ``"the gradient ..."`` -> ``"The gradient ..."``; a first word that is a symbol
    (``h``, ``h_4``, ``dh_8/dx_1``) keeps its case.
    """
    text = text.strip()
    if not text:
        return text
    first = text.split(" ", 1)[0]
    if len(first) > 1 and first.isalpha() and first.islower():
        text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


def wrapped_text(
    text: str,
    theme: Theme,
    *,
    width: float,
    size: float = SIZE_SMALL,
    colour: str | None = None,
    line_gap: float = 0.1,
) -> LabelGroup:
    """``text`` broken into lines that fit ``width``, left-aligned, as one label group.

    Lines that still come out too wide (unusual glyph widths) are shrunk to fit.
    """
    # "t = 10" or "dh/dx = 2e-4" never splits across lines: glue the spaces around "="
    # with no-break spaces (which textwrap does not break at), then put plain ones back.
    glued = _EQUALS_RE.sub("\u00a0=\u00a0", text)
    lines = [line.replace("\u00a0", " ") for line in textwrap.wrap(glued, chars_per_line(width, size))] or [""]
    block = LabelGroup(*(make_text(line, theme, size=size, colour=colour, max_width=width) for line in lines))
    block.arrange(DOWN, aligned_edge=LEFT, buff=line_gap)
    block.shown_text = text
    return block


class Badge(VGroup):
    """A small filled disc with a number in the background colour.

    Parameters
    ----------
    number
        The callout number (1-based).
    colour
        Fill colour (the run's colour).
    theme
        For the digit colour.
    radius
        Disc radius; digits stay at :data:`SIZE_SMALL`, which is readable at 1080p.
    """

    def __init__(self, number: int, colour: str, theme: Theme, *, radius: float = 0.19) -> None:
        super().__init__()
        self.number = number
        self.disc = Circle(radius=radius, stroke_width=2.0, stroke_color=theme.background)
        self.disc.set_fill(colour, opacity=1.0)
        self.label = make_text(str(number), theme, size=SIZE_SMALL, colour=theme.background, bold=True)
        self.label.move_to(self.disc)
        self.add(self.disc, self.label)


class CalloutList(VGroup):
    """A column of numbered sentences.

    Parameters
    ----------
    entries
        ``(number, colour, sentence)`` per callout, in display order.
    theme
        Look.
    width
        Column width; sentences wrap inside it after the badge.
    max_height
        If the column comes out taller, it is scaled down (never below 80 %,
        below which text stops being readable; callers keep lists short).
    size
        Font size of the sentences.

    Attributes
    ----------
    items
        One ``VGroup(badge, text block)`` per entry.
    """

    def __init__(
        self,
        entries: Sequence[tuple[int, str, str]],
        theme: Theme,
        *,
        width: float,
        max_height: float | None = None,
        size: float = SIZE_SMALL,
    ) -> None:
        super().__init__()
        self.items = VGroup()
        for number, colour, sentence in entries:
            badge = Badge(number, colour, theme)
            block = wrapped_text(sentence, theme, width=width - badge.width - 0.18, size=size)
            block.next_to(badge, RIGHT, buff=0.18, aligned_edge=UP)
            # The first line's centre lines up with the badge's centre.
            block.shift(UP * (badge.get_y() - block[0].get_y()))
            self.items.add(VGroup(badge, block))
        if len(self.items):
            self.items.arrange(DOWN, aligned_edge=LEFT, buff=0.3)
        self.add(self.items)
        if max_height is not None and self.height > max_height > 0:
            self.scale(max(max_height / self.height, 0.8))


_SUB_RE = re.compile(r"_\(([0-9thxk+\-]+)\)|_([0-9]+|[thxk](?![A-Za-z]))")


def pretty(text: str) -> str:
    """Engine sentences made screen-ready: ``W_h`` -> ``Wₕ``, ``dh_12/dx_1`` -> ``dh₁₂/dx₁``, ``<=`` -> ``≤``."""
    out = _SUB_RE.sub(lambda m: subscript(m.group(1) or m.group(2)), text)
    return out.replace("<=", "≤").replace(">=", "≥")
