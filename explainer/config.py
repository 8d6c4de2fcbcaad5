"""Validated explainer configs: a YAML file becomes a frozen, typed :class:`Config`.

Values are layered in one order, later winning: the shipped defaults (the model
fields below), the YAML file, then *overrides* -- dotted paths such as
``{"output.quality": "l"}`` from command-line flags or batch sweeps. The result is
validated once, here; nothing downstream re-validates raw dicts.

Every problem becomes a :class:`ConfigError` whose ``str`` is one line::

    configs/x.yaml:7:15: rnn.activation: expected one of tanh, relu, sigmoid; got 'tahn' (did you mean 'tanh'?)
    <command line>: output.quality: expected one of l, m, h, p, k; got 'x'

Reading is :mod:`explainer.yaml_positions` (safe YAML with positions; aliases refused);
checking is pydantic v2 (strict: booleans and quoted numbers are not numbers,
``.inf``/``.nan`` refused) plus the cross-field rules written out below. Pydantic's
error locations are mapped back to the YAML node that caused them.

Rules worth knowing:

- Explicit ``null`` (or an empty value, ``key:``) is refused everywhere: leave a key
  out to get its default.
- Kind-specific sequence parameters (``start``, ``period``, ...) are only accepted
  for their kind; missing ones get the engine's defaults (``SEQUENCE_DEFAULTS``).
- Shapes: ``H`` comes from ``w_h`` (1 if a number); ``w_x`` is a number (only when the
  inputs are scalar, D = 1; broadcast down a column when H > 1) or an ``H x D``
  matrix; ``b`` and ``h0`` are a number (broadcast) or a list of ``H``.
- ``compare.values`` are each validated as the field they replace, and each panel's
  whole config must be valid. Substituting ``sequence.kind`` keeps the sequence's
  length and normalisation and those parameters the new kind accepts, and drops the
  rest (the same rule applies to a ``sequence.kind`` override).
- An override value of ``None`` removes the key (back to its default).
"""

from __future__ import annotations

import copy
import difflib
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from explainer.yaml_positions import (
    MAX_BYTES,
    FieldPath,
    Positions,
    YamlError,
    decode_source,
    format_path,
    parse_yaml,
    parse_yaml_scalar,
)
from rnn_engine.activations import ACTIVATIONS
from rnn_engine.sequences import MAX_LENGTH, NORMALIZATIONS, SEQUENCE_DEFAULTS, SEQUENCE_KINDS, generate

__all__ = [
    "ACTIVATION_NAMES",
    "COMMAND_LINE",
    "COMPARE_FIELDS",
    "FORMATS",
    "MAX_HIDDEN",
    "MAX_INPUT",
    "QUALITIES",
    "SCENES",
    "THEMES",
    "WEIGHT_FIELDS",
    "CompareConfig",
    "Config",
    "ConfigError",
    "MemoryConfig",
    "OutputConfig",
    "RNNConfig",
    "SequenceConfig",
    "StyleConfig",
    "load_config",
    "load_config_bytes",
    "load_config_text",
    "parse_override",
]

SCENES = ("unrolled", "compare", "weights", "memory", "gradients")
ACTIVATION_NAMES = tuple(ACTIVATIONS)
THEMES = ("dark", "light")
QUALITIES = ("l", "m", "h", "p", "k")
FORMATS = ("mp4", "webm", "gif", "mov", "png")
#: Fields a ``compare`` section may vary.
COMPARE_FIELDS = (
    "rnn.activation",
    "rnn.w_x",
    "rnn.w_h",
    "rnn.b",
    "rnn.h0",
    "sequence.kind",
    "sequence.normalize",
)
#: Fields the ``weights`` scene may vary.
WEIGHT_FIELDS = ("rnn.w_x", "rnn.w_h", "rnn.b", "rnn.h0")
#: Largest hidden size ``H`` and input size ``D`` accepted (rendering may allow fewer).
MAX_HIDDEN = 64
MAX_INPUT = 64
MAX_TITLE = 100
#: ``file`` of errors caused by overrides given on the command line.
COMMAND_LINE = "<command line>"
DEFAULT_NAME = "rnn_explainer"
DEFAULT_COMPARE = {"field": "rnn.activation", "values": ["tanh", "relu", "sigmoid"]}
_SEQUENCE_PARAMS = tuple(dict.fromkeys(p for params in SEQUENCE_DEFAULTS.values() for p in params))
_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_DOTTED_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")

Scene = Literal[SCENES]  # type: ignore[valid-type]
ActivationName = Literal[ACTIVATION_NAMES]  # type: ignore[valid-type]
SequenceKind = Literal[SEQUENCE_KINDS]  # type: ignore[valid-type]
Normalization = Literal[NORMALIZATIONS]  # type: ignore[valid-type]
Theme = Literal[THEMES]  # type: ignore[valid-type]
Quality = Literal[QUALITIES]  # type: ignore[valid-type]
Format = Literal[FORMATS]  # type: ignore[valid-type]
CompareField = Literal[COMPARE_FIELDS]  # type: ignore[valid-type]

Vector = tuple[float, ...]
Matrix = tuple[tuple[float, ...], ...]


# ----------------------------------------------------------------------------- errors


class ConfigError(Exception):
    """An invalid config, reported as one line: ``FILE:LINE:COL: field.path: what is wrong``.

    Attributes
    ----------
    file
        The config file as given, or :data:`COMMAND_LINE` (or another origin label)
        for a bad override.
    line, col
        1-based position of the offending YAML node, or ``None`` when the problem is
        not in a file (overrides, dicts).
    field
        Dotted path of the field, e.g. ``rnn.w_h[1][0]``; ``""`` for file-level problems.
    message
        What is wrong, with a suggestion where one exists.
    errors
        Every problem found (this one first), in document order.
    """

    def __init__(self, file: str, line: int | None, col: int | None, field: str, message: str) -> None:
        self.file = file
        self.line = line
        self.col = col
        self.field = field
        self.message = " ".join(message.split("\n"))
        self.errors: tuple[ConfigError, ...] = (self,)
        super().__init__(str(self))

    def __reduce__(self) -> tuple[Any, ...]:
        # Picklable (batch workers send errors back); the default would call __init__ with str(self) only.
        return (ConfigError, (self.file, self.line, self.col, self.field, self.message), {"errors": self.errors})

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}:{self.col}"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class _Problem(ValueError):
    """A validation problem at ``path``, relative to the model or field that raised it."""

    def __init__(self, path: FieldPath, message: str, at_key: bool = False) -> None:
        super().__init__(message)
        self.path = path
        self.message = message
        self.at_key = at_key


# ----------------------------------------------------------------------------- value parsers


def _describe(value: Any) -> str:
    """How a YAML value reads, for messages."""
    if isinstance(value, bool):
        return f"the boolean {'true' if value else 'false'}"
    if value is None:
        return "nothing (null)"
    if isinstance(value, str):
        return f"the text '{value if len(value) <= 40 else value[:37] + '...'}'"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, float):
        return {math.inf: ".inf", -math.inf: "-.inf"}.get(value, ".nan" if math.isnan(value) else repr(value))
    if isinstance(value, int):
        text = str(value)
        return text if len(text) <= 40 else "a very large integer"
    return type(value).__name__


def _suggest(word: Any, choices: tuple[str, ...] | list[str]) -> str:
    """`` (did you mean 'tanh'?)`` for a close match, else ``""``."""
    if not isinstance(word, str):
        return ""
    lowered = {c.lower(): c for c in choices}
    if word.lower() in lowered:
        return f" (did you mean '{lowered[word.lower()]}'?)"
    match = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    return f" (did you mean '{lowered[match[0]]}'?)" if match else ""


def _not_a_choice(value: Any, choices: tuple[str, ...] | list[str]) -> str:
    return f"expected one of {', '.join(choices)}; got {_describe(value)}{_suggest(value, choices)}"


def _choice(value: Any, choices: tuple[str, ...], path: FieldPath = ()) -> str:
    if isinstance(value, str) and value in choices:
        return value
    raise _Problem(path, _not_a_choice(value, choices))


def _number(value: Any, path: FieldPath = ()) -> float:
    """A finite int or float; booleans, text and non-finite values are refused."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        hint = ""
        if isinstance(value, str):
            try:
                float(value)
                hint = " (remove the quotes to make it a number)"
            except ValueError:
                pass
        raise _Problem(path, f"expected a number, got {_describe(value)}{hint}")
    try:
        out = float(value)
    except OverflowError:
        raise _Problem(path, "number is too large") from None
    if not math.isfinite(out):
        raise _Problem(path, f"expected a finite number, got {_describe(value)}")
    return out


def _count(n: int, noun: str) -> str:
    plural = noun[:-1] + "ies" if noun.endswith("y") else noun + "s"
    return f"{n} {noun if n == 1 else plural}"


def _is_list(value: Any) -> bool:
    return isinstance(value, list | tuple)


def _row(value: Any, path: FieldPath, limit: int, what: str) -> Vector:
    if not _is_list(value) or not value:
        raise _Problem(path, f"expected a non-empty list of numbers ({what}), got {_describe(value)}")
    if len(value) > limit:
        raise _Problem(path, f"has {len(value)} entries; at most {limit} are allowed ({what})")
    return tuple(_number(v, (*path, i)) for i, v in enumerate(value))


def _number_or_vector(value: Any, path: FieldPath = ()) -> float | Vector:
    """A number (broadcast to every hidden unit) or a list of ``H`` numbers."""
    if _is_list(value):
        return _row(value, path, MAX_HIDDEN, "one per hidden unit")
    return _number(value, path)


def _number_or_matrix(value: Any, path: FieldPath = ()) -> float | Matrix:
    """A number or a matrix written as a non-empty list of equal-length rows."""
    if not _is_list(value):
        return _number(value, path)
    if not value:
        raise _Problem(path, "expected a number or a matrix (a list of rows), got an empty list")
    if not all(_is_list(row) for row in value):
        raise _Problem(
            path,
            "expected a number or a matrix written as a list of rows, e.g. [[0.5, 0.1], [0.2, 0.4]]; "
            "got a flat list (write a column as [[0.5], [0.3]])",
        )
    if len(value) > MAX_HIDDEN:
        raise _Problem(path, f"has {len(value)} rows; at most {MAX_HIDDEN} hidden units are allowed")
    rows = tuple(_row(row, (*path, i), MAX_INPUT, "a matrix row") for i, row in enumerate(value))
    for i, row in enumerate(rows):
        if len(row) != len(rows[0]):
            raise _Problem(
                (*path, i),
                f"row {i + 1} has {len(row)} numbers but row 1 has {len(rows[0])}; rows must be equal length",
            )
    return rows


def _input_values(value: Any, path: FieldPath = ()) -> Vector | Matrix:
    """Custom inputs: numbers (D = 1), or equal-length lists of numbers (D = their length)."""
    if not _is_list(value) or not value:
        raise _Problem(path, f"expected a non-empty list of numbers (or of equal-length lists), got {_describe(value)}")
    if len(value) > MAX_LENGTH:
        raise _Problem(path, f"has {len(value)} values; at most {MAX_LENGTH} steps are allowed")
    if not _is_list(value[0]):
        for i, v in enumerate(value):
            if _is_list(v):
                raise _Problem((*path, i), "mixes numbers and lists; give all numbers, or all lists (vector inputs)")
        return tuple(_number(v, (*path, i)) for i, v in enumerate(value))
    rows = []
    for i, v in enumerate(value):
        if not _is_list(v):
            raise _Problem((*path, i), "mixes lists and numbers; give all lists (vector inputs), or all numbers")
        rows.append(_row(v, (*path, i), MAX_INPUT, "one input vector"))
        if len(rows[-1]) != len(rows[0]):
            raise _Problem(
                (*path, i),
                f"input {i + 1} has {_count(len(rows[-1]), 'component')} but input 1 has {len(rows[0])}; "
                "vector inputs must all be the same length",
            )
    return tuple(rows)


def _plain(value: Any) -> Any:
    """Deep-convert mappings to dicts and tuples to lists (override values may be either)."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if _is_list(value):
        return [_plain(v) for v in value]
    return value


def _frozen(value: Any) -> Any:
    return tuple(_frozen(v) for v in value) if _is_list(value) else value


_FIELD_PARSERS: dict[str, Any] = {
    "rnn.activation": lambda v, p: _choice(v, ACTIVATION_NAMES, p),
    "rnn.w_x": _number_or_matrix,
    "rnn.w_h": _number_or_matrix,
    "rnn.b": _number_or_vector,
    "rnn.h0": _number_or_vector,
    "sequence.kind": lambda v, p: _choice(v, SEQUENCE_KINDS, p),
    "sequence.normalize": lambda v, p: _choice(v, NORMALIZATIONS, p),
}


# ----------------------------------------------------------------------------- models


class _Section(BaseModel):
    """Base of every config section: frozen, strict, unknown keys refused, nulls refused."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _before(cls, data: Any, info: ValidationInfo) -> Any:
        if not isinstance(data, dict):
            return data  # pydantic reports "expected a mapping"
        for key, value in data.items():
            if value is None:
                raise _Problem((key,), "has no value; give one, or remove the key to use the default")
        return cls._prepare(dict(data), info.context or {})

    @classmethod
    def _prepare(cls, data: dict[str, Any], context: Mapping[str, Any]) -> dict[str, Any]:
        """Fill derived defaults and check rules that need the raw mapping."""
        return data


class SequenceConfig(_Section):
    """The input sequence: a preset ``kind`` with its parameters, or ``custom`` values."""

    kind: SequenceKind
    length: int = Field(8, ge=1, le=MAX_LENGTH)
    values: Vector | Matrix | None = None
    normalize: Normalization = "none"
    start: float | None = None
    step: float | None = None
    a: float | None = None
    b: float | None = None
    base: float | None = Field(None, gt=0)
    amplitude: float | None = None
    period: float | None = Field(None, gt=0)
    phase: float | None = None

    @classmethod
    def _prepare(cls, data: dict[str, Any], context: Mapping[str, Any]) -> dict[str, Any]:
        kind = data.get("kind")
        if not isinstance(kind, str) or kind not in SEQUENCE_DEFAULTS:
            return data  # the kind itself is reported
        allowed = SEQUENCE_DEFAULTS[kind]
        for name in _SEQUENCE_PARAMS:
            if name in data and name not in allowed:
                owners = [k for k, params in SEQUENCE_DEFAULTS.items() if name in params]
                takes = f"takes {', '.join(allowed)}" if allowed else "takes no parameters"
                raise _Problem(
                    (name,),
                    f"'{name}' is a parameter of kind {' / '.join(owners)}, not of '{kind}' ({kind} {takes})",
                    at_key=True,
                )
        if kind == "custom":
            if "values" not in data:
                raise _Problem(("values",), "kind 'custom' needs 'values': a list of numbers, or of equal-length lists")
            values = data["values"]
            if "length" not in data and _is_list(values) and 1 <= len(values) <= MAX_LENGTH:
                data["length"] = len(values)
        elif "values" in data:
            raise _Problem(
                ("values",),
                f"'values' is only for kind 'custom' (this sequence is '{kind}'); remove it or set kind: custom",
                at_key=True,
            )
        return {**allowed, **data}

    @field_validator("values", mode="plain")
    @classmethod
    def _values(cls, value: Any) -> Vector | Matrix:
        return _input_values(value)

    @model_validator(mode="after")
    def _check(self) -> SequenceConfig:
        if self.values is not None and self.length != len(self.values):
            raise _Problem(
                ("length",),
                f"is {self.length} but 'values' has {len(self.values)} entries; remove length or make them match",
            )
        if self.normalize != "none" and self.values is None:
            # The engine refuses to normalise an overflowed sequence; say so here, at the key.
            x = generate(self.kind, self.length, **self.params).ravel()
            bad = next((i for i, v in enumerate(x) if not math.isfinite(v)), None)
            if bad is not None:
                raise _Problem(
                    ("normalize",),
                    f"cannot normalise: x_{bad + 1} overflows to infinity; shorten the sequence, "
                    "shrink its parameters or use normalize: none",
                )
        return self

    @property
    def input_size(self) -> int:
        """``D``: 1 for presets and scalar custom values, else the inner list length."""
        if self.values is None or not isinstance(self.values[0], tuple):
            return 1
        return len(self.values[0])

    @property
    def params(self) -> dict[str, float]:
        """This kind's parameters with defaults filled in, e.g. ``{"base": 2.0}``."""
        return {name: getattr(self, name) for name in SEQUENCE_DEFAULTS[self.kind]}


class RNNConfig(_Section):
    """The cell: ``h_t = f(W_x x_t + W_h h_(t-1) + b)`` with ``h_0``, values as written."""

    activation: ActivationName = "tanh"
    w_x: float | Matrix = 0.5
    w_h: float | Matrix = 0.8
    b: float | Vector = 0.0
    h0: float | Vector = 0.0

    @field_validator("w_x", "w_h", mode="plain")
    @classmethod
    def _matrix(cls, value: Any) -> float | Matrix:
        return _number_or_matrix(value)

    @field_validator("b", "h0", mode="plain")
    @classmethod
    def _vector(cls, value: Any) -> float | Vector:
        return _number_or_vector(value)

    @property
    def hidden_size(self) -> int:
        """``H``: the number of rows of ``w_h`` (1 when it is a number)."""
        return len(self.w_h) if isinstance(self.w_h, tuple) else 1

    @model_validator(mode="after")
    def _shapes(self) -> RNNConfig:
        H = self.hidden_size
        if isinstance(self.w_h, tuple):
            for i, row in enumerate(self.w_h):
                if len(row) != H:
                    raise _Problem(
                        ("w_h", i),
                        f"W_h must be square (H x H): it has {H} rows but row {i + 1} has {len(row)} numbers",
                    )
        whence = f"W_h is {H} x {H}" if H > 1 else "W_h is a single number"
        if isinstance(self.w_x, tuple) and len(self.w_x) != H:
            raise _Problem(
                ("w_x",), f"has {len(self.w_x)} rows but {whence}, so H = {H}: W_x needs one row per hidden unit"
            )
        for name in ("b", "h0"):
            value = getattr(self, name)
            if isinstance(value, tuple) and len(value) != H:
                raise _Problem(
                    (name,), f"has {_count(len(value), 'entry')} but {whence}, so H = {H} (or give a single number)"
                )
        return self


class CompareConfig(_Section):
    """Panels that differ in one field: ``values`` are substituted at ``field`` one by one."""

    field: CompareField
    values: tuple[Any, ...]

    @classmethod
    def _prepare(cls, data: dict[str, Any], context: Mapping[str, Any]) -> dict[str, Any]:
        field, values = data.get("field"), data.get("values")
        parse = _FIELD_PARSERS.get(field) if isinstance(field, str) else None
        if parse is None or not _is_list(values) or not 2 <= len(values) <= 4:
            return data  # reported by the field validators
        parsed = [parse(v, ("values", i)) for i, v in enumerate(values)]
        for i, v in enumerate(parsed):
            if v in parsed[:i]:
                raise _Problem(("values", i), f"repeats value {parsed.index(v) + 1}; each panel needs its own value")
        data["values"] = parsed
        return data

    @field_validator("values", mode="plain")
    @classmethod
    def _values(cls, value: Any) -> tuple[Any, ...]:
        if not _is_list(value):
            raise _Problem((), f"expected a list of 2 to 4 values, got {_describe(value)}")
        if len(value) < 2:
            raise _Problem((), f"has {len(value)} value(s); a comparison needs 2 to 4")
        if len(value) > 4:
            raise _Problem((4,), f"is value {len(value)} of {len(value)}; a comparison shows at most 4")
        return _frozen(value)  # type: ignore[no-any-return]


class MemoryConfig(_Section):
    """The perturbation for the ``memory`` scene: change ``x`` at one step and watch ``h``."""

    perturb_step: int = Field(1, ge=1)
    delta: float = 1.0
    drop: bool = False

    @classmethod
    def _prepare(cls, data: dict[str, Any], context: Mapping[str, Any]) -> dict[str, Any]:
        if data.get("drop") is True and "delta" in data:
            raise _Problem(
                ("delta",),
                "cannot be combined with drop: true (drop sets x to 0; delta adds to x); remove one",
                at_key=True,
            )
        return data

    @model_validator(mode="after")
    def _check(self) -> MemoryConfig:
        if not self.drop and self.delta == 0:
            raise _Problem(("delta",), "is 0, so the perturbed run would equal the original")
        return self


class StyleConfig(_Section):
    """Look and pacing."""

    theme: Theme = "dark"
    step_seconds: float = Field(2.0, ge=0.25, le=10)
    fast_after: int = Field(4, ge=0, le=MAX_LENGTH)
    fast_step_seconds: float = Field(0.6, ge=0.1, le=10)
    precision: int = Field(2, ge=0, le=4)


class OutputConfig(_Section):
    """Where and how the clip is written: ``out/<name>/``."""

    name: str = DEFAULT_NAME
    quality: Quality = "h"
    format: Format = "mp4"

    @field_validator("name", mode="plain")
    @classmethod
    def _name(cls, value: Any) -> str:
        if not isinstance(value, str):
            raise _Problem((), f"expected a name (text), got {_describe(value)}")
        if value.startswith(("/", "\\")) or re.match(r"[A-Za-z]:[\\/]", value):
            raise _Problem((), f"'{value}' is an absolute path; give a plain folder name such as sine_tanh")
        if ".." in value:
            raise _Problem((), f"'{value}' contains '..'; give a plain folder name such as sine_tanh")
        if "/" in value or "\\" in value:
            raise _Problem((), f"'{value}' contains a path separator; give a plain folder name such as sine_tanh")
        if not _NAME_RE.fullmatch(value):
            raise _Problem(
                (),
                f"'{value[:70]}' is not a valid name: 1 to 64 characters, letters, digits, '.', '_' or '-', "
                "starting with a letter or digit",
            )
        return value


def _default_title(scene: Any, compare: Any) -> str:
    # Raw, unvalidated input: anything but the expected strings falls back to the plain title.
    scene = scene if isinstance(scene, str) else ""
    field = compare.get("field") if isinstance(compare, dict) else "rnn.activation"
    field = field if isinstance(field, str) else ""
    if scene == "compare" and field != "rnn.activation":
        what = {
            "rnn.w_x": "input weights W_x",
            "rnn.w_h": "recurrent weights W_h",
            "rnn.b": "biases",
            "rnn.h0": "initial states",
            "sequence.kind": "input sequences",
            "sequence.normalize": "normalisations",
        }.get(field, "settings")
        return f"Same RNN, different {what}"
    if scene == "weights":
        weight = {"rnn.w_x": "the input weight W_x", "rnn.b": "the bias b", "rnn.h0": "the initial state h_0"}
        return f"How {weight.get(field, 'the recurrent weight W_h')} shapes an RNN's memory"
    return {
        "compare": "Same input, different activations",
        "memory": "How long does an RNN remember?",
        "gradients": "Vanishing and exploding gradients through time",
    }.get(scene, "How an RNN remembers")


def _safe_name(stem: str) -> str:
    """A valid output name from a file stem (``my config`` -> ``my_config``)."""
    name = re.sub(r"[^A-Za-z0-9._-]", "_", stem)
    name = re.sub(r"\.{2,}", ".", name).lstrip("._-")[:64]
    return name or DEFAULT_NAME


class Config(_Section):
    """A complete, validated explainer config (frozen; compare with ``==`` by content).

    Use :func:`load_config`, :func:`load_config_text` or :meth:`from_dict` to make one,
    :meth:`with_overrides` to derive one, :meth:`to_dict` for plain JSON-able data.
    """

    title: str
    scene: Scene = "unrolled"
    sequence: SequenceConfig
    rnn: RNNConfig = RNNConfig()
    compare: CompareConfig | None = None
    memory: MemoryConfig = MemoryConfig()
    style: StyleConfig = StyleConfig()
    output: OutputConfig = OutputConfig()

    _source: Path | None = PrivateAttr(None)
    _filename: str = PrivateAttr("<config>")
    _raw: dict[str, Any] = PrivateAttr(default_factory=dict)
    _positions: Positions | None = PrivateAttr(None)
    _origins: dict[FieldPath, str] = PrivateAttr(default_factory=dict)

    # Equality and hashing by content: where a config came from is not part of it.
    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self.__dict__ == other.__dict__

    def __hash__(self) -> int:
        return hash((type(self), tuple(self.__dict__.values())))

    @classmethod
    def _prepare(cls, data: dict[str, Any], context: Mapping[str, Any]) -> dict[str, Any]:
        scene = data.get("scene", "unrolled")
        if scene == "compare" and "compare" not in data:
            data["compare"] = copy.deepcopy(DEFAULT_COMPARE)
        if "title" not in data:
            data["title"] = _default_title(scene, data.get("compare"))
        output = data.get("output", {})
        if isinstance(output, dict) and "name" not in output:
            data["output"] = {**output, "name": context.get("default_name", DEFAULT_NAME)}
        return data

    @field_validator("title", mode="plain")
    @classmethod
    def _title(cls, value: Any) -> str:
        if not isinstance(value, str):
            raise _Problem((), f"expected text, got {_describe(value)} (quote it)")
        if not value.strip():
            raise _Problem((), "is empty; give a title or remove the key for a default one")
        if "\n" in value or "\r" in value:
            raise _Problem((), "must be a single line")
        if len(value) > MAX_TITLE:
            raise _Problem((), f"is {len(value)} characters long; at most {MAX_TITLE} fit on screen")
        return value

    @model_validator(mode="after")
    def _cross_check(self) -> Config:
        seq, rnn = self.sequence, self.rnn
        D, H = seq.input_size, rnn.hidden_size
        if isinstance(rnn.w_x, tuple):
            for i, row in enumerate(rnn.w_x):
                if len(row) != D:
                    raise _Problem(
                        ("rnn", "w_x", i),
                        f"row {i + 1} has {_count(len(row), 'number')} but the inputs have "
                        f"D = {D}; W_x must be H x D = {H} x {D}",
                    )
        elif D != 1:
            which = "is a single number" if "w_x" in rnn.model_fields_set else "is not given (the default is a number)"
            raise _Problem(
                ("rnn", "w_x"),
                f"{which} but the inputs have D = {D} components; "
                f"give an H x D = {H} x {D} matrix (a list of {_count(H, 'row')} of {_count(D, 'number')})",
            )
        if self.memory.perturb_step > seq.length:
            raise _Problem(
                ("memory", "perturb_step"),
                f"is {self.memory.perturb_step} but the sequence has only {seq.length} steps (must be 1..{seq.length})",
            )
        if self.scene == "weights":
            if self.compare is None:
                raise _Problem(
                    ("scene",),
                    f"'weights' needs a 'compare' section: field one of {', '.join(WEIGHT_FIELDS)} and 2 to 4 values",
                )
            if self.compare.field not in WEIGHT_FIELDS:
                raise _Problem(
                    ("compare", "field"),
                    f"scene 'weights' varies a weight; expected one of {', '.join(WEIGHT_FIELDS)}, "
                    f"got '{self.compare.field}' (use scene: compare for it)",
                )
        if self.compare is not None:
            self._check_panels(self.compare)
        return self

    def check_renderable(self) -> None:
        """Raise :class:`ConfigError` (pointing at the field) if the scene cannot draw this config.

        Schema validation accepts what the engine can compute (512 steps, 64 units);
        a scene draws less (limits in ``scenes/limits.py``). ``validate``, ``render``
        and ``batch`` call this; ``trace`` does not need to.
        """
        try:
            self._check_scene_limits()
        except _Problem as exc:
            file, line, col = _locate(exc.path, exc.at_key, self._filename, self._positions, self._origins)
            raise ConfigError(file, line, col, format_path(exc.path), exc.message) from None

    def _check_scene_limits(self) -> None:
        from scenes.limits import SCENE_LIMITS

        lim = SCENE_LIMITS[self.scene]
        seq, H, D = self.sequence, self.rnn.hidden_size, self.sequence.input_size
        if seq.length > lim.max_steps:
            where = ("sequence", "values") if seq.kind == "custom" else ("sequence", "length")
            raise _Problem(
                where,
                f"scene '{self.scene}' shows at most {lim.max_steps} steps ({lim.why_steps}); "
                f"this config has {seq.length}",
            )
        if H > lim.max_hidden:
            what = "a scalar hidden state (H = 1)" if lim.max_hidden == 1 else f"at most {lim.max_hidden} hidden units"
            raise _Problem(("rnn", "w_h"), f"scene '{self.scene}' shows {what}; this config has H = {H}")
        if D > lim.max_input:
            what = "scalar inputs (D = 1)" if lim.max_input == 1 else f"inputs of at most {lim.max_input} components"
            raise _Problem(("sequence", "values"), f"scene '{self.scene}' shows {what}; this config has D = {D}")

    def _check_panels(self, compare: CompareConfig) -> None:
        """Each compare value, substituted, must give a valid config on its own."""
        field_path = tuple(compare.field.split("."))
        base = self.to_dict()
        base.pop("compare", None)
        base["scene"] = "unrolled"  # a panel is a plain run; also stops the recursion
        for i, value in enumerate(compare.values):
            panel = _substitute(base, compare.field, _plain(value))
            try:
                Config.model_validate(panel)
            except ValidationError as exc:
                loc, message, _ = _translate(exc.errors()[0])
                if loc[: len(field_path)] == field_path:
                    raise _Problem(("compare", "values", i, *loc[len(field_path) :]), message) from None
                where = f"{format_path(loc)}: " if loc else ""
                raise _Problem(
                    ("compare", "values", i), f"with {compare.field} = {_short(value)}: {where}{message}"
                ) from None

    # --- public API -------------------------------------------------------------------

    @property
    def source(self) -> Path | None:
        """The YAML file this config was read from (``None`` for text or dicts)."""
        return self._source

    @property
    def name(self) -> str:
        """The resolved output name: ``output.name``, by default the config file's stem."""
        return self.output.name

    @property
    def steps(self) -> int:
        """``T``, the number of timesteps."""
        return self.sequence.length

    @property
    def hidden_size(self) -> int:
        """``H``."""
        return self.rnn.hidden_size

    @property
    def input_size(self) -> int:
        """``D``."""
        return self.sequence.input_size

    def to_dict(self) -> dict[str, Any]:
        """The fully resolved config as plain JSON-able data (every default filled in).

        ``Config.from_dict(cfg.to_dict()) == cfg``. Keys that do not apply are left out
        (other kinds' parameters, ``values`` for presets, ``compare`` when absent,
        ``memory.delta`` when ``drop`` is true).
        """
        # Python mode plus _plain: pydantic's JSON mode warns about tuples made by plain validators.
        data: dict[str, Any] = _plain(self.model_dump(exclude_none=True))
        if self.memory.drop:
            data["memory"].pop("delta", None)
        return data

    @classmethod
    def from_dict(
        cls,
        data: Mapping[str, Any],
        *,
        source: str | Path | None = None,
        filename: str | None = None,
        overrides: Mapping[str, Any] | None = None,
        override_origin: str = COMMAND_LINE,
    ) -> Config:
        """Validate plain data (e.g. a sweep entry or :meth:`to_dict` output).

        ``source`` only provides the default output name (its stem); errors name
        ``filename`` (default: ``source`` or ``"<config>"``) without line numbers.
        """
        src = Path(source) if source is not None else None
        label = filename if filename is not None else (str(src) if src is not None else "<config>")
        return _build(_plain(data), label, src, None, {}, overrides, override_origin)

    def with_overrides(self, overrides: Mapping[str, Any], origin: str = COMMAND_LINE) -> Config:
        """A new validated config with dotted-path ``overrides`` layered on top.

        Example: ``cfg.with_overrides({"rnn.w_h": 1.5, "output.name": "wh_1.5"})``.
        Errors name ``origin`` (default ``<command line>``) as their file.
        """
        return _build(self._raw, self._filename, self._source, self._positions, self._origins, overrides, origin)


# ----------------------------------------------------------------------------- building


def _short(value: Any) -> str:
    text = repr(_plain(value)).replace("'", "")
    return text if len(text) <= 40 else text[:37] + "..."


def _substitute(data: dict[str, Any], dotted: str, value: Any, keep: frozenset[str] = frozenset()) -> dict[str, Any]:
    """A copy of ``data`` with ``value`` at ``dotted`` (``None`` removes the key).

    Changing ``sequence.kind`` also drops the parameters the new kind does not take
    (and ``values`` unless the new kind is ``custom``), except keys named in ``keep``.
    """
    parts = dotted.split(".")
    out = dict(data)
    node = out
    for i, part in enumerate(parts[:-1]):
        child = node.get(part)
        if child is None:
            child = {}
        elif not isinstance(child, dict):
            raise ValueError(f"'{'.'.join(parts[: i + 1])}' is not a mapping, so nothing can be set inside it")
        node[part] = node = dict(child)
    if value is None:
        node.pop(parts[-1], None)
    else:
        node[parts[-1]] = value
    if parts == ["sequence", "kind"] and isinstance(value, str) and value in SEQUENCE_DEFAULTS:
        for param in (*_SEQUENCE_PARAMS, "values"):
            accepted = param in SEQUENCE_DEFAULTS[value] or (param == "values" and value == "custom")
            if not accepted and param not in keep:
                node.pop(param, None)
    return out


def _translate(err: Mapping[str, Any]) -> tuple[FieldPath, str, bool]:
    """A pydantic error as ``(location, message, points_at_key)``."""
    loc: FieldPath = tuple(err["loc"])
    kind, value, ctx = err["type"], err.get("input"), err.get("ctx") or {}
    problem = ctx.get("error")
    if isinstance(problem, _Problem):
        return (*loc, *problem.path), problem.message, problem.at_key
    if kind == "missing":
        hint = ""
        if loc == ("sequence",):
            hint = ", e.g. sequence: {kind: sine}"
        elif loc == ("sequence", "kind"):
            hint = f": one of {', '.join(SEQUENCE_KINDS)}"
        elif loc[-1:] == ("field",) and loc[:1] == ("compare",):
            hint = f": one of {', '.join(COMPARE_FIELDS)}"
        return loc, f"required key '{loc[-1]}' is missing{hint}", False
    if kind == "extra_forbidden":
        valid = _valid_keys(loc[:-1])
        suggestion = _suggest(loc[-1], valid)
        return loc, f"unknown key '{loc[-1]}'" + (suggestion or f"; valid keys here: {', '.join(valid)}"), True
    if kind == "literal_error":
        return loc, _not_a_choice(value, re.findall(r"'([^']*)'", ctx.get("expected", ""))), False
    if kind in ("float_type", "finite_number"):
        try:
            _number(value)
        except _Problem as exc:
            return loc, exc.message, False
    if kind == "int_type":
        return loc, f"expected a whole number, got {_describe(value)}", False
    if kind == "bool_type":
        return loc, f"expected true or false, got {_describe(value)}", False
    if kind == "string_type":
        return loc, f"expected text, got {_describe(value)}", False
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return loc, f"expected a mapping (indented 'key: value' lines), got {_describe(value)}", False
    bounds = {
        "greater_than_equal": ("ge", "at least"),
        "less_than_equal": ("le", "at most"),
        "greater_than": ("gt", "greater than"),
        "less_than": ("lt", "less than"),
    }
    if kind in bounds:
        key, words = bounds[kind]
        return loc, f"must be {words} {ctx.get(key)}, got {_describe(value)}", False
    return loc, str(err.get("msg", "invalid value")), False


def _valid_keys(section: FieldPath) -> list[str]:
    """The keys a mapping at ``section`` accepts, from the models."""
    model: type[BaseModel] | None = Config
    for part in section:
        info = model.model_fields.get(part) if model is not None and isinstance(part, str) else None
        if info is None:
            return []
        candidates = (info.annotation, *get_args(info.annotation))
        model = next((c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None)
    return list(model.model_fields) if model is not None else []


def _locate(
    loc: FieldPath, at_key: bool, filename: str, positions: Positions | None, origins: Mapping[FieldPath, str]
) -> tuple[str, int | None, int | None]:
    """Which file and position an error at ``loc`` belongs to."""
    for path, origin in origins.items():
        if loc[: len(path)] == path:  # inside an overridden value
            return origin, None, None
    if positions is not None:
        if at_key and loc in positions.keys:
            return (filename, *positions.keys[loc])
        if loc in positions.values:
            return (filename, *positions.values[loc])
    for path, origin in origins.items():
        if path[: len(loc)] == loc:  # a section an override created
            return origin, None, None
    near = positions.nearest(loc) if positions is not None else None
    if near is None:
        return filename, None, None
    return (filename, *near[1])


def _error_from(
    exc: ValidationError, filename: str, positions: Positions | None, origins: Mapping[FieldPath, str]
) -> ConfigError:
    errors = []
    for err in exc.errors():
        loc, message, at_key = _translate(err)
        file, line, col = _locate(loc, at_key, filename, positions, origins)
        errors.append(ConfigError(file, line, col, format_path(loc), message))
    errors.sort(key=lambda e: (e.line is None, e.line or 0, e.col or 0))
    first = errors[0]
    first.errors = tuple(errors)
    return first


def _build(
    raw: Any,
    filename: str,
    source: Path | None,
    positions: Positions | None,
    origins: Mapping[FieldPath, str],
    overrides: Mapping[str, Any] | None,
    origin: str,
) -> Config:
    """Layer ``overrides`` on ``raw`` and validate; every failure is a :class:`ConfigError`."""
    origins = dict(origins)
    if not isinstance(raw, dict):
        line, col = positions.values.get((), (1, 1)) if positions is not None else (None, None)
        raise ConfigError(
            filename,
            line,
            col,
            "",
            f"the top level must be a mapping of keys such as scene:, sequence:, rnn:; got {_describe(raw)}",
        )
    data = raw
    if overrides:
        keep = frozenset(k.split(".", 1)[1] for k in overrides if isinstance(k, str) and k.startswith("sequence."))
        for dotted, value in overrides.items():
            if not isinstance(dotted, str) or not _DOTTED_RE.fullmatch(dotted):
                raise ConfigError(origin, None, None, str(dotted), "not a dotted field path such as rnn.w_h")
            try:
                data = _substitute(data, dotted, _plain(value), keep)
            except ValueError as exc:
                raise ConfigError(origin, None, None, dotted, str(exc)) from None
            origins[tuple(dotted.split("."))] = origin
    default_name = _safe_name(source.stem) if source is not None else DEFAULT_NAME
    try:
        cfg = Config.model_validate(data, context={"default_name": default_name})
    except ValidationError as exc:
        raise _error_from(exc, filename, positions, origins) from None
    cfg._source = source
    cfg._filename = filename
    cfg._raw = data
    cfg._positions = positions
    cfg._origins = origins
    return cfg


def _from_text(
    text: str, filename: str, source: Path | None, overrides: Mapping[str, Any] | None, origin: str
) -> Config:
    try:
        doc = parse_yaml(text)
    except YamlError as exc:
        raise ConfigError(filename, exc.line, exc.col, format_path(exc.path), exc.message) from None
    return _build(doc.data, filename, source, doc.positions, {}, overrides, origin)


def load_config_bytes(
    raw: bytes,
    filename: str = "<bytes>",
    overrides: Mapping[str, Any] | None = None,
    *,
    source: Path | None = None,
    override_origin: str = COMMAND_LINE,
) -> Config:
    """Validate config file contents given as bytes (checked to be UTF-8 text first)."""
    try:
        text = decode_source(raw)
    except YamlError as exc:
        raise ConfigError(filename, exc.line, exc.col, "", exc.message) from None
    return _from_text(text, filename, source, overrides, override_origin)


def load_config_text(
    text: str,
    filename: str = "<string>",
    overrides: Mapping[str, Any] | None = None,
    *,
    override_origin: str = COMMAND_LINE,
) -> Config:
    """Validate config text; ``filename`` labels errors (its stem is the default output name
    unless it is a ``<label>``)."""
    try:
        text = decode_source(text.encode("utf-8", "surrogatepass"))
    except YamlError as exc:
        raise ConfigError(filename, exc.line, exc.col, "", exc.message) from None
    source = None if filename.startswith("<") else Path(filename)
    cfg = _from_text(text, filename, source, overrides, override_origin)
    if source is not None:
        cfg._source = None  # text has no file behind it; the name only gave the default output name
    return cfg


def load_config(
    path: str | Path,
    overrides: Mapping[str, Any] | None = None,
    *,
    override_origin: str = COMMAND_LINE,
) -> Config:
    """Read and validate the YAML config at ``path``, then layer ``overrides`` (dotted paths).

    Raises
    ------
    ConfigError
        Anything wrong with the file or the overrides, as one line naming the place.
    """
    path = Path(path)
    try:
        with path.open("rb") as fh:
            # One byte more than allowed, so decode_source can say "too large" without reading it all.
            raw = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ConfigError(str(path), 1, 1, "", f"cannot read the file: {exc.strerror or exc}") from None
    return load_config_bytes(raw, str(path), overrides, source=path, override_origin=override_origin)


def parse_override(text: str) -> tuple[str, Any]:
    """Parse a command-line ``field.path=value`` (the value read as YAML: ``1.5``, ``tanh``, ``[1, 0]``)."""
    path, sep, value = text.partition("=")
    path = path.strip()
    if not sep or not _DOTTED_RE.fullmatch(path):
        raise ConfigError(COMMAND_LINE, None, None, path, f"expected field.path=value, got '{text}'")
    if not value.strip():
        raise ConfigError(COMMAND_LINE, None, None, path, "has no value after '='")
    try:
        return path, parse_yaml_scalar(value)
    except YamlError as exc:
        raise ConfigError(COMMAND_LINE, None, None, path, exc.message) from None
