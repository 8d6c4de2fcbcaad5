"""Text, number and formula building blocks shared by every component.

Every label on screen is made here, so that it

- uses the theme's font and one of a few sizes that stay readable at 1080p
  (the smallest, :data:`SIZE_SMALL`, draws digits about 25 px tall);
- remembers what it shows: ``mob.shown_text`` is the string on screen and
  ``mob.shown_numbers`` a list of ``(key, text)`` pairs, one per number, where
  ``key`` names the engine quantity (see below). ``scenes.testing`` reads them
  back to check every number against the engine;
- can be shrunk to fit a box (:func:`fit_width`) instead of overflowing it.

Number keys (0-based engine indices, as in ``Trajectory``)::

    ("x", t, d)      input x[t, d]          ("z", t, i)   pre-activation z[t, i]
    ("h", t, i)      hidden state h[t, i]   ("h0", i)     initial state
    ("w_x", i, d)    input weight           ("w_h", i, j) recurrent weight
    ("b", i)         bias

Formulas are typeset with Typst (:class:`manim.MathTypst`). Compiling one costs
about 50 ms, so :class:`FormulaCache` keeps each distinct source and hands out
copies.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Iterable
from typing import Any

from manim import ITALIC, NORMAL, MathTypst, Mobject, Text, VGroup

from rnn_engine.formatting import format_number
from scenes.theme import Theme

__all__ = [
    "SIZE_BODY",
    "SIZE_FORMULA",
    "SIZE_HEADING",
    "SIZE_SMALL",
    "SIZE_TITLE",
    "FormulaCache",
    "LabelGroup",
    "Shared",
    "fit_width",
    "lighten",
    "make_number",
    "make_symbol",
    "make_text",
    "subscript",
    "typst_coloured",
    "typst_colour",
]

#: Font sizes (Manim units). At 1080p ``SIZE_SMALL`` digits are ~25 px tall.
SIZE_SMALL = 18
SIZE_BODY = 24
SIZE_HEADING = 30
SIZE_TITLE = 48
#: Typst glyphs come out smaller than Pango's at the same nominal size.
SIZE_FORMULA = 30

_SUBSCRIPT = str.maketrans("0123456789-+()thxk", "₀₁₂₃₄₅₆₇₈₉₋₊₍₎ₜₕₓₖ")


def subscript(index: int | str) -> str:
    """``12`` -> ``"₁₂"``; ``"t-1"`` -> ``"ₜ₋₁"`` (Unicode subscripts, cheap to draw as Text).

    Digits, ``+ - ( )`` and the index letters ``t h x k`` have subscript forms.
    """
    return str(index).translate(_SUBSCRIPT)


class Shared:
    """A value that copies of a mobject share instead of deep-copying.

    Animations copy mobjects (``Transform`` copies the whole chain every scroll);
    components keep their trajectory and caches in a ``Shared`` so those copies
    stay cheap.
    """

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __copy__(self) -> Shared:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Shared:
        return self


class LabelGroup(VGroup):
    """A group of labels that form one label (e.g. a column of values in a cell).

    Layout checks do not compare labels inside the same group with each other.
    """

    is_label_group = True


def lighten(mob: Mobject) -> Mobject:
    """Drop the parsed SVG paths kept on every glyph after its points were generated.

    Manim keeps each glyph's ``svgelements`` path; deep-copying those made every
    ``FadeIn``/``Transform`` of a label cost milliseconds. The points are all
    that is drawn, so the paths can go.
    """
    for member in mob.get_family():
        if getattr(member, "path_obj", None) is not None:
            member.path_obj = None
    return mob


_TEXT_CACHE: OrderedDict[tuple[Any, ...], Text] = OrderedDict()
_TEXT_CACHE_SIZE = 1024


def _text(text: str, *, font: str, size: float, colour: str, slant: str = NORMAL, weight: str = NORMAL) -> Text:
    """A copy of a cached :class:`manim.Text` (labels repeat a lot: ``0.00``, ``Wₕ``, ...).

    Building a Text costs ~10 ms (Pango, SVG import); a copy of a lightened one ~0.3 ms.
    The key holds every input of the look, so themes never leak into each other.
    """
    key = (text, font, float(size), colour, slant, weight)
    master = _TEXT_CACHE.get(key)
    if master is None:
        master = lighten(Text(text, font=font, font_size=size, color=colour, slant=slant, weight=weight))
        _TEXT_CACHE[key] = master
        if len(_TEXT_CACHE) > _TEXT_CACHE_SIZE:
            _TEXT_CACHE.popitem(last=False)
    else:
        _TEXT_CACHE.move_to_end(key)
    return master.copy()


def fit_width(mob: Mobject, max_width: float | None, max_height: float | None = None) -> Mobject:
    """Scale ``mob`` down (never up) so it fits ``max_width`` x ``max_height``."""
    factor = 1.0
    if max_width is not None and mob.width > max_width > 0:
        factor = min(factor, max_width / mob.width)
    if max_height is not None and mob.height > max_height > 0:
        factor = min(factor, max_height / mob.height)
    if factor < 1.0:
        mob.scale(factor)
    return mob


def make_text(
    text: str,
    theme: Theme,
    *,
    size: float = SIZE_BODY,
    colour: str | None = None,
    max_width: float | None = None,
    italic: bool = False,
    bold: bool = False,
    mono: bool = False,
) -> Text:
    """A plain text label in the theme's font; records ``shown_text``."""
    mob = _text(
        text,
        font=theme.mono_font if mono else theme.font,
        size=size,
        colour=colour or theme.text,
        slant=ITALIC if italic else NORMAL,
        weight="BOLD" if bold else NORMAL,
    )
    mob.shown_text = text
    mob.shown_numbers = []
    fit_width(mob, max_width)
    return mob


def make_number(
    value: float,
    precision: int,
    theme: Theme,
    *,
    key: tuple[Hashable, ...] | None = None,
    size: float = SIZE_SMALL,
    colour: str | None = None,
    max_width: float | None = None,
) -> Text:
    """A number written with :func:`rnn_engine.formatting.format_number`.

    Non-finite values read ``overflow`` / ``NaN`` in the theme's warning colour.
    """
    text = format_number(value, precision)
    finite = text not in ("overflow", "-overflow", "NaN")
    mob = _text(text, font=theme.font, size=size, colour=(colour or theme.text) if finite else theme.warning)
    mob.shown_text = text
    mob.shown_numbers = [(key, text)] if key is not None else []
    fit_width(mob, max_width)
    return mob


def make_symbol(
    letter: str, index: int | str | None, theme: Theme, *, size: float = SIZE_SMALL, colour: str | None = None
) -> Text:
    """An italic symbol with a Unicode subscript, e.g. ``x₃`` or ``h₀``.

    Used for the many per-step symbols of the chain, where a Typst compile per
    symbol would dominate build time.
    """
    text = letter + ("" if index is None else subscript(index))
    mob = _text(text, font=theme.font, size=size, colour=colour or theme.text, slant=ITALIC)
    mob.shown_text = text
    mob.shown_numbers = []
    return mob


def typst_colour(hex_colour: str) -> str:
    return f'rgb("{hex_colour}")'


def typst_coloured(body: str, colour: str) -> str:
    """Typst math ``body`` drawn in ``colour``, as an embedded call.

    The ``;`` ends the code expression, so a following ``(`` is not read as its arguments.
    """
    return f"#text(fill: {typst_colour(colour)})[${body}$];"


class FormulaCache:
    """Builds each distinct Typst formula once and hands out copies.

    Parameters
    ----------
    theme
        Default colour of the formula's glyphs is ``theme.text``.
    """

    def __init__(self, theme: Theme) -> None:
        self.theme = theme
        self._cache: dict[tuple[str, float, str], MathTypst] = {}

    def __len__(self) -> int:
        return len(self._cache)

    def get(
        self,
        source: str,
        *,
        size: float = SIZE_FORMULA,
        colour: str | None = None,
        numbers: Iterable[tuple[Any, str]] = (),
        shown_text: str | None = None,
    ) -> MathTypst:
        """A copy of the formula typeset from Typst math ``source``.

        ``numbers`` are recorded as ``shown_numbers`` on the returned copy.
        """
        col = colour or self.theme.text
        k = (source, float(size), col)
        if k not in self._cache:
            # Manim's own SVG cache stores a deep copy of every formula (slow); this cache replaces it.
            self._cache[k] = lighten(MathTypst(source, font_size=size, color=col, use_svg_cache=False))
        mob = self._cache[k].copy()
        mob.shown_text = shown_text if shown_text is not None else source
        mob.shown_numbers = list(numbers)
        return mob
