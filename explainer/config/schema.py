"""The config schema: pydantic models only (frozen, strict, unknown keys refused).

The models check each section on its own and the rules across fields of one config
(shapes of ``W_x`` against the inputs, ``memory.perturb_step`` against the length,
what a scene's ``compare`` section may vary). They never load, layer or re-validate
anything: that is :mod:`explainer.config.load`, which also checks each compare panel
as a whole config and what a scene can draw.

Validation is pydantic v2 in strict mode (booleans and quoted numbers are not numbers,
``.inf``/``.nan`` refused) with the value parsers of :mod:`explainer.config.values`;
problems are raised as :class:`~explainer.config.errors.Problem` at a path relative to
the model, which the loader maps back to the YAML node that caused them.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationInfo,
    create_model,
    field_validator,
    model_validator,
)

from explainer.config.errors import Problem, count, describe, suggest
from explainer.config.reader import FieldPath, Positions
from explainer.config.values import (
    ACTIVATION_NAMES,
    FIELD_PARSERS,
    Matrix,
    Vector,
    frozen,
    input_values,
    is_list,
    number_or_matrix,
    number_or_vector,
    plain,
)
from explainer.media import ENCODER_NAMES, FORMATS, QUALITY_NAMES
from explainer.naming import NAME_RE, quoted
from explainer.scene_kinds import COMPARE_FIELDS, SCENE_KINDS, SCENE_NAMES
from rnn_engine.cells import CELL_NAMES, CELLS, CellType
from rnn_engine.gated import GatedParams, ParamsError
from rnn_engine.sequences import MAX_LENGTH, NORMALIZATIONS, SEQUENCE_DEFAULTS, SEQUENCE_KINDS, generate

__all__ = [
    "DEFAULT_NAME",
    "MAX_TITLE",
    "SEQUENCE_PARAMS",
    "THEMES",
    "VOICES",
    "GATE_NAMES",
    "CompareConfig",
    "Config",
    "GateConfig",
    "GatesConfig",
    "MemoryConfig",
    "NarrationConfig",
    "OutputConfig",
    "RNNConfig",
    "SequenceConfig",
    "SlidesConfig",
    "StyleConfig",
]

THEMES = ("dark", "light")
#: Every character that starts a new line somewhere (YAML, Pango, Unicode), none allowed in a title.
_LINE_BREAK = re.compile("[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")
MAX_TITLE = 100
DEFAULT_NAME = "rnn_explainer"
#: Every kind-specific sequence parameter (``start``, ``period``, ...).
SEQUENCE_PARAMS = tuple(dict.fromkeys(p for params in SEQUENCE_DEFAULTS.values() for p in params))

Scene = Literal[SCENE_NAMES]  # type: ignore[valid-type]
ActivationName = Literal[ACTIVATION_NAMES]  # type: ignore[valid-type]
SequenceKind = Literal[SEQUENCE_KINDS]  # type: ignore[valid-type]
Normalization = Literal[NORMALIZATIONS]  # type: ignore[valid-type]
Theme = Literal[THEMES]  # type: ignore[valid-type]
Quality = Literal[QUALITY_NAMES]  # type: ignore[valid-type]
Format = Literal[FORMATS]  # type: ignore[valid-type]
Encoder = Literal[ENCODER_NAMES]  # type: ignore[valid-type]
CompareField = Literal[tuple(COMPARE_FIELDS)]  # type: ignore[valid-type]
VOICES = ("none", "neural", "light", "recorded")
Voice = Literal[VOICES]  # type: ignore[valid-type]
CaptionMode = Literal["sidecar", "burn"]
CellName = Literal[CELL_NAMES]  # type: ignore[valid-type]


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
                raise Problem((key,), "has no value; give one, or remove the key to use the default")
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
        for name in SEQUENCE_PARAMS:
            if name in data and name not in allowed:
                owners = [k for k, params in SEQUENCE_DEFAULTS.items() if name in params]
                takes = f"takes {', '.join(allowed)}" if allowed else "takes no parameters"
                raise Problem(
                    (name,),
                    f"'{name}' is a parameter of kind {' / '.join(owners)}, not of '{kind}' ({kind} {takes})",
                    at_key=True,
                )
        if kind == "custom":
            if "values" not in data:
                raise Problem(("values",), "kind 'custom' needs 'values': a list of numbers, or of equal-length lists")
            values = data["values"]
            if "length" not in data and is_list(values) and 1 <= len(values) <= MAX_LENGTH:
                data["length"] = len(values)
        elif "values" in data:
            raise Problem(
                ("values",),
                f"'values' is only for kind 'custom' (this sequence is '{kind}'); remove it or set kind: custom",
                at_key=True,
            )
        return {**allowed, **data}

    @field_validator("values", mode="plain")
    @classmethod
    def _values(cls, value: Any) -> Vector | Matrix:
        return input_values(value)

    @model_validator(mode="after")
    def _check(self) -> SequenceConfig:
        if self.values is not None and self.length != len(self.values):
            raise Problem(
                ("length",),
                f"is {self.length} but 'values' has {len(self.values)} entries; remove length or make them match",
            )
        if self.normalize != "none" and self.values is None:
            # The engine refuses to normalise an overflowed sequence; say so here, at the key.
            x = generate(self.kind, self.length, **self.params).ravel()
            bad = next((i for i, v in enumerate(x) if not math.isfinite(v)), None)
            if bad is not None:
                raise Problem(
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


class GateConfig(_Section):
    """One gate's weights (``rnn.gates.<gate>``): numbers for a scalar cell, or matrices and lists.

    A key left out (``None`` here) takes the cell's teaching default
    (:attr:`rnn_engine.GateSpec.defaults`): :meth:`RNNConfig.gate_values` fills it in.
    """

    w_x: float | Matrix | None = None
    w_h: float | Matrix | None = None
    b: float | Vector | None = None

    @field_validator("w_x", "w_h", mode="plain")
    @classmethod
    def _matrix(cls, value: Any) -> float | Matrix:
        return number_or_matrix(value)

    @field_validator("b", mode="plain")
    @classmethod
    def _vector(cls, value: Any) -> float | Vector:
        return number_or_vector(value)

    def values(self) -> dict[str, Any]:
        """``{"w_x": ..., "w_h": ..., "b": ...}`` as written (defaults filled in)."""
        return {"w_x": self.w_x, "w_h": self.w_h, "b": self.b}


#: Every gate name of every cell type, in registry order (one optional key each in ``rnn.gates``).
GATE_NAMES = tuple(dict.fromkeys(g.name for cell in CELLS.values() for g in cell.gates))

GatesConfig = create_model(  # type: ignore[call-overload]
    "GatesConfig",
    __base__=_Section,
    __doc__="The gates of a gated cell, by name; which names a cell takes is :data:`rnn_engine.CELLS`'s.",
    **{name: (GateConfig | None, None) for name in GATE_NAMES},
)


def _hashable(value: Any) -> Any:
    """Nested dicts and lists as nested tuples (for hashing)."""
    if isinstance(value, dict):
        return tuple((k, _hashable(v)) for k, v in value.items())
    if isinstance(value, list | tuple):
        return tuple(_hashable(v) for v in value)
    return value


#: Validation context flag: the config compares cells, so ``rnn`` may hold every cell's keys.
CELLS_COMPARED = "cells_compared"

#: Keys of ``rnn`` that only the plain cell takes, and why a gated cell refuses each.
_PLAIN_ONLY = {
    "activation": "its gates use sigmoid and its candidate tanh, fixed by the cell",
    "w_x": "each gate has its own: give it under rnn.gates.<gate>.w_x",
    "w_h": "each gate has its own: give it under rnn.gates.<gate>.w_h",
    "b": "each gate has its own: give it under rnn.gates.<gate>.b",
}


class RNNConfig(_Section):
    """The cell: the plain ``h_t = f(W_x x_t + W_h h_(t-1) + b)`` with ``h_0``, or a gated cell.

    ``cell: rnn`` (the default) takes ``activation``, ``w_x``, ``w_h``, ``b``, ``h0``.
    ``cell: lstm | gru`` takes ``gates`` (each gate's ``w_x``, ``w_h``, ``b``; an omitted gate
    or key takes the cell's teaching default, filled in here), ``h0`` and, for the LSTM, ``c0``.
    A key the cell does not take is refused, saying why. Values are kept as written.
    """

    cell: CellName = "rnn"
    activation: ActivationName = "tanh"
    w_x: float | Matrix = 0.5
    w_h: float | Matrix = 0.8
    b: float | Vector = 0.0
    h0: float | Vector = 0.0
    gates: GatesConfig | None = None  # type: ignore[valid-type]
    c0: float | Vector | None = None

    @classmethod
    def _prepare(cls, data: dict[str, Any], context: Mapping[str, Any]) -> dict[str, Any]:
        cell = data.get("cell", "rnn")
        spec = CELLS.get(cell) if isinstance(cell, str) else None
        if spec is None:
            return data  # reported by the field validator, with did-you-mean
        if context.get(CELLS_COMPARED):
            # A compare over rnn.cell: this section holds the settings of every cell compared;
            # each panel keeps its own cell's keys (explainer.config.load.substitute).
            gates = data.get("gates", {})
            for name in gates if isinstance(gates, dict) else ():
                if name not in GATE_NAMES:
                    hint = suggest(name, GATE_NAMES) if isinstance(name, str) else ""
                    raise Problem(
                        ("gates", name),
                        f"is not a gate of any cell; the gates are {', '.join(GATE_NAMES)}{hint}",
                        at_key=True,
                    )
            return data
        if not spec.is_gated:
            for key in ("gates", "c0"):
                if key in data:
                    what = "gates" if key == "gates" else "a cell state"
                    raise Problem(
                        (key,),
                        f"the plain RNN cell has no {what}; set cell: lstm or cell: gru to use {key}, or remove it",
                        at_key=True,
                    )
            return data
        for key, why in _PLAIN_ONLY.items():
            if key in data:
                raise Problem((key,), f"does not apply to the {spec.display} cell: {why}; remove it", at_key=True)
        if "c0" in data and not spec.has_cell_state:
            raise Problem(
                ("c0",), f"the {spec.display} has no cell state (only the LSTM has c); remove c0", at_key=True
            )
        gates = data.get("gates", {})
        if not isinstance(gates, dict):
            return data  # pydantic reports "expected a mapping"
        for name in gates:
            if name not in spec.gate_names:
                hint = suggest(name, spec.gate_names) if isinstance(name, str) else ""
                raise Problem(
                    ("gates", name),
                    f"is not a gate of the {spec.display}; its gates are {', '.join(spec.gate_names)}{hint}",
                    at_key=True,
                )
        if "gates" not in data:
            data["gates"] = {}  # every gate takes its defaults (see gate_values)
        if spec.has_cell_state and "c0" not in data:
            data["c0"] = 0.0
        return data

    @field_validator("w_x", "w_h", mode="plain")
    @classmethod
    def _matrix(cls, value: Any) -> float | Matrix:
        return number_or_matrix(value)

    @field_validator("b", "h0", mode="plain")
    @classmethod
    def _vector(cls, value: Any) -> float | Vector:
        return number_or_vector(value)

    @field_validator("c0", mode="plain")
    @classmethod
    def _cell_state(cls, value: Any) -> float | Vector:
        return number_or_vector(value)

    @property
    def cell_type(self) -> CellType:
        """The registry entry of :attr:`cell`."""
        return CELLS[self.cell]

    @property
    def is_gated(self) -> bool:
        return self.cell_type.is_gated

    def gate_values(self) -> dict[str, dict[str, Any]]:
        """Gate name -> ``{"w_x", "w_h", "b"}`` as written (defaults filled in); ``{}`` for the plain cell."""
        if self.gates is None:
            return {}
        out = {}
        for g in self.cell_type.gates:
            given = self.gates.__dict__[g.name]
            written = {k: v for k, v in given.values().items() if v is not None} if given is not None else {}
            out[g.name] = {**g.defaults, **written}
        return out

    def gate_key_given(self, gate: str, key: str) -> bool:
        """Whether the config wrote ``rnn.gates.<gate>.<key>`` (else it is the cell's default)."""
        given = self.gates.__dict__.get(gate) if self.gates is not None else None
        return given is not None and getattr(given, key) is not None

    def gated_params(self) -> GatedParams:
        """The engine's parameters of a gated cell (shapes checked; ``ParamsError`` names the field)."""
        return GatedParams.from_values(self.cell, self.gate_values(), self.h0, self.c0)

    @property
    def hidden_size(self) -> int:
        """``H``: the rows of ``w_h`` (1 when it is a number); for a gated cell the size all its values agree on."""
        if self.is_gated:
            return self.gated_params().hidden_size
        return len(self.w_h) if isinstance(self.w_h, tuple) else 1

    @model_validator(mode="after")
    def _shapes(self) -> RNNConfig:
        if self.is_gated:
            try:
                self.gated_params()
            except ParamsError as exc:
                path = tuple(exc.field.split("."))
                # The engine names fields from the cell down (``gates.input.b``); the file, from rnn down.
                message = re.sub(r"\b(gates\.|h0\b|c0\b)", r"rnn.\1", str(exc).split(": ", 1)[1])
                raise Problem(path, message) from None
            return self
        H = self.hidden_size
        if isinstance(self.w_h, tuple):
            for i, row in enumerate(self.w_h):
                if len(row) != H:
                    raise Problem(
                        ("w_h", i),
                        f"W_h must be square (H x H): it has {H} rows but row {i + 1} has {len(row)} numbers",
                    )
        whence = f"W_h is {H} x {H}" if H > 1 else "W_h is a single number"
        if isinstance(self.w_x, tuple) and len(self.w_x) != H:
            raise Problem(
                ("w_x",), f"has {len(self.w_x)} rows but {whence}, so H = {H}: W_x needs one row per hidden unit"
            )
        for name in ("b", "h0"):
            value = getattr(self, name)
            if isinstance(value, tuple) and len(value) != H:
                raise Problem(
                    (name,), f"has {count(len(value), 'entry')} but {whence}, so H = {H} (or give a single number)"
                )
        return self

    def written(self) -> dict[str, Any]:
        """The keys this cell takes, as written (defaults filled in): what ``to_dict`` keeps.

        In a compare over ``rnn.cell`` the section may also hold the other cells' keys
        (see :meth:`_prepare`); they are kept as written.
        """
        plain_keys = {key: getattr(self, key) for key in ("activation", "w_x", "w_h", "b")}
        if self.is_gated:
            out: dict[str, Any] = {"cell": self.cell, "gates": self.gate_values(), "h0": self.h0}
            if self.cell_type.has_cell_state or self.c0 is not None:
                out["c0"] = self.c0
            out.update({k: v for k, v in plain_keys.items() if k in self.model_fields_set})
            return out
        out = {"cell": self.cell, **plain_keys, "h0": self.h0}
        if self.gates is not None:
            out["gates"] = {
                name: {k: v for k, v in gate.values().items() if v is not None}
                for name, gate in self.gates.__dict__.items()
                if gate is not None
            }
        if self.c0 is not None:
            out["c0"] = self.c0
        return out

    # Equal by what the cell computes with: an omitted gate equals one written with its defaults.
    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self.written() == other.written()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(_hashable(self.written()))

    def gated_values(self) -> dict[str, Any]:
        """Every key written for a gated cell (``gates``, ``c0``), whatever this cell is (compare panels)."""
        return {k: v for k, v in self.written().items() if k in ("gates", "c0")}


class CompareConfig(_Section):
    """Panels that differ in one field: ``values`` are substituted at ``field`` one by one."""

    field: CompareField
    values: tuple[Any, ...]

    @classmethod
    def _prepare(cls, data: dict[str, Any], context: Mapping[str, Any]) -> dict[str, Any]:
        field, values = data.get("field"), data.get("values")
        parse = FIELD_PARSERS.get(field) if isinstance(field, str) else None
        if parse is None or not is_list(values) or not 2 <= len(values) <= 4:
            return data  # reported by the field validators
        parsed = [parse(v, ("values", i)) for i, v in enumerate(values)]
        for i, v in enumerate(parsed):
            if v in parsed[:i]:
                raise Problem(("values", i), f"repeats value {parsed.index(v) + 1}; each panel needs its own value")
        data["values"] = parsed
        return data

    @field_validator("values", mode="plain")
    @classmethod
    def _values(cls, value: Any) -> tuple[Any, ...]:
        if not is_list(value):
            raise Problem((), f"expected a list of 2 to 4 values, got {describe(value)}")
        if len(value) < 2:
            raise Problem((), f"has {len(value)} value(s); a comparison needs 2 to 4")
        if len(value) > 4:
            raise Problem((4,), f"is value {len(value)} of {len(value)}; a comparison shows at most 4")
        return frozen(value)  # type: ignore[no-any-return]


class MemoryConfig(_Section):
    """The perturbation for the ``memory`` scene: change ``x`` at one step and watch ``h``."""

    perturb_step: int = Field(1, ge=1)
    delta: float = 1.0
    drop: bool = False

    @classmethod
    def _prepare(cls, data: dict[str, Any], context: Mapping[str, Any]) -> dict[str, Any]:
        if data.get("drop") is True and "delta" in data:
            raise Problem(
                ("delta",),
                "cannot be combined with drop: true (drop sets x to 0; delta adds to x); remove one",
                at_key=True,
            )
        return data

    @model_validator(mode="after")
    def _check(self) -> MemoryConfig:
        if not self.drop and self.delta == 0:
            raise Problem(("delta",), "is 0, so the perturbed run would equal the original")
        return self


class StyleConfig(_Section):
    """Look and pacing."""

    theme: Theme = "dark"
    step_seconds: float = Field(2.0, ge=0.25, le=10)
    fast_after: int = Field(4, ge=0, le=MAX_LENGTH)
    fast_step_seconds: float = Field(0.6, ge=0.1, le=10)
    precision: int = Field(2, ge=0, le=4)
    #: Characters a second the captions are paced at (sections last as long as their words need).
    reading_speed: float = Field(15.0, ge=8, le=20)
    #: ``sidecar``: captions in the .srt beside the video; ``burn``: also drawn into the frames.
    captions: CaptionMode = "sidecar"
    #: ``words``: a section lasts as long as its words need (reading or speech); ``animation``:
    #: only as long as its animation (the lecture deck's timeline: the lecturer speaks).
    pacing: Literal["words", "animation"] = "words"


class NarrationConfig(_Section):
    """Who speaks the script: ``none`` (silent), ``neural`` (piper), ``light`` (espeak-ng) or ``recorded``."""

    voice: Voice = "none"
    #: 1 is the voice's natural pace (neural and light voices).
    speed: float = Field(1.0, ge=0.7, le=1.5)
    #: ``recorded``: the folder of the lecturer's takes, relative to the config file.
    takes: str | None = None

    @model_validator(mode="after")
    def _check(self) -> NarrationConfig:
        if self.takes is not None and self.voice != "recorded":
            raise Problem(
                ("takes",), f"is only for voice: recorded (this narration's voice is '{self.voice}')", at_key=True
            )
        if self.takes is not None and not self.takes.strip():
            raise Problem(("takes",), "is empty; give the folder of the recorded takes")
        return self


class SlidesConfig(_Section):
    """The lecture deck (``render.py slides``)."""

    #: ``each``: one slide per fast step; ``grouped``: a run of fast steps on one slide.
    fast_steps: Literal["each", "grouped"] = "each"
    #: Also write every slide backwards (manim-slides' presenter plays them on its reverse key).
    reversed: bool = True


class OutputConfig(_Section):
    """Where and how the clip is written: ``out/<name>/``."""

    name: str = DEFAULT_NAME
    quality: Quality = "h"
    format: Format = "mp4"
    #: ``standard``: Manim's x264 settings; ``fast``: less encoding time at the same measured
    #: quality (:data:`explainer.media.ENCODERS`). mp4 only; other formats ignore it.
    encoder: Encoder = "standard"

    @field_validator("name", mode="plain")
    @classmethod
    def _name(cls, value: Any) -> str:
        if not isinstance(value, str):
            raise Problem((), f"expected a name (text), got {describe(value)}")
        shown = quoted(value, 70)
        if value.startswith(("/", "\\")) or re.match(r"[A-Za-z]:[\\/]", value):
            raise Problem((), f"{shown} is an absolute path; give a plain folder name such as sine_tanh")
        if ".." in value:
            raise Problem((), f"{shown} contains '..'; give a plain folder name such as sine_tanh")
        if "/" in value or "\\" in value:
            raise Problem((), f"{shown} contains a path separator; give a plain folder name such as sine_tanh")
        if not NAME_RE.fullmatch(value):
            raise Problem(
                (),
                f"{shown} is not a valid name: 1 to 64 characters, letters, digits, '.', '_' or '-', "
                "starting with a letter or digit",
            )
        return value


class Config(_Section):
    """A complete, validated explainer config (frozen; compare with ``==`` by content).

    Made only by :mod:`explainer.config.load` (:func:`~explainer.config.load_config`,
    :func:`~explainer.config.load_config_text`, :func:`~explainer.config.from_dict`,
    :func:`~explainer.config.with_overrides`), which also records where it came from
    (the private attributes below) so that errors in derived configs still point into
    the file. :meth:`to_dict` gives plain JSON-able data.
    """

    title: str
    scene: Scene = "unrolled"
    sequence: SequenceConfig
    rnn: RNNConfig = RNNConfig()
    compare: CompareConfig | None = None
    memory: MemoryConfig = MemoryConfig()
    style: StyleConfig = StyleConfig()
    output: OutputConfig = OutputConfig()
    narration: NarrationConfig = NarrationConfig()
    slides: SlidesConfig = SlidesConfig()

    _source: Path | None = PrivateAttr(None)
    _filename: str = PrivateAttr("<config>")
    _raw: dict[str, Any] = PrivateAttr(default_factory=dict)
    _positions: Positions | None = PrivateAttr(None)
    _origins: dict[FieldPath, str] = PrivateAttr(default_factory=dict)
    #: The validated config of each compare panel (the loader checks them as whole configs).
    _panels: tuple[Config, ...] = PrivateAttr(())

    # Equality and hashing by content: where a config came from is not part of it.
    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self.__dict__ == other.__dict__

    def __hash__(self) -> int:
        return hash((type(self), tuple(self.__dict__.values())))

    @classmethod
    def _prepare(cls, data: dict[str, Any], context: Mapping[str, Any]) -> dict[str, Any]:
        compare = data.get("compare")
        if isinstance(compare, dict) and compare.get("field") == "rnn.cell" and isinstance(context, dict):
            # Seen by the rnn section's validator, which runs after this one (same context object).
            context[CELLS_COMPARED] = True
        scene = data.get("scene", "unrolled")
        kind = SCENE_KINDS.get(scene) if isinstance(scene, str) else None
        if kind is not None and kind.default_compare is not None and "compare" not in data:
            data["compare"] = copy.deepcopy(kind.default_compare)
        if "title" not in data:
            # Raw, unvalidated input: anything but the expected strings gives the plain title.
            compare = data.get("compare")
            field = compare.get("field") if isinstance(compare, dict) else None
            rnn = data.get("rnn")
            name = rnn.get("cell") if isinstance(rnn, dict) else None
            cell = CELLS.get(name) if isinstance(name, str) else None
            kind = kind or SCENE_KINDS["unrolled"]
            if cell is not None and cell.is_gated and kind.gated is not None:
                data["title"] = kind.gated.title(cell.display)
            else:
                data["title"] = kind.title(field if isinstance(field, str) else None)
        output = data.get("output", {})
        if isinstance(output, dict) and "name" not in output:
            data["output"] = {**output, "name": context.get("default_name", DEFAULT_NAME)}
        return data

    @field_validator("title", mode="plain")
    @classmethod
    def _title(cls, value: Any) -> str:
        if not isinstance(value, str):
            raise Problem((), f"expected text, got {describe(value)} (quote it)")
        if not value.strip():
            raise Problem((), "is empty; give a title or remove the key for a default one")
        if _LINE_BREAK.search(value):
            raise Problem((), "must be a single line")
        if len(value) > MAX_TITLE:
            raise Problem((), f"is {len(value)} characters long; at most {MAX_TITLE} fit on screen")
        return value

    @model_validator(mode="after")
    def _cross_check(self) -> Config:
        seq, rnn = self.sequence, self.rnn
        D, H = seq.input_size, rnn.hidden_size
        if rnn.is_gated:
            self._check_gate_inputs(D, H)
        elif isinstance(rnn.w_x, tuple):
            for i, row in enumerate(rnn.w_x):
                if len(row) != D:
                    raise Problem(
                        ("rnn", "w_x", i),
                        f"row {i + 1} has {count(len(row), 'number')} but the inputs have "
                        f"D = {D}; W_x must be H x D = {H} x {D}",
                    )
        elif D != 1:
            which = "is a single number" if "w_x" in rnn.model_fields_set else "is not given (the default is a number)"
            raise Problem(
                ("rnn", "w_x"),
                f"{which} but the inputs have D = {D} components; "
                f"give an H x D = {H} x {D} matrix (a list of {count(H, 'row')} of {count(D, 'number')})",
            )
        if self.memory.perturb_step > seq.length:
            raise Problem(
                ("memory", "perturb_step"),
                f"is {self.memory.perturb_step} but the sequence has only {seq.length} steps (must be 1..{seq.length})",
            )
        if self.scene == "memory" and seq.length > 1 and self.memory.perturb_step == seq.length:
            raise Problem(
                ("memory", "perturb_step"),
                f"is {seq.length}, the last step: no later step is left to show how long the change echoes "
                f"(must be 1..{seq.length - 1})",
            )
        kind = SCENE_KINDS[self.scene]
        cells_compared = self.compare is not None and self.compare.field == "rnn.cell"
        if cells_compared and rnn.is_gated:
            raise Problem(
                ("rnn", "cell"),
                "is the base of a comparison of cells, whose panels set it; leave it out (or cell: rnn)",
            )
        if kind.gated is not None and kind.compare_fields and rnn.is_gated:
            raise Problem(
                ("rnn", "cell"),
                f"scene '{kind.name}' draws gated cells only side by side with the others (compare.field: "
                "rnn.cell); for one gated cell use scene: unrolled",
            )
        if not kind.draws(rnn.cell):
            takers = ", ".join(k.name for k in SCENE_KINDS.values() if k.gated is not None and not k.compare_fields)
            raise Problem(
                ("rnn", "cell"),
                f"scene '{kind.name}' draws the plain RNN only (cell: rnn); the {rnn.cell_type.display} "
                f"is drawn by scene: {takers}, or beside the others by scene: compare with compare.field: rnn.cell",
            )
        if kind.needs_compare and self.compare is None:
            raise Problem(
                ("scene",),
                f"'{kind.name}' needs a 'compare' section: field one of {', '.join(kind.compare_fields)} "
                "and 2 to 4 values",
            )
        if not kind.compare_fields and self.compare is not None:
            takers = ", ".join(k.name for k in SCENE_KINDS.values() if k.compare_fields)
            raise Problem(
                ("compare",),
                f"scene '{kind.name}' takes no compare section (only {takers} do); remove it, or use one of those",
                at_key=True,
            )
        if kind.compare_fields and self.compare is not None and self.compare.field not in kind.compare_fields:
            raise Problem(
                ("compare", "field"),
                f"scene '{kind.name}' varies a weight; expected one of {', '.join(kind.compare_fields)}, "
                f"got '{self.compare.field}' (use scene: compare for it)",
            )
        return self

    def _check_gate_inputs(self, D: int, H: int) -> None:
        """Each gate's ``w_x`` must take the inputs' D components (a number only when D = 1)."""
        for name, values in self.rnn.gate_values().items():
            w_x = values["w_x"]
            path = ("rnn", "gates", name, "w_x")
            if isinstance(w_x, tuple):
                # A single row is H = 1's row (D = its length); otherwise a matrix of H rows.
                rows = w_x if isinstance(w_x[0], tuple) else (w_x,)
                for i, row in enumerate(rows):
                    if len(row) != D:
                        raise Problem(
                            (*path, i),
                            f"row {i + 1} has {count(len(row), 'number')} but the inputs have "
                            f"D = {D}; W_x must be H x D = {H} x {D}",
                        )
            elif D != 1:
                given = self.rnn.gate_key_given(name, "w_x")
                raise Problem(
                    path if given else ("rnn", "gates"),
                    f"{'is a single number' if given else f'({path[2]}.w_x) is not given (the default is a number)'}"
                    f" but the inputs have D = {D} components; "
                    f"give an H x D = {H} x {D} matrix (a list of {count(H, 'row')} of {count(D, 'number')})",
                )

    @property
    def source(self) -> Path | None:
        """The YAML file this config was read from (``None`` for text or dicts)."""
        return self._source

    @property
    def scene_cell(self) -> str:
        """Which cell the scene draws: ``rnn.cell``, or ``mixed`` when the panels compare cells.

        With :attr:`scene` it picks the scene class and its words
        (:meth:`explainer.scene_kinds.SceneKind.class_path`).
        """
        if self.compare is not None and self.compare.field == "rnn.cell":
            return "mixed"
        return self.rnn.cell

    @property
    def panels(self) -> tuple[Config, ...]:
        """The validated config of each compare panel, in ``compare.values`` order (empty without one)."""
        return self._panels

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

        ``from_dict(cfg.to_dict()) == cfg``. Keys that do not apply are left out
        (other kinds' parameters, ``values`` for presets, ``compare`` when absent,
        ``memory.delta`` when ``drop`` is true).
        """
        # Python mode plus plain: pydantic's JSON mode warns about tuples made by plain validators.
        data: dict[str, Any] = plain(self.model_dump(exclude_none=True))
        data["rnn"] = plain(self.rnn.written())
        if self.memory.drop:
            data["memory"].pop("delta", None)
        return data
