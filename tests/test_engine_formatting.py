"""Number formatting rules (``format_number``, ``format_significant``) and parsing back."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnn_engine import format_number, format_significant, parse_number


@pytest.mark.parametrize(
    ("value", "precision", "text"),
    [
        (0.456, 2, "0.46"),
        (-1.2, 2, "-1.20"),
        (3.0, 0, "3"),
        (9999.994, 2, "9999.99"),
        (10_000.0, 2, "1.00e4"),
        (1.3e154, 2, "1.30e154"),
        (1.3449e154, 2, "1.34e154"),
        (-2.5e20, 1, "-2.5e20"),
        (3.1e-6, 2, "3.10e-6"),
        (0.004, 2, "0.0040"),  # two significant digits below 0.1, not 0.00
        (0.0147, 2, "0.015"),  # not 0.01: 3.00 x 0.015 = 0.044 adds up on screen
        (0.0996, 2, "0.10"),  # rounds up to 0.1: the usual two decimals
        (0.00012, 2, "1.20e-4"),  # would need five decimals
        (0.004, 3, "0.0040"),
        (0.05, 1, "0.050"),
        (0.05, 0, "5e-2"),
        (0.5, 0, "5e-1"),  # round-half-even would print "0"
        (0.6, 0, "1"),
        (0.0, 2, "0.00"),
        (-0.0, 2, "0.00"),
        (-0.001, 2, "-0.0010"),
        (-0.0001, 3, "-0.00010"),
        (-0.00001, 3, "-1.000e-5"),
        (math.inf, 2, "overflow"),
        (-math.inf, 2, "-overflow"),
        (math.nan, 2, "NaN"),
    ],
)
def test_format_number(value: float, precision: int, text: str) -> None:
    assert format_number(value, precision) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.12, "0.12"),
        (0.1234, "0.123"),
        (1.9, "1.9"),
        (1.949, "1.95"),
        (12.0, "12"),
        (999.6, "1000"),
        (1234.5, "1234"),  # integer digits are never rounded away below 1e4
        (0.00123, "0.00123"),
        (0.001, "0.001"),
        (0.000999, "9.99e-4"),
        (3.1e-6, "3.1e-6"),
        (3e-6, "3e-6"),
        (1.3449e154, "1.34e154"),
        (2e5, "2e5"),
        (10_000, "1e4"),
        (-0.5, "-0.5"),
        (0.0, "0"),
        (-0.0, "0"),
        (math.inf, "overflow"),
        (-math.inf, "-overflow"),
        (math.nan, "NaN"),
    ],
)
def test_format_significant(value: float, text: str) -> None:
    assert format_significant(value) == text


def test_format_significant_digits() -> None:
    assert format_significant(math.pi, 1) == "3"
    assert format_significant(math.pi, 5) == "3.1416"
    with pytest.raises(ValueError):
        format_significant(1.0, 0)


def test_parse_specials() -> None:
    assert math.isnan(parse_number("NaN"))
    assert parse_number("overflow") == math.inf and parse_number("-overflow") == -math.inf
    assert parse_number("\u22121.50") == -1.5


# Up to 1e300: near the float64 maximum a correctly rounded mantissa ("1.8e308") parses back as inf.
finite = st.floats(-1e300, 1e300, allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(finite, st.integers(0, 4))
def test_format_number_round_trip(v: float, precision: int) -> None:
    text = format_number(v, precision)
    back = parse_number(text)
    assert "+" not in text and "e0" not in text and "e-0" not in text
    small = min(0.1, 10.0 ** (1 - precision))
    if "e" in text:
        assert abs(back - v) <= 0.5 * 10.0 ** (-precision) * 10.0 ** math.floor(math.log10(abs(v))) * 1.000001
        assert abs(v) >= 10_000 or abs(v) < small or abs(v) <= 0.5 * 10.0 ** (-precision)
    elif 0 < abs(back) < small:  # two significant digits, at most two decimals more than asked
        decimals = len(text.split(".")[1])
        assert precision < decimals <= precision + 2
        assert text.lstrip("-0.")[:1] != "" and len(text.lstrip("-0.").replace(".", "")) == 2
        assert abs(back - v) <= 0.5 * 10.0 ** (-decimals) * 1.000001
    else:
        assert abs(back - v) <= 0.5 * 10.0 ** (-precision) * 1.000001 + 1e-9 * abs(v)
        if precision:
            assert len(text.split(".")[1]) == precision
        else:
            assert "." not in text
    if v != 0.0:
        assert back != 0.0  # a non-zero value never prints as zero


@settings(max_examples=300, deadline=None)
@given(finite)
def test_format_significant_round_trip(v: float) -> None:
    text = format_significant(v)
    back = parse_number(text)
    if v == 0.0:
        assert text == "0"
        return
    assert back != 0.0
    assert abs(back - v) <= 0.5e-2 * abs(v) * 1.000001  # 3 significant digits
    assert ("e" in text) == (abs(back) >= 10_000 or abs(v) < 0.001 or abs(v) >= 10_000)
    if "." in text:
        assert not text.split("e")[0].endswith("0")
