"""Activation functions: values by hand, derivatives, limits and silence on extreme inputs."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnn_engine import ACTIVATIONS, get_activation


def test_registry() -> None:
    assert set(ACTIVATIONS) == {"tanh", "relu", "sigmoid"}
    assert [ACTIVATIONS[n].display for n in ("tanh", "relu", "sigmoid")] == ["tanh", "ReLU", "sigmoid"]
    assert ACTIVATIONS["tanh"].output_range == (-1.0, 1.0)
    assert ACTIVATIONS["sigmoid"].output_range == (0.0, 1.0)
    assert ACTIVATIONS["relu"].output_range == (0.0, math.inf)
    assert (ACTIVATIONS["tanh"].max_slope, ACTIVATIONS["relu"].max_slope, ACTIVATIONS["sigmoid"].max_slope) == (
        1.0,
        1.0,
        0.25,
    )
    assert ACTIVATIONS["tanh"].saturates and ACTIVATIONS["sigmoid"].saturates and not ACTIVATIONS["relu"].saturates
    for name, act in ACTIVATIONS.items():
        assert act.name == name and act.formula


def test_unknown_name() -> None:
    with pytest.raises(KeyError, match="expected one of"):
        get_activation("gelu")


@pytest.mark.parametrize("z", [-3.0, -0.5, 0.0, 0.25, 2.0])
def test_values_by_hand(z: float) -> None:
    a = np.array([z])
    assert ACTIVATIONS["tanh"](a)[0] == pytest.approx((math.exp(z) - math.exp(-z)) / (math.exp(z) + math.exp(-z)))
    assert ACTIVATIONS["sigmoid"](a)[0] == pytest.approx(1 / (1 + math.exp(-z)), rel=1e-15)
    assert ACTIVATIONS["relu"](a)[0] == max(0.0, z)
    assert ACTIVATIONS["tanh"].derivative(a)[0] == pytest.approx(1 - math.tanh(z) ** 2, rel=1e-14)
    s = 1 / (1 + math.exp(-z))
    assert ACTIVATIONS["sigmoid"].derivative(a)[0] == pytest.approx(s * (1 - s), rel=1e-14)
    assert ACTIVATIONS["relu"].derivative(a)[0] == (1.0 if z > 0 else 0.0)


def test_relu_derivative_at_zero_is_zero() -> None:
    assert ACTIVATIONS["relu"].derivative(np.array([0.0]))[0] == 0.0


def test_sigmoid_keeps_relative_precision_far_left() -> None:
    # 1 / (1 + e^40) = 4.248e-18 exactly representable to full precision; 1 - sigmoid(40) is not.
    z = np.array([-40.0, -700.0])
    got = ACTIVATIONS["sigmoid"](z)
    assert got[0] == pytest.approx(math.exp(-40) / (1 + math.exp(-40)), rel=1e-14)
    assert 0.0 < got[1] < 1e-300


@settings(max_examples=100, deadline=None)
@given(st.floats(-20, 20))
def test_derivative_matches_central_difference(z: float) -> None:
    eps = 1e-6
    for act in ACTIVATIONS.values():
        if act.name == "relu" and abs(z) < 1e-5:
            continue  # no derivative at the kink
        fd = (act(np.array([z + eps]))[0] - act(np.array([z - eps]))[0]) / (2 * eps)
        assert act.derivative(np.array([z]))[0] == pytest.approx(fd, rel=1e-6, abs=1e-8)


@settings(max_examples=100, deadline=None)
@given(st.floats(allow_nan=True, allow_infinity=True))
def test_derivative_from_output_is_bitwise_the_derivative(z: float) -> None:
    a = np.array([z, -z, 0.5 * z])
    for act in ACTIVATIONS.values():
        np.testing.assert_array_equal(act.derivative_from_output(a, act(a)), act.derivative(a))


def test_limits_and_silence() -> None:
    z = np.array([-np.inf, -1e308, -800.0, 800.0, 1e308, np.inf, np.nan])
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        t, s, r = (ACTIVATIONS[n](z) for n in ("tanh", "sigmoid", "relu"))
        dt, ds, dr = (ACTIVATIONS[n].derivative(z) for n in ("tanh", "sigmoid", "relu"))
    np.testing.assert_array_equal(t[:6], [-1, -1, -1, 1, 1, 1])
    np.testing.assert_array_equal(s[:6], [0, 0, 0, 1, 1, 1])
    np.testing.assert_array_equal(r[:6], [0, 0, 0, 800, 1e308, np.inf])
    np.testing.assert_array_equal(dt[:6], 0.0)
    np.testing.assert_array_equal(ds[:6], 0.0)
    np.testing.assert_array_equal(dr[:6], [0, 0, 0, 1, 1, 1])
    assert np.isnan(t[6]) and np.isnan(s[6]) and np.isnan(r[6])


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_finite_in_finite_out_and_range_holds_at_the_extremes(name: str) -> None:
    """The engine's flags rely on this: ``h = f(z)`` is non-finite only where ``z`` is (so
    ``nonfinite`` reads ``z`` alone), and a bounded ``f`` stays in ``output_range`` (so its
    ``exploding`` flag is only nan)."""
    act = get_activation(name)
    tiny = np.finfo(float).tiny
    z = np.array(
        [-1.7976931348623157e308, -1e308, -710.0, -40.0, -tiny, 0.0, tiny, 40.0, 710.0, 1e308, 1.7976931348623157e308]
    )
    with np.errstate(all="ignore"):
        h = act.f(z)
        assert np.isfinite(h).all(), h
        low, high = act.output_range
        assert ((h >= low) & (h <= high)).all()
        assert np.isnan(act.f(np.array([np.nan]))).all()
        inf = act.f(np.array([-np.inf, np.inf]))
        assert ((inf >= low) & (inf <= high)).all()
