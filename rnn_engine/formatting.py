"""How numbers are written on screen, in captions and in observations.

One function, so a value looks the same in the cell, the equation line, the
caption and the chart, and tests can parse it back.

Rules for ``format_number(v, precision)``:

- ``nan`` -> ``"NaN"``; ``+inf`` -> ``"overflow"``; ``-inf`` -> ``"-overflow"``.
- ``|v| >= 10_000`` -> compact scientific notation with ``precision`` decimals in
  the mantissa and no ``+`` or leading zeros in the exponent: ``1.34e154``.
- ``0 < |v| < 0.5 * 10**-precision`` (it would print as zero) -> scientific too:
  ``3.10e-6``; so a tiny but non-zero number never masquerades as 0.
- otherwise fixed point with ``precision`` decimals: ``0.46``, ``-1.20``.
- Negative zero prints as ``0.00``.
"""

from __future__ import annotations

import math

__all__ = ["format_number", "parse_number"]

_SCI_ABOVE = 10_000.0


def format_number(v: float, precision: int = 2) -> str:
    v = float(v)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "overflow" if v > 0 else "-overflow"
    a = abs(v)
    if a >= _SCI_ABOVE or (0.0 < a < 0.5 * 10.0 ** (-precision)):
        mantissa, exponent = f"{v:.{precision}e}".split("e")
        return f"{mantissa}e{int(exponent)}"
    text = f"{v:.{precision}f}"
    if float(text) == 0.0:
        text = text.lstrip("-")
    return text


def parse_number(text: str) -> float:
    """Inverse of :func:`format_number` up to rounding (accepts the Unicode minus too)."""
    t = text.strip().replace("\u2212", "-")
    if t == "NaN":
        return math.nan
    if t in ("overflow", "-overflow"):
        return -math.inf if t.startswith("-") else math.inf
    return float(t)
