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
    t = np.tanh(z)
    return 1.0 - t * t


def relu(z: Array) -> Array:
    return np.maximum(z, 0.0)


def d_relu(z: Array) -> Array:
    # The derivative at exactly 0 is taken as 0 (the unit is "dead" there).
    return (z > 0.0).astype(np.float64)


def sigmoid(z: Array) -> Array:
    """Numerically stable logistic function: never evaluates exp of a positive number."""
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e))


def d_sigmoid(z: Array) -> Array:
    s = sigmoid(z)
    return s * (1.0 - s)


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
    """

    name: str
    display: str
    formula: str
    f: Callable[[Array], Array]
    df: Callable[[Array], Array]
    output_range: tuple[float, float]
    max_slope: float
    saturates: bool

    def __call__(self, z: Array) -> Array:
        with np.errstate(all="ignore"):
            return self.f(np.asarray(z, dtype=np.float64))

    def derivative(self, z: Array) -> Array:
        with np.errstate(all="ignore"):
            return self.df(np.asarray(z, dtype=np.float64))


ACTIVATIONS: dict[str, Activation] = {
    "tanh": Activation(
        "tanh", "tanh", "tanh(z) = (e^z - e^(-z)) / (e^z + e^(-z))",
        tanh, d_tanh, (-1.0, 1.0), 1.0, True,
    ),
    "relu": Activation(
        "relu", "ReLU", "op(\"ReLU\")(z) = max(0, z)",
        relu, d_relu, (0.0, float("inf")), 1.0, False,
    ),
    "sigmoid": Activation(
        "sigmoid", "sigmoid", "sigma(z) = 1 / (1 + e^(-z))",
        sigmoid, d_sigmoid, (0.0, 1.0), 0.25, True,
    ),
}


def get_activation(name: str) -> Activation:
    """Return the activation called ``name``; raise ``KeyError`` naming the valid ones."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise KeyError(f"unknown activation {name!r}; expected one of {sorted(ACTIVATIONS)}") from None
