"""The text a voice reads: the script's words with its symbols and signs said as words.

The script is written to be read aloud by a person as it stands (``h₃ is 0.31``,
``minus 0.35``, ``1.2 %``). A synthetic voice needs the symbols spelled out, so
:func:`to_speech` turns

- subscripted symbols into their letters and indices: ``h₃`` -> ``h 3``, ``Wₓ`` -> ``W x``,
  ``hₜ₋₁`` -> ``h t minus 1``;
- ``∂h₁₀/∂hₜ`` into ``d h 10 by d h t``; ``%`` into ``percent``; ``=`` into ``equals``;
  ``×`` and ``·`` into ``times``;
- names into how they are said: ``tanh`` -> ``tan h``, ``ReLU`` -> ``relu``, ``RNN`` -> ``R N N``;
- decimals as people say them: trailing zeros dropped and the digits after the point said one
  by one (``0.50`` -> ``point five``, ``0.12`` -> ``point one two``, ``1.00`` -> ``1``).

Captions keep the written text; only the voice reads this one.
"""

from __future__ import annotations

import re

__all__ = ["to_speech"]

_FROM_SUB = str.maketrans("₀₁₂₃₄₅₆₇₈₉₊₋₍₎ₜₕₓₖ", "0123456789+-()thxk")
_SUB_CHARS = "₀₁₂₃₄₅₆₇₈₉₊₋₍₎ₜₕₓₖ"
_SYMBOL = re.compile(rf"([A-Za-z])([{_SUB_CHARS}]+)")
_DERIVATIVE = re.compile(rf"∂([A-Za-z])([{_SUB_CHARS}]*)/∂([A-Za-z])([{_SUB_CHARS}]*)")
_DECIMAL = re.compile(r"(?<![\d.])(\d+)\.(\d*?)0+\b")
_POINT = re.compile(r"(?<![\d.])(\d+)\.(\d+)\b")
_DIGITS = ("oh", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def _said_decimal(m: re.Match[str]) -> str:
    whole = "" if m.group(1) == "0" else f"{m.group(1)} "
    return whole + "point " + " ".join(_DIGITS[int(d)] for d in m.group(2))


_WORDS = [
    (re.compile(r"\btanh\b"), "tan h"),
    (re.compile(r"\bReLU\b"), "relu"),
    (re.compile(r"\bRNNs\b"), "R N Ns"),
    (re.compile(r"\bRNN\b"), "R N N"),
    (re.compile(r"\bLSTMs?\b"), "L S T M"),
    (re.compile(r"\bGRUs?\b"), "G R U"),
]


def _index(sub: str) -> str:
    """``"ₜ₋₁"`` -> ``"t minus 1"``, ``"₁₀"`` -> ``"10"``."""
    plain = sub.translate(_FROM_SUB)
    plain = plain.replace("-", " minus ").replace("+", " plus ").replace("(", "").replace(")", "")
    return " ".join(plain.split())


def to_speech(text: str) -> str:
    """``text`` as a synthetic voice should read it (see the module docstring)."""
    out = _DERIVATIVE.sub(
        lambda m: f"d {m.group(1)} {_index(m.group(2))} by d {m.group(3)} {_index(m.group(4))}".replace("  ", " "), text
    )
    out = _SYMBOL.sub(lambda m: f"{m.group(1)} {_index(m.group(2))}", out)
    out = out.replace("%", " percent").replace(" = ", " equals ").replace("×", " times ").replace("·", " times ")
    # Trailing zeros are not said (0.50 is "point five", 1.00 is "one"), and the digits after
    # the point are said one by one, as people say them: 0.12 is "point one two".
    out = _DECIMAL.sub(lambda m: m.group(1) + (f".{m.group(2)}" if m.group(2) else ""), out)
    out = _POINT.sub(_said_decimal, out)
    for pattern, said in _WORDS:
        out = pattern.sub(said, out)
    return " ".join(out.split())
