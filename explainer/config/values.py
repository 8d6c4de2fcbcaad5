"""Parsers for config values: numbers, vectors, matrices, custom inputs, choices.

Each parser takes a raw YAML value and the path it sits at, and returns the value
in its frozen form (tuples for lists) or raises :class:`~explainer.config.errors.Problem`
with a message that says what was expected. They are used by the schema's field
validators and, for ``compare.values``, on each value as the field it replaces.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from explainer.config.errors import Problem, count, describe, not_a_choice
from explainer.config.reader import FieldPath
from rnn_engine.activations import ACTIVATIONS
from rnn_engine.cells import CELL_NAMES
from rnn_engine.sequences import MAX_LENGTH, NORMALIZATIONS, SEQUENCE_KINDS

__all__ = [
    "ACTIVATION_NAMES",
    "FIELD_PARSERS",
    "MAX_HIDDEN",
    "MAX_INPUT",
    "Matrix",
    "Vector",
    "choice",
    "frozen",
    "input_values",
    "is_list",
    "number",
    "number_or_matrix",
    "number_or_vector",
    "plain",
]

ACTIVATION_NAMES = tuple(ACTIVATIONS)
#: Largest hidden size ``H`` and input size ``D`` accepted (rendering may allow fewer).
MAX_HIDDEN = 64
MAX_INPUT = 64

Vector = tuple[float, ...]
Matrix = tuple[tuple[float, ...], ...]


def is_list(value: Any) -> bool:
    return isinstance(value, list | tuple)


def choice(value: Any, choices: tuple[str, ...], path: FieldPath = ()) -> str:
    if isinstance(value, str) and value in choices:
        return value
    raise Problem(path, not_a_choice(value, choices))


def number(value: Any, path: FieldPath = ()) -> float:
    """A finite int or float; booleans, text and non-finite values are refused."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        hint = ""
        if isinstance(value, str):
            try:
                float(value)
                hint = " (remove the quotes to make it a number)"
            except ValueError:
                pass
        raise Problem(path, f"expected a number, got {describe(value)}{hint}")
    try:
        out = float(value)
    except OverflowError:
        raise Problem(path, "number is too large") from None
    if not math.isfinite(out):
        raise Problem(path, f"expected a finite number, got {describe(value)}")
    return out


def _row(value: Any, path: FieldPath, limit: int, what: str) -> Vector:
    if not is_list(value) or not value:
        raise Problem(path, f"expected a non-empty list of numbers ({what}), got {describe(value)}")
    if len(value) > limit:
        raise Problem(path, f"has {len(value)} entries; at most {limit} are allowed ({what})")
    return tuple(number(v, (*path, i)) for i, v in enumerate(value))


def number_or_vector(value: Any, path: FieldPath = ()) -> float | Vector:
    """A number (broadcast to every hidden unit) or a list of ``H`` numbers."""
    if is_list(value):
        return _row(value, path, MAX_HIDDEN, "one per hidden unit")
    return number(value, path)


def number_or_matrix(value: Any, path: FieldPath = ()) -> float | Matrix:
    """A number or a matrix written as a non-empty list of equal-length rows."""
    if not is_list(value):
        return number(value, path)
    if not value:
        raise Problem(path, "expected a number or a matrix (a list of rows), got an empty list")
    if not all(is_list(row) for row in value):
        raise Problem(
            path,
            "expected a number or a matrix written as a list of rows, e.g. [[0.5, 0.1], [0.2, 0.4]]; "
            "got a flat list (write a column as [[0.5], [0.3]])",
        )
    if len(value) > MAX_HIDDEN:
        raise Problem(path, f"has {len(value)} rows; at most {MAX_HIDDEN} hidden units are allowed")
    rows = tuple(_row(row, (*path, i), MAX_INPUT, "a matrix row") for i, row in enumerate(value))
    for i, row in enumerate(rows):
        if len(row) != len(rows[0]):
            raise Problem(
                (*path, i),
                f"row {i + 1} has {len(row)} numbers but row 1 has {len(rows[0])}; rows must be equal length",
            )
    return rows


def input_values(value: Any, path: FieldPath = ()) -> Vector | Matrix:
    """Custom inputs: numbers (D = 1), or equal-length lists of numbers (D = their length)."""
    if not is_list(value) or not value:
        raise Problem(path, f"expected a non-empty list of numbers (or of equal-length lists), got {describe(value)}")
    if len(value) > MAX_LENGTH:
        raise Problem(path, f"has {len(value)} values; at most {MAX_LENGTH} steps are allowed")
    if not is_list(value[0]):
        for i, v in enumerate(value):
            if is_list(v):
                raise Problem((*path, i), "mixes numbers and lists; give all numbers, or all lists (vector inputs)")
        return tuple(number(v, (*path, i)) for i, v in enumerate(value))
    rows = []
    for i, v in enumerate(value):
        if not is_list(v):
            raise Problem((*path, i), "mixes lists and numbers; give all lists (vector inputs), or all numbers")
        rows.append(_row(v, (*path, i), MAX_INPUT, "one input vector"))
        if len(rows[-1]) != len(rows[0]):
            raise Problem(
                (*path, i),
                f"input {i + 1} has {count(len(rows[-1]), 'component')} but input 1 has {len(rows[0])}; "
                "vector inputs must all be the same length",
            )
    return tuple(rows)


def plain(value: Any) -> Any:
    """Deep-convert mappings to dicts and tuples to lists (override values may be either)."""
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if is_list(value):
        return [plain(v) for v in value]
    return value


def frozen(value: Any) -> Any:
    """Deep-convert lists to tuples (the frozen form values are kept in)."""
    return tuple(frozen(v) for v in value) if is_list(value) else value


#: How a ``compare.values`` entry is parsed, by the field it replaces.
FIELD_PARSERS: dict[str, Callable[[Any, FieldPath], Any]] = {
    "rnn.activation": lambda v, p: choice(v, ACTIVATION_NAMES, p),
    "rnn.cell": lambda v, p: choice(v, CELL_NAMES, p),
    "rnn.w_x": number_or_matrix,
    "rnn.w_h": number_or_matrix,
    "rnn.b": number_or_vector,
    "rnn.h0": number_or_vector,
    "sequence.kind": lambda v, p: choice(v, SEQUENCE_KINDS, p),
    "sequence.normalize": lambda v, p: choice(v, NORMALIZATIONS, p),
}
