"""Sequence generators (first terms by hand), normalisations and their errors."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from rnn_engine import (
    MAX_LENGTH,
    NORMALIZATIONS,
    SEQUENCE_DEFAULTS,
    SEQUENCE_KINDS,
    describe_sequence,
    generate,
    normalize,
)

R2 = math.sqrt(2) / 2


@pytest.mark.parametrize(
    ("kind", "length", "params", "expected"),
    [
        ("fibonacci", 8, {}, [1, 1, 2, 3, 5, 8, 13, 21]),
        ("linear", 4, {}, [1, 2, 3, 4]),
        ("linear", 3, {"start": 0.5, "step": -2}, [0.5, -1.5, -3.5]),
        ("alternating", 5, {}, [1, -1, 1, -1, 1]),
        ("alternating", 3, {"a": 3, "b": 0}, [3, 0, 3]),
        ("exponential", 5, {}, [1, 2, 4, 8, 16]),
        ("exponential", 4, {"base": 3}, [1, 3, 9, 27]),
        ("exponential", 3, {"base": 0.5}, [1, 0.5, 0.25]),
        ("exponential", 3, {"base": -2}, [1, -2, 4]),
        ("sine", 8, {}, [0, R2, 1, R2, 0, -R2, -1, -R2]),
        ("sine", 4, {"amplitude": 2, "period": 4, "phase": math.pi / 2}, [2, 0, -2, 0]),
    ],
)
def test_first_terms_by_hand(kind: str, length: int, params: dict, expected: list[float]) -> None:
    x = generate(kind, length, **params)
    assert x.shape == (length, 1) and x.dtype == np.float64
    np.testing.assert_allclose(x.ravel(), expected, atol=1e-15)


def test_custom_scalars_and_vectors() -> None:
    np.testing.assert_array_equal(generate("custom", 3, [1, 0, 2]), [[1], [0], [2]])
    np.testing.assert_array_equal(generate("custom", 0, [1, 0, 2]), [[1], [0], [2]])  # 0: as many as given
    v = generate("custom", 2, [[1, 2], [3, 4]])
    assert v.shape == (2, 2)
    values = [1.0, 2.0]
    out = generate("custom", 2, values)
    out[0, 0] = 99
    assert values == [1.0, 2.0]


def test_long_sequences_stay_finite_or_overflow_silently() -> None:
    fib = generate("fibonacci", MAX_LENGTH)
    assert np.all(np.isfinite(fib)) and fib[-1, 0] > 1e100
    assert np.all(np.diff(fib[1:, 0]) > 0)
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        big = generate("exponential", MAX_LENGTH, base=10)
    assert big[308, 0] == pytest.approx(1e308) and math.isinf(big[309, 0])


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        (("cosine", 8), {}, ValueError, "unknown sequence kind"),
        (("linear", 8), {"base": 2}, TypeError, "no parameter"),
        (("linear", 0), {}, ValueError, "length"),
        (("linear", MAX_LENGTH + 1), {}, ValueError, "length"),
        (("linear", -1), {}, ValueError, "length"),
        (("linear", 2.5), {}, ValueError, "integer"),
        (("sine", 8), {"period": 0}, ValueError, "period"),
        (("linear", 8), {"step": math.nan}, ValueError, "finite"),
        (("exponential", 8), {"base": math.inf}, ValueError, "finite"),
        (("linear", 3, [1, 2, 3]), {}, ValueError, "only used by kind 'custom'"),
        (("custom", 3), {}, ValueError, "needs values"),
        (("custom", 4, [1, 2, 3]), {}, ValueError, "3 values but length is 4"),
        (("custom", 0, []), {}, ValueError, "non-empty"),
        (("custom", 0, [[1, 2], [3]]), {}, ValueError, "equal-length"),
        (("custom", 0, [1, math.nan]), {}, ValueError, "finite"),
        (("custom", 0, [[[1.0]]]), {}, ValueError, "non-empty list"),
        (("custom", 0, [0.0] * (MAX_LENGTH + 1)), {}, ValueError, "at most"),
        (("custom", 0, ["a", "b"]), {}, ValueError, "numbers"),
    ],
)
def test_generate_errors(args: tuple, kwargs: dict, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        generate(*args, **kwargs)


def test_every_kind_has_defaults_and_a_description() -> None:
    assert set(SEQUENCE_DEFAULTS) == set(SEQUENCE_KINDS)
    assert describe_sequence("fibonacci", "maxabs") == "Fibonacci, normalised by max |x|"
    assert describe_sequence("exponential", base=3) == "Powers of 3"
    assert describe_sequence("exponential") == "Powers of 2"
    assert describe_sequence("sine", "zscore") == "Sine, standardised (z-score)"
    with pytest.raises(ValueError):
        describe_sequence("cosine")
    with pytest.raises(ValueError):
        describe_sequence("sine", "l2")


# --------------------------------------------------------------------------- normalisation


def test_normalisations_by_hand() -> None:
    x = np.array([[1.0, -4.0], [3.0, 2.0], [-2.0, 2.0]])
    np.testing.assert_allclose(normalize(x, "maxabs"), [[1 / 3, -1], [1, 0.5], [-2 / 3, 0.5]])
    np.testing.assert_allclose(normalize(x, "minmax"), [[0.6, 0], [1, 1], [0, 1]])
    # z-score by hand: population mean and std per column.
    m0 = 2 / 3
    sd0 = math.sqrt(((1 - m0) ** 2 + (3 - m0) ** 2 + (-2 - m0) ** 2) / 3)
    m1 = 0.0
    sd1 = math.sqrt((16 + 4 + 4) / 3)
    expected = [[(1 - m0) / sd0, (-4 - m1) / sd1], [(3 - m0) / sd0, 2 / sd1], [(-2 - m0) / sd0, 2 / sd1]]
    np.testing.assert_allclose(normalize(x, "zscore"), expected, rtol=1e-13)
    np.testing.assert_array_equal(normalize(x, "none"), x)
    assert not np.shares_memory(normalize(x, "none"), x)


@pytest.mark.parametrize("value", [0.0, 0.1, -7.3, 1e300])
def test_constant_column(value: float) -> None:
    x = np.full((5, 1), value)
    np.testing.assert_array_equal(normalize(x, "minmax"), 0.0)
    # Regression: 0.1 * 3 has a rounding-level std (1.4e-17) that must not blow up to +-1.
    np.testing.assert_array_equal(normalize(x, "zscore"), 0.0)
    np.testing.assert_array_equal(normalize(x, "maxabs"), np.sign(value))


def test_huge_sequences_normalise_without_overflow() -> None:
    x = generate("exponential", MAX_LENGTH, base=3)  # 3^511 ~ 1e243: its square overflows
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        z = normalize(x, "zscore")
        m = normalize(np.vstack([-x, x]), "minmax")  # max - min overflows if done naively
    assert np.all(np.isfinite(z))
    assert np.mean(z) == pytest.approx(0, abs=1e-9) and np.std(z) == pytest.approx(1, rel=1e-9)
    assert m.min() == 0.0 and m.max() == 1.0


@pytest.mark.parametrize("method", ["maxabs", "minmax", "zscore"])
def test_non_finite_refused(method: str) -> None:
    with pytest.raises(ValueError, match="x_3 overflows"):
        normalize(np.array([[1.0], [2.0], [np.inf]]), method)


def test_unknown_method() -> None:
    with pytest.raises(ValueError, match="unknown normalisation"):
        normalize(np.ones((2, 1)), "l2")
    assert set(NORMALIZATIONS) == {"none", "maxabs", "minmax", "zscore"}


columns = arrays(
    np.float64,
    st.tuples(st.integers(1, 20), st.integers(1, 3)),
    elements=st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
)


@settings(max_examples=100, deadline=None)
@given(columns)
def test_normalisation_properties(x: np.ndarray) -> None:
    constant = np.max(x, axis=0) == np.min(x, axis=0)
    m = normalize(x, "maxabs")
    assert np.all(np.abs(m) <= 1.0)
    for d in range(x.shape[1]):
        if np.any(x[:, d] != 0):
            assert np.max(np.abs(m[:, d])) == 1.0
    mm = normalize(x, "minmax")
    assert np.all((mm >= 0) & (mm <= 1))
    for d in range(x.shape[1]):
        if constant[d]:
            assert np.all(mm[:, d] == 0)
        else:
            assert mm[:, d].min() == 0.0 and mm[:, d].max() == pytest.approx(1.0, abs=1e-12)
    z = normalize(x, "zscore")
    for d in range(x.shape[1]):
        if constant[d]:
            assert np.all(z[:, d] == 0)
        elif np.std(x[:, d]) > 1e-9 * np.max(np.abs(x[:, d])):  # well-conditioned columns only
            assert np.mean(z[:, d]) == pytest.approx(0, abs=1e-9)
            assert np.std(z[:, d]) == pytest.approx(1, rel=1e-6)


def test_sine_zero_crossings_are_exactly_zero() -> None:
    from rnn_engine.sequences import generate

    x = generate("sine", 17, amplitude=2.0, period=8.0).ravel()
    # t - 1 = 0, 4, 8, 12, 16 are multiples of half a period: sin(k pi) = 0 exactly
    assert [x[i] for i in (0, 4, 8, 12, 16)] == [0.0] * 5
    assert x[2] == 2.0 and x[6] == -2.0  # quarter periods
