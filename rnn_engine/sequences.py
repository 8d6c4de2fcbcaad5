"""Input sequence generators and normalisation.

Every generator returns a float64 array of shape ``(T, D)``: ``T`` timesteps of
``D``-dimensional inputs (``D = 1`` for every preset; ``custom`` may give vectors).
Timesteps are numbered from 1 on screen; ``x[0]`` is ``x_1``.

Definitions (t = 1..T):

- ``fibonacci``: x_1 = 1, x_2 = 1, x_t = x_(t-1) + x_(t-2)  ->  1, 1, 2, 3, 5, 8, ...
- ``linear``: x_t = start + (t - 1) * step  (defaults start 1, step 1 -> 1, 2, 3, ...)
- ``alternating``: x_t = a for odd t, b for even t  (defaults a 1, b -1)
- ``exponential``: x_t = base^(t - 1)  (default base 2 -> 1, 2, 4, 8, ...)
- ``sine``: x_t = amplitude * sin(2 pi (t - 1) / period + phase), with |sin| < 1e-12
  (floating-point residue at multiples of pi) written as exactly 0
  (defaults amplitude 1, period 8, phase 0)
- ``custom``: the given values; scalars give D = 1, equal-length lists give D = len.

Normalisation (applied per input dimension, over time):

- ``none``: unchanged.
- ``maxabs``: x / max|x| (so values lie in [-1, 1]); an all-zero column is unchanged.
- ``minmax``: (x - min) / (max - min) into [0, 1]; a constant column becomes 0.
- ``zscore``: (x - mean) / std (population std); a constant column becomes 0.

``minmax`` and ``zscore`` subtract, and a value within 1e-12 of 0 afterwards is
floating-point residue: it is written as exactly 0 (as ``sine`` does at its zero crossings).

Every normalisation but ``none`` refuses a sequence containing ``inf`` or ``nan``.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

__all__ = [
    "MAX_LENGTH",
    "NORMALIZATIONS",
    "SEQUENCE_DEFAULTS",
    "SEQUENCE_KINDS",
    "describe_sequence",
    "generate",
    "normalize",
]

Array = npt.NDArray[np.float64]

MAX_LENGTH = 512
#: Normalised values this close to 0 are floating-point residue of a subtraction, and exactly 0.
_RESIDUE = 1e-12
SEQUENCE_KINDS = ("fibonacci", "linear", "alternating", "exponential", "sine", "custom")
NORMALIZATIONS = ("none", "maxabs", "minmax", "zscore")

#: Kind-specific parameters and their defaults.
SEQUENCE_DEFAULTS: dict[str, dict[str, float]] = {
    "fibonacci": {},
    "linear": {"start": 1.0, "step": 1.0},
    "alternating": {"a": 1.0, "b": -1.0},
    "exponential": {"base": 2.0},
    "sine": {"amplitude": 1.0, "period": 8.0, "phase": 0.0},
    "custom": {},
}

_DISPLAY = {
    "fibonacci": "Fibonacci",
    "linear": "Linear",
    "alternating": "Alternating",
    "exponential": "Powers of {base:g}",
    "sine": "Sine",
    "custom": "Custom",
}
_NORM_DISPLAY = {
    "none": "",
    "maxabs": "normalised by max |x|",
    "minmax": "min-max scaled to [0, 1]",
    "zscore": "standardised (z-score)",
}


def _column(values: Array) -> Array:
    return np.asarray(values, dtype=np.float64).reshape(-1, 1)


def _custom(values: Sequence[float] | Sequence[Sequence[float]], length: int) -> Array:
    try:
        arr = np.array(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError("custom values must be a list of numbers or of equal-length lists of numbers") from None
    arr = arr.reshape(-1, 1) if arr.ndim == 1 else arr
    if arr.ndim != 2 or arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError("custom values must be a non-empty list of numbers or of equal-length lists of numbers")
    if arr.shape[0] > MAX_LENGTH:
        raise ValueError(f"custom sequence has {arr.shape[0]} values; at most {MAX_LENGTH} are allowed")
    if length and length != arr.shape[0]:
        raise ValueError(f"custom sequence has {arr.shape[0]} values but length is {length}")
    if not np.all(np.isfinite(arr)):
        raise ValueError("custom values must be finite numbers")
    return arr


def generate(
    kind: str,
    length: int,
    values: Sequence[float] | Sequence[Sequence[float]] | None = None,
    **params: float,
) -> Array:
    """Generate ``length`` steps of the sequence ``kind`` as a new ``(T, D)`` float64 array.

    Parameters
    ----------
    kind
        One of :data:`SEQUENCE_KINDS`.
    length
        Number of steps, ``1..MAX_LENGTH``. For ``custom`` it must equal the number
        of values, or be 0 to mean "as many as given".
    values
        ``custom`` only: numbers (D = 1) or equal-length lists of numbers (D = their length).
    **params
        Kind-specific parameters (see :data:`SEQUENCE_DEFAULTS`); finite numbers.

    Raises
    ------
    ValueError
        Unknown kind, bad length, non-finite parameter, ``period = 0``, ``values``
        given for a kind other than ``custom``, or bad custom values.
    TypeError
        A parameter the kind does not take.

    Terms that overflow float64 (e.g. ``exponential`` with base 10 and length 400)
    become ``inf`` without a warning; :func:`normalize` refuses such a sequence.
    """
    if kind not in SEQUENCE_DEFAULTS:
        raise ValueError(f"unknown sequence kind {kind!r}; expected one of {SEQUENCE_KINDS}")
    unknown = set(params) - set(SEQUENCE_DEFAULTS[kind])
    if unknown:
        raise TypeError(f"sequence kind {kind!r} takes no parameter(s) {sorted(unknown)}")
    try:
        length = operator.index(length)
    except TypeError:
        raise ValueError(f"length must be an integer, got {length!r}") from None
    if kind == "custom":
        if values is None:
            raise ValueError("custom sequence needs values")
        return _custom(values, length)
    if values is not None:
        raise ValueError(f"values are only used by kind 'custom', not {kind!r}")
    if not 1 <= length <= MAX_LENGTH:
        raise ValueError(f"length must be in 1..{MAX_LENGTH}, got {length}")
    p = {**SEQUENCE_DEFAULTS[kind], **params}
    for name, value in p.items():
        if not math.isfinite(value):
            raise ValueError(f"sequence parameter {name} must be a finite number, got {value!r}")
    t = np.arange(length, dtype=np.float64)  # t - 1 in the module docstring's numbering
    if kind == "fibonacci":
        out = np.empty(length)
        a, b = 1.0, 1.0
        for i in range(length):
            out[i] = a
            a, b = b, a + b
        return _column(out)
    if kind == "linear":
        with np.errstate(over="ignore", invalid="ignore"):  # start -1.7e308, step 1.7e308: inf, as documented
            return _column(p["start"] + t * p["step"])
    if kind == "alternating":
        return _column(np.where(t % 2 == 0, p["a"], p["b"]))
    if kind == "exponential":
        with np.errstate(over="ignore"):
            return _column(np.power(p["base"], t))
    if p["period"] == 0:
        raise ValueError("sine period must not be 0")
    with np.errstate(over="ignore", invalid="ignore"):  # amplitude 1e308 etc.
        wave = np.sin(2.0 * np.pi * t / p["period"] + p["phase"])
        # sin(k pi) is ~1e-16, not 0, in floating point; on screen that would read as
        # "1.22e-16" where the definition says 0. Rounding error of the angle is at
        # most a few ulps of 2 pi T / period, so anything below 1e-12 is exactly 0.
        wave[np.abs(wave) < 1e-12] = 0.0
        return _column(p["amplitude"] * wave)


def normalize(x: npt.ArrayLike, method: str) -> Array:
    """Normalise each input dimension of ``x`` (shape ``(T, D)``) over time; returns a new array.

    ``minmax`` and ``zscore`` first divide each column by its largest magnitude
    (both are scale-invariant), so that huge sequences (Fibonacci or powers at
    length 512) neither overflow in ``max - min`` or in the variance, nor lose the
    constant-column rule: a column is constant exactly when ``max == min``.

    Raises
    ------
    ValueError
        Unknown method, or ``x`` contains ``inf``/``nan`` (an overflowed sequence
        has no meaningful scale) for any method other than ``none``.
    """
    if method not in NORMALIZATIONS:
        raise ValueError(f"unknown normalisation {method!r}; expected one of {NORMALIZATIONS}")
    x = np.array(x, dtype=np.float64)
    if method == "none":
        return x
    if not np.all(np.isfinite(x)):
        bad = int(np.argmax(~np.all(np.isfinite(x.reshape(x.shape[0], -1)), axis=1)))
        raise ValueError(f"cannot normalise: x_{bad + 1} overflows float64 (shorten the sequence or shrink it)")
    scale = np.max(np.abs(x), axis=0)
    scaled = x / np.where(scale > 0, scale, 1.0)  # every |value| <= 1 from here on
    if method == "maxabs":
        return scaled
    lo, hi = np.min(scaled, axis=0), np.max(scaled, axis=0)
    constant = hi == lo
    if method == "minmax":
        mm = np.where(constant, 0.0, (scaled - lo) / np.where(constant, 1.0, hi - lo))
        return np.where(np.abs(mm) < _RESIDUE, 0.0, mm)
    mu, sd = np.mean(scaled, axis=0), np.std(scaled, axis=0)
    z = np.where(constant, 0.0, (scaled - mu) / np.where(constant, 1.0, sd))
    # Subtracting the mean leaves floating-point residue where a value equals it
    # (-1.8e-16 for the middle of a symmetric sequence): that is an exact 0.
    return np.where(np.abs(z) < _RESIDUE, 0.0, z)


def describe_sequence(kind: str, method: str = "none", **params: float) -> str:
    """A short human description, e.g. ``"Fibonacci, normalised by max |x|"``."""
    if kind not in _DISPLAY:
        raise ValueError(f"unknown sequence kind {kind!r}; expected one of {SEQUENCE_KINDS}")
    if method not in _NORM_DISPLAY:
        raise ValueError(f"unknown normalisation {method!r}; expected one of {NORMALIZATIONS}")
    p = {**SEQUENCE_DEFAULTS[kind], **params}
    name = _DISPLAY[kind].format(**p)
    norm = _NORM_DISPLAY[method]
    return f"{name}, {norm}" if norm else name
