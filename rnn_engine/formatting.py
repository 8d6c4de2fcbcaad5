"""How numbers are written on screen, in captions and in observations.

One module, so a value looks the same in the cell, the equation line, the
caption and the chart, and tests can parse it back.

Rules for ``format_number(v, precision)`` (on-screen numbers, fixed decimals):

- ``nan`` -> ``"NaN"``; ``+inf`` -> ``"overflow"``; ``-inf`` -> ``"-overflow"``.
- ``|v| >= 10_000`` -> compact scientific notation with ``precision`` decimals in
  the mantissa and no ``+`` or leading zeros in the exponent: ``1.34e154``.
- a small value keeps two significant digits: below ``0.1`` (below ``10**(1 - precision)``
  when that is smaller) it gets the decimals two significant digits need, up to
  ``precision + 2`` of them: ``0.015``, ``0.0061`` at precision 2, so arithmetic read off
  the screen adds up (``3.00 x 0.015 = 0.044``, not ``3.00 x 0.01 = 0.04``);
- a non-zero ``v`` smaller than that (or that would still print as zero, as ``0.5`` at
  precision 0 with round-half-even) -> scientific: ``3.10e-6``; so a tiny but non-zero
  number never masquerades as 0.
- otherwise fixed point with ``precision`` decimals: ``0.46``, ``-1.20``.
- Negative zero prints as ``0.00``.

Rules for ``format_significant(v, digits)`` (numbers inside sentences, e.g. the
facts of :mod:`rnn_engine.facts`; ``digits = 3`` by default):

- ``nan``, ``inf`` and ``0`` as above (``0`` prints as ``"0"``).
- ``|v| >= 10_000`` or ``|v| < 0.001`` -> scientific with ``digits`` significant
  digits, trailing zeros dropped, compact exponent: ``3.1e-6``, ``1.34e154``, ``2e5``.
- otherwise fixed point rounded to ``digits`` significant digits (never rounding
  away integer digits), trailing zeros dropped: ``0.12``, ``1.9``, ``0.00123``, ``1234``.
"""

from __future__ import annotations

import math

__all__ = ["format_number", "format_significant", "parse_number", "screen_number"]

_SCI_ABOVE = 10_000.0
_SCI_BELOW = 0.001


def _compact_exponent(text: str) -> str:
    """``"1.34e+154"`` -> ``"1.34e154"``, ``"3.10e-06"`` -> ``"3.10e-6"``."""
    mantissa, exponent = text.split("e")
    return f"{mantissa}e{int(exponent)}"


def _non_finite(v: float) -> str | None:
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "overflow" if v > 0 else "-overflow"
    return None


def format_number(v: float, precision: int = 2) -> str:
    """Write ``v`` with ``precision`` decimals, switching to scientific notation when needed.

    Parameters
    ----------
    v
        Any real number, including ``inf`` and ``nan``.
    precision
        Decimals in fixed notation and in the scientific mantissa (``>= 0``).

    Returns
    -------
    str
        See the module docstring for the rules, e.g. ``0.46``, ``1.34e154``, ``3.10e-6``, ``overflow``.
    """
    v = float(v)
    special = _non_finite(v)
    if special is not None:
        return special
    if abs(v) >= _SCI_ABOVE:
        return _compact_exponent(f"{v:.{precision}e}")
    small = min(0.1, 10.0 ** (1 - precision))
    if 0.0 < abs(v) < small:
        decimals = 1 - math.floor(math.log10(abs(v)))  # two significant digits
        if decimals <= precision + 2:
            text = f"{v:.{decimals}f}"
            if abs(float(text)) < small:  # rounding up to the threshold (0.0996 -> 0.100) takes the usual form
                return text
    text = f"{v:.{precision}f}"
    if float(text) == 0.0:
        # A tiny non-zero value must not masquerade as 0 (this also catches v = 0.5 at
        # precision 0, which rounds half to even, to "0"); a real zero loses its sign.
        return _compact_exponent(f"{v:.{precision}e}") if v != 0.0 else text.lstrip("-")
    return text


_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_FROM_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")


def screen_number(v: float, precision: int = 2) -> str:
    """:func:`format_number` as drawn in a text label: ``1.34e154`` becomes ``1.34×10¹⁵⁴``.

    The same number, written the way the Typst formulas on the same frame write it, so
    one frame never shows one value in two notations. Fixed-point values are unchanged.
    """
    text = format_number(v, precision)
    if "e" not in text or text in ("overflow", "-overflow"):
        return text
    mantissa, exponent = text.split("e")
    return f"{mantissa}×10{exponent.translate(_SUPERSCRIPT)}"


def _trim(text: str) -> str:
    """Drop trailing zeros after a decimal point (and the point itself)."""
    if "." not in text:
        return text
    return text.rstrip("0").rstrip(".")


def format_significant(v: float, digits: int = 3) -> str:
    """Write ``v`` compactly with ``digits`` significant digits, for use inside sentences.

    Parameters
    ----------
    v
        Any real number, including ``inf`` and ``nan``.
    digits
        Significant digits kept (``>= 1``).

    Returns
    -------
    str
        See the module docstring: ``0.12``, ``1.9``, ``3.1e-6``, ``1.34e154``, ``overflow``.
    """
    if digits < 1:
        raise ValueError(f"digits must be at least 1, got {digits}")
    v = float(v)
    special = _non_finite(v)
    if special is not None:
        return special
    if v == 0.0:
        return "0"
    a = abs(v)
    if a >= _SCI_ABOVE or a < _SCI_BELOW:
        mantissa, exponent = _compact_exponent(f"{v:.{digits - 1}e}").split("e")
        return f"{_trim(mantissa)}e{exponent}"
    decimals = max(0, digits - 1 - math.floor(math.log10(a)))
    text = _trim(f"{v:.{decimals}f}")
    return "0" if float(text) == 0.0 else text


def parse_number(text: str) -> float:
    """Inverse of :func:`format_number` and :func:`format_significant` up to rounding.

    Accepts the Unicode minus sign too.
    """
    t = text.strip().replace("\u2212", "-")
    if "×10" in t:  # screen_number's notation
        mantissa, exponent = t.split("×10")
        t = f"{mantissa}e{exponent.translate(_FROM_SUPERSCRIPT)}"
    if t == "NaN":
        return math.nan
    if t in ("overflow", "-overflow"):
        return -math.inf if t.startswith("-") else math.inf
    return float(t)
