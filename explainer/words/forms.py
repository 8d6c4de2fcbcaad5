"""How numbers, symbols, lists and step ranges are written in words that can be spoken as written.

Every sentence the video says (captions, the narration script) is made of these forms,
so one value reads the same everywhere, and at the precision the screen shows it:

- a state, an input, a weight: :meth:`Forms.num` -- the screen's digits
  (``0.31``, ``0.50``), ``minus 0.35`` for a negative, never e-notation
  (``1.34 times 10 to the 154``, ``3.1 millionths``);
- a ratio of what is left: :meth:`Forms.share` -- ``45 %``, ``1.2 %``, ``about 6 in 1,000``,
  ``about 4 in 10 million``; a gain: :meth:`Forms.times` -- ``about 3 times``;
- symbols as the screen writes them: ``h₃``, ``x₁``, ``Wₓ``, ``Wₕ`` (:func:`sym`);
- lists ``a, b and c``; steps ``steps 5 to 7``, ``steps 2, 4 and 6``; ``a`` / ``an``.

Values within 1e-12 of zero are zero (floating-point residue is never said), except gradient
products and factors (``exact=True``), which are real however small: ``2.01 times 10 to the minus 15``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from rnn_engine.formatting import format_number, screen_number

__all__ = ["Forms", "article", "join", "plural", "sentence", "steps_phrase", "sym"]

_SUB = str.maketrans("0123456789+-()thxk", "₀₁₂₃₄₅₆₇₈₉₊₋₍₎ₜₕₓₖ")
#: Below this magnitude a value is floating-point residue: 0.
RESIDUE = 1e-12

_SCALES = [
    (1e3, "1,000"),
    (1e4, "10,000"),
    (1e5, "100,000"),
    (1e6, "a million"),
    (1e7, "10 million"),
    (1e8, "100 million"),
    (1e9, "a billion"),
    (1e10, "10 billion"),
    (1e11, "100 billion"),
    (1e12, "a trillion"),
]


def sym(letter: str, index: int | str | None = None) -> str:
    """A symbol as the screen writes it: ``sym("h", 3)`` -> ``h₃``, ``sym("W", "x")`` -> ``Wₓ``."""
    return letter if index is None else letter + str(index).translate(_SUB)


def join(items: Sequence[str], conjunction: str = "and") -> str:
    """``["a", "b", "c"]`` -> ``"a, b and c"``."""
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def plural(n: int, noun: str, plural_form: str | None = None) -> str:
    """``plural(1, "step")`` -> ``"1 step"``, ``plural(3, "step")`` -> ``"3 steps"``."""
    return f"{n} {noun if n == 1 else plural_form or noun + 's'}"


def article(word: str) -> str:
    """``a`` or ``an`` before ``word``, by its sound (``an alternating``, ``a Fibonacci``, ``an RNN``)."""
    w = word.strip()
    lower = w.lower()
    if not w:
        return "a"
    if w[:3].isupper() and w[0] in "AEFHILMNORSX":  # an RNN, an LSTM, an MLP (letters said by name)
        return "an"
    if lower.startswith(("uni", "use", "one", "eu")):
        return "a"
    if lower.startswith(("hour", "honest")):
        return "an"
    return "an" if lower[0] in "aeiou" else "a"


def sentence(text: str) -> str:
    """``text`` with a capital first letter and a closing full stop (symbols like ``h₃`` keep their case)."""
    text = " ".join(text.split())
    if not text:
        return text
    first = text.split(" ", 1)[0]
    if len(first) > 1 and first.isalpha() and first.islower():
        text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


def steps_phrase(steps: Sequence[int], limit: int = 5) -> str:
    """1-based steps in words: ``step 3``, ``steps 5 to 7``, ``steps 2, 4 and 6``, ``steps 2, 4, 6 and 11 more``."""
    steps = sorted(set(steps))
    if not steps:
        return ""
    if len(steps) == 1:
        return f"step {steps[0]}"
    if len(steps) == 2:
        return f"steps {steps[0]} and {steps[1]}"
    if steps == list(range(steps[0], steps[-1] + 1)):
        return f"steps {steps[0]} to {steps[-1]}"
    runs: list[tuple[int, int]] = []
    for s in steps:
        if runs and s == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], s)
        else:
            runs.append((s, s))
    items: list[tuple[str, int]] = []  # (words, how many steps they cover)
    for a, b in runs:
        if a == b:
            items.append((str(a), 1))
        elif b == a + 1:
            items += [(str(a), 1), (str(b), 1)]
        else:
            items.append((f"{a} to {b}", b - a + 1))
    if len(items) > limit:
        shown = items[: limit - 1]
        rest = len(steps) - sum(n for _, n in shown)
        return f"steps {', '.join(w for w, _ in shown)} and {rest} more"
    return f"steps {join([w for w, _ in items])}"


class Forms:
    """The written-to-be-spoken form of every number, at the clip's display ``precision``."""

    def __init__(self, precision: int) -> None:
        self.precision = precision

    def digits(self, v: float, exact: bool = False) -> str:
        """The screen's digits for ``v`` (``0.31``, ``-0.35``, ``0.0061``, ``1.34e154``); residue is ``0``
        unless ``exact`` (a gradient product, never residue)."""
        v = float(v)
        if not exact and math.isfinite(v) and abs(v) < RESIDUE:
            v = 0.0
        return format_number(v, self.precision)

    def screen(self, v: float) -> str:
        """``v`` as a text label on screen writes it (``0.31``, ``1.54×10⁻⁴``)."""
        v = float(v)
        if math.isfinite(v) and abs(v) < RESIDUE:
            v = 0.0
        return screen_number(v, self.precision)

    def at_most(self, v: float) -> str:
        """An upper bound, rounded up at the screen's precision, so that "at most" stays true."""
        step = 10.0**-self.precision
        return self.num(math.ceil(float(v) / step - 1e-9) * step)

    def num(self, v: float, exact: bool = False) -> str:
        """``v`` as said: ``0.31``, ``minus 0.35``, ``1.34 times 10 to the 154``, ``overflow``
        (``exact``: see :meth:`digits`)."""
        text = self.digits(v, exact)
        if text == "NaN":
            return "not a number"
        if text in ("overflow", "-overflow"):
            return "infinity" if text == "overflow" else "minus infinity"
        sign = ""
        if text.startswith("-"):
            sign, text = "minus ", text[1:]
        if "e" in text:
            mantissa, exponent = text.split("e")
            power = f"minus {exponent[1:]}" if exponent.startswith("-") else exponent
            text = f"{mantissa} times 10 to the {power}"
        return sign + text

    def vec(self, values: Sequence[float]) -> str:
        """A vector as said: ``0.21, minus 0.40 and 0.05`` (for H > 1)."""
        return join([self.num(v) for v in values])

    def share(self, r: float) -> str:
        """What is left, ``0 <= r < 1``: ``45 %``, ``1.2 %``, ``about 6 in 1,000``, ``about 4 in 10 million``."""
        r = abs(float(r))
        if r == 0.0:
            return "nothing"
        if r >= 0.01:
            pct = 100 * r
            text = f"{pct:.0f}" if pct >= 9.95 else f"{pct:.1f}".rstrip("0").rstrip(".")
            return f"{text} %"
        exponent = math.floor(math.log10(r))
        mantissa = round(r / 10**exponent)
        if mantissa == 10:
            mantissa, exponent = 1, exponent + 1
        scale = 10 ** (-exponent)
        for value, words in _SCALES:
            if math.isclose(scale, value, rel_tol=1e-9):
                return f"about {mantissa} in {words}"
        if scale < 1e3:
            return f"about {mantissa} in {round(scale):,}"
        return "less than 1 in a trillion"

    def amount(self, v: float) -> str:
        """A size as said: the number (``0.14``, ``1.50``), or below 0.01 a share (``about 3 in 10,000``),
        which says a tiny value without a run of zeros or a power of ten."""
        v = abs(float(v))
        return self.share(v) if 0 < v < 0.01 else self.num(v, exact=True)

    def times(self, r: float) -> str:
        """A gain, ``r > 1``: ``about 1.8 times``, ``about 40 times``, ``about 2,000 times``,
        ``about 10 to the 40 times``.

        (Two significant digits; ten million and more as a power of ten.)
        """
        r = abs(float(r))
        if not math.isfinite(r):
            return "without bound"
        if r < 10:
            return f"about {f'{r:.1f}'.rstrip('0').rstrip('.')} times"
        if r < 1e6:
            return f"about {int(float(f'{r:.2g}')):,} times"
        return f"about 10 to the {int(round(math.log10(r)))} times"

    def size_change(self, r: float) -> str:
        """What ``r`` (end over start) does, in words: ``shrinks to 1.2 %``, ``grows about 3 times``, ``keeps 80 %``."""
        r = abs(float(r))
        if r == 0:
            return "is cut to nothing"
        if r < 1:
            return f"shrinks to {self.share(r)}" if r < 0.5 else f"keeps {self.share(r)}"
        if r <= 1.5:
            return "stays about the same" if r < 1.05 else f"grows a little, {self.times(r)}"
        return f"grows {self.times(r)}"
