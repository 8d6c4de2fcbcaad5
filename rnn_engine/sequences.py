"""Input sequence generators and normalisation.

Every generator returns a float64 array of shape ``(T, D)``: ``T`` timesteps of
``D``-dimensional inputs (``D = 1`` for every preset; ``custom`` may give vectors).
Timesteps are numbered from 1 on screen; ``x[0]`` is ``x_1``.

Definitions (t = 1..T):

- ``fibonacci``: x_1 = 1, x_2 = 1, x_t = x_(t-1) + x_(t-2)  ->  1, 1, 2, 3, 5, 8, ...
- ``linear``: x_t = start + (t - 1) * step  (defaults start 1, step 1 -> 1, 2, 3, ...)
- ``alternating``: x_t = a for odd t, b for even t  (defaults a 1, b -1)
- ``exponential``: x_t = base^(t - 1)  (default base 2 -> 1, 2, 4, 8, ...)
- ``sine``: x_t = amplitude * sin(2 pi (t - 1) / period + phase)
  (defaults amplitude 1, period 8, phase 0)
- ``custom``: the given values; scalars give D = 1, equal-length lists give D = len.

Normalisation (applied per input dimension, over time):

- ``none``: unchanged.
- ``maxabs``: x / max|x| (so values lie in [-1, 1]); an all-zero column is unchanged.
- ``minmax``: (x - min) / (max - min) into [0, 1]; a constant column becomes 0.
- ``zscore``: (x - mean) / std (population std); a constant column becomes 0.
"""

from __future__ import annotations

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


def generate(
    kind: str,
    length: int,
    values: Sequence[float] | Sequence[Sequence[float]] | None = None,
    **params: float,
) -> Array:
    """Generate ``length`` steps of the sequence ``kind`` as a ``(T, D)`` array.

    Unknown parameter names raise ``TypeError``; ``custom`` needs ``values`` and
    uses its length (``length`` must equal it or be ``None``-like 0).
    """
    if kind not in SEQUENCE_DEFAULTS:
        raise ValueError(f"unknown sequence kind {kind!r}; expected one of {SEQUENCE_KINDS}")
    unknown = set(params) - set(SEQUENCE_DEFAULTS[kind])
    if unknown:
        raise TypeError(f"sequence kind {kind!r} takes no parameter(s) {sorted(unknown)}")
    p = {**SEQUENCE_DEFAULTS[kind], **params}
    t = np.arange(length, dtype=np.float64)  # t - 1 in the docstring's numbering
    if kind == "custom":
        if values is None:
            raise ValueError("custom sequence needs values")
        arr = np.asarray(values, dtype=np.float64)
        arr = arr.reshape(-1, 1) if arr.ndim == 1 else arr
        if arr.ndim != 2 or arr.shape[0] == 0:
            raise ValueError("custom values must be a non-empty list of numbers or of equal-length lists")
        if length and length != arr.shape[0]:
            raise ValueError(f"custom sequence has {arr.shape[0]} values but length is {length}")
        return arr.copy()
    if not 1 <= length <= MAX_LENGTH:
        raise ValueError(f"length must be in 1..{MAX_LENGTH}, got {length}")
    if kind == "fibonacci":
        out = np.empty(length)
        a, b = 1.0, 1.0
        for i in range(length):
            out[i] = a
            a, b = b, a + b
        return _column(out)
    if kind == "linear":
        return _column(p["start"] + t * p["step"])
    if kind == "alternating":
        return _column(np.where(t % 2 == 0, p["a"], p["b"]))
    if kind == "exponential":
        with np.errstate(over="ignore"):
            return _column(np.power(p["base"], t))
    # sine
    return _column(p["amplitude"] * np.sin(2.0 * np.pi * t / p["period"] + p["phase"]))


def normalize(x: Array, method: str) -> Array:
    """Normalise each input dimension of ``x`` (shape ``(T, D)``) over time."""
    x = np.asarray(x, dtype=np.float64)
    if method == "none":
        return x.copy()
    with np.errstate(all="ignore"):
        if method == "maxabs":
            scale = np.max(np.abs(x), axis=0)
            return x / np.where(scale > 0, scale, 1.0)
        if method == "minmax":
            lo, hi = np.min(x, axis=0), np.max(x, axis=0)
            span = hi - lo
            return np.where(span > 0, (x - lo) / np.where(span > 0, span, 1.0), 0.0)
        if method == "zscore":
            mu, sd = np.mean(x, axis=0), np.std(x, axis=0)
            return np.where(sd > 0, (x - mu) / np.where(sd > 0, sd, 1.0), 0.0)
    raise ValueError(f"unknown normalisation {method!r}; expected one of {NORMALIZATIONS}")


def describe_sequence(kind: str, method: str = "none", **params: float) -> str:
    """A short human description, e.g. ``"Fibonacci, normalised by max |x|"``."""
    p = {**SEQUENCE_DEFAULTS.get(kind, {}), **params}
    name = _DISPLAY[kind].format(**p)
    norm = _NORM_DISPLAY[method]
    return f"{name}, {norm}" if norm else name
