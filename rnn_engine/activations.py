"""Activation functions and their derivatives.

Every function here is elementwise, float64, and silent on overflow: large
inputs give the mathematically right limit (tanh -> +-1, sigmoid -> 0 or 1,
relu -> the input itself, possibly ``inf``) without a numpy warning.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["ACTIVATIONS", "Activation", "get_activation", "relu", "sigmoid", "tanh"]

Array = npt.NDArray[np.float64]


def tanh(z: Array) -> Array:
    return np.tanh(z)


def d_tanh(z: Array) -> Array:
    # 1 - tanh^2 underflows cleanly to 0 for large |z|; no cosh overflow.
    return d_tanh_from_output(z, np.tanh(z))


def d_tanh_from_output(z: Array, fz: Array) -> Array:
    out = np.multiply(fz, fz)
    return np.subtract(1.0, out, out=out)  # in place: one temporary instead of two


def relu(z: Array) -> Array:
    return np.maximum(z, 0.0)


def d_relu(z: Array) -> Array:
    # The derivative at exactly 0 is taken as 0 (the unit is "dead" there).
    return (np.asarray(z) > 0.0).astype(np.float64)


def d_relu_from_output(z: Array, fz: Array) -> Array:
    return d_relu(z)


def sigmoid(z: Array) -> Array:
    """Numerically stable logistic function: never evaluates exp of a positive number.

    ``1 / (1 + e^-z)`` for ``z >= 0`` and ``e^z / (1 + e^z)`` otherwise, both written
    with ``e = exp(-|z|) <= 1``; small outputs keep full relative precision
    (``sigmoid(-40) = 4.2e-18``, not 0).
    """
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(-np.abs(z))
    r = 1.0 / (1.0 + e)
    return np.where(z >= 0.0, r, e * r)


def d_sigmoid(z: Array) -> Array:
    return d_sigmoid_from_output(z, sigmoid(z))


def d_sigmoid_from_output(z: Array, fz: Array) -> Array:
    out = np.subtract(1.0, fz)
    return np.multiply(out, fz, out=out)


@dataclass(frozen=True)
class Activation:
    """An activation function with its derivative and how to present it.

    Attributes
    ----------
    name
        Key used in configs (``tanh``, ``relu``, ``sigmoid``).
    display
        Name as shown on screen (``tanh``, ``ReLU``, ``sigmoid``).
    formula
        The definition in Typst math syntax.
    output_range
        The closed hull of the function's range, ``(low, high)``; ``inf`` for unbounded.
    max_slope
        The supremum of ``f'`` (1 for tanh and ReLU, 0.25 for sigmoid).
    saturates
        Whether small ``|f'(z)|`` means saturation (tanh, sigmoid) rather than death (ReLU).
    df_from_output
        ``f'(z)`` computed from ``z`` and the already known ``f(z)``, bit-for-bit equal to
        ``df(z)`` (tanh: ``1 - f^2``, sigmoid: ``f (1 - f)``); saves a second pass of
        transcendental functions in the forward pass. ``None`` means use ``df``.
    typst
        The function's name in Typst math (``tanh``, ``op("ReLU")``, ``sigma``).
    colour_slot
        Which of a theme's series colours stands for this activation wherever
        activations are compared (the same one in every scene).
    inset_clip
        The widest ``|z|`` an activation inset draws (beyond it a squashing function is
        flat); ``None`` when the function is linear on both sides and any range is drawn.
    dies
        Whether the unit *dies* for ``z <= 0``: output 0 and no gradient (ReLU).
    """

    name: str
    display: str
    formula: str
    f: Callable[[Array], Array]
    df: Callable[[Array], Array]
    output_range: tuple[float, float]
    max_slope: float
    saturates: bool
    df_from_output: Callable[[Array, Array], Array] | None = None
    typst: str = ""
    colour_slot: int = 0
    inset_clip: float | None = None
    dies: bool = False

    def __call__(self, z: Array) -> Array:
        with np.errstate(all="ignore"):
            return self.f(np.asarray(z, dtype=np.float64))

    def derivative(self, z: Array) -> Array:
        with np.errstate(all="ignore"):
            return self.df(np.asarray(z, dtype=np.float64))

    def derivative_from_output(self, z: Array, fz: Array) -> Array:
        """``f'(z)`` given ``fz = f(z)``; equal to :meth:`derivative` but cheaper."""
        with np.errstate(all="ignore"):
            if self.df_from_output is None:
                return self.df(np.asarray(z, dtype=np.float64))
            return self.df_from_output(np.asarray(z, dtype=np.float64), np.asarray(fz, dtype=np.float64))


ACTIVATIONS: dict[str, Activation] = {
    "tanh": Activation(
        "tanh",
        "tanh",
        "tanh(z) = (e^z - e^(-z)) / (e^z + e^(-z))",
        tanh,
        d_tanh,
        (-1.0, 1.0),
        1.0,
        True,
        d_tanh_from_output,
        typst="tanh",
        colour_slot=0,
        inset_clip=6.0,
    ),
    "relu": Activation(
        "relu",
        "ReLU",
        'op("ReLU")(z) = max(0, z)',
        relu,
        d_relu,
        (0.0, float("inf")),
        1.0,
        False,
        d_relu_from_output,
        typst='op("ReLU")',
        colour_slot=1,
        dies=True,
    ),
    "sigmoid": Activation(
        "sigmoid",
        "sigmoid",
        "sigma(z) = 1 / (1 + e^(-z))",
        sigmoid,
        d_sigmoid,
        (0.0, 1.0),
        0.25,
        True,
        d_sigmoid_from_output,
        typst="sigma",
        colour_slot=2,
        inset_clip=8.0,
    ),
}


def get_activation(name: str) -> Activation:
    """Return the activation called ``name``; raise ``KeyError`` naming the valid ones."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise KeyError(f"unknown activation {name!r}; expected one of {sorted(ACTIVATIONS)}") from None
