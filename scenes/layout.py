"""The screen grid every scene is laid out on, and the header row they share.

Scene units; the frame is 14.22 x 8 (16:9), centred at the origin::

    HEADER_Y   title (left)                                   context / step label (right)
    RULE_Y     the shared rule or statement line              (concept scenes)
    AREA_TOP   --------------------------------------------------------------------
               panels, charts, callouts ...
    AREA_BOTTOM -------------------------------------------------------------------

The unrolled scene uses the same header row (with a wider margin) and lays out its own
bands below it (the chain, the equation band, the inset and the chart).

:class:`HeaderRow` builds the two ends of the header row and swaps the right end
(context line -> ``t = 3 of 8`` -> ``summary``) with one fade.
"""

from __future__ import annotations

from typing import Any

from manim import LEFT, RIGHT, FadeIn, FadeOut, FadeTransform
from manim.animation.animation import Animation

from scenes.components.callouts import pretty
from scenes.components.text import SIZE_BODY, SIZE_HEADING, make_text
from scenes.theme import Theme

__all__ = [
    "AREA_BOTTOM",
    "AREA_TOP",
    "FRAME_BOTTOM",
    "FRAME_HALF_W",
    "FRAME_TOP",
    "HEADER_Y",
    "MARGIN_X",
    "RULE_Y",
    "UNROLLED_MARGIN_X",
    "HeaderRow",
]

FRAME_HALF_W = 7.11
FRAME_TOP = 4.0
FRAME_BOTTOM = -4.0
#: The header row: the title on the left, context or the step on the right.
HEADER_Y = 3.58
#: The line under the header in the concept scenes (shared rule, perturbation).
RULE_Y = 3.06
#: The content area of the concept scenes.
AREA_TOP = 2.74
AREA_BOTTOM = -3.86
#: Side margin of the concept scenes' content.
MARGIN_X = 0.3
#: Side margin of the unrolled scene (and of every header row's ends).
UNROLLED_MARGIN_X = 0.5


class HeaderRow:
    """The header row's two ends: a title on the left, a context line or step label on the right.

    Parameters
    ----------
    theme
        Look.
    left_width, right_width
        Widest the left and right ends may be (longer texts are shrunk to fit).
    buff
        Distance of each end from the frame edge.

    Attributes
    ----------
    right
        The mobject now at the right end (``None`` before :meth:`context` or :meth:`swap_right`).
    left
        The heading now at the left end (``None`` before :meth:`set_title`).
    """

    def __init__(self, theme: Theme, *, left_width: float = 8.2, right_width: float = 5.0, buff: float = 0.5) -> None:
        self.theme = theme
        self.left_width = left_width
        self.right_width = right_width
        self.buff = buff
        self.right: Any = None
        self.left: Any = None

    def title(self, text: str, *, size: float = SIZE_HEADING, max_width: float | None = None) -> Any:
        """A heading placed at the left end (subscripts typeset: ``W_h`` -> ``Wₕ``)."""
        mob = make_text(pretty(text), self.theme, size=size, max_width=max_width or self.left_width)
        return mob.move_to((0, HEADER_Y, 0)).to_edge(LEFT, buff=self.buff)

    def set_title(self, text: str) -> Any:
        """A heading at the left end that becomes :attr:`left` (not yet shown)."""
        self.left = self.title(text)
        return self.left

    def swap_title(self, text: str) -> Animation:
        """The left end changes to ``text`` (a transform from :attr:`left`, set by :meth:`set_title`)."""
        old, new = self.left, self.title(text)
        self.left = new
        return FadeTransform(old, new)

    def context(self, text: str, *, max_width: float | None = None) -> Any:
        """The muted context line at the right end (e.g. the sequence and its length); becomes :attr:`right`."""
        mob = make_text(
            text, self.theme, size=SIZE_BODY, colour=self.theme.muted, max_width=max_width or self.right_width
        )
        self.right = mob.move_to((0, HEADER_Y, 0)).to_edge(RIGHT, buff=self.buff)
        return self.right

    def label(self, text: str) -> Any:
        """A heading-sized label placed at the right end (not yet shown)."""
        mob = make_text(text, self.theme, size=SIZE_HEADING)
        return mob.move_to((0, HEADER_Y, 0)).to_edge(RIGHT, buff=self.buff)

    def swap_right(self, text: str) -> list[Animation]:
        """Fade the right end over to the label ``text``; returns the animations to play."""
        new = self.label(text)
        anims: list[Animation] = [FadeIn(new)]
        if self.right is not None:
            anims.append(FadeOut(self.right))
        self.right = new
        return anims
