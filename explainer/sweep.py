"""Sweep files: one base config and the values to vary, expanded into validated clip configs.

A sweep file names a ``base`` config and what to vary::

    name: sine_sweep            # optional; default: the sweep file's stem
    base: ../sine.yaml          # a config file (relative to this file), or an inline mapping
    grid:                       # dotted field paths -> lists of values: the cartesian product
      rnn.activation: [tanh, relu]
      rnn.w_h: [0.5, 1.5]
    variants:                   # explicit override sets, each optionally named
      - name: small_bias
        rnn.b: 0.1
      - rnn: {b: -0.1, h0: 0.5} # nested mappings mean the same as dotted paths

With both ``grid`` and ``variants``, **each variant is crossed with the grid**
(variants outermost): 2 variants x a 4-point grid give 8 clips. A field may be set
by the grid or by a variant, not both. Mapping values (in a variant, or as a grid
value such as ``sequence: [{kind: sine}, {kind: linear, step: 2}]``) are merged into
the base field by field, like dotted paths.

Every expanded job is a fully validated :class:`~explainer.config.Config` whose
``output.name`` is the clip name. Clip names are deterministic and readable: the base
name, then the variant's ``name`` (or its values), then one ``field_value`` part per
grid field, joined by ``-``, e.g. ``sine-activation_relu-w_h_1.5``. A field is labelled
by its last path part unless two varied fields share it (then the full path). Names
are sanitised to ``^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$``; longer ones are cut and get a
short hash suffix so they stay unique. Two jobs with the same name are an error.

Every problem is a :class:`~explainer.config.ConfigError` pointing into the sweep
file, e.g. ``sweeps/a.yaml:7:12: grid.rnn.w_h[2]: expected a number, got the text 'x'``
(or into the base file, for a base that is invalid on its own). Loading a sweep never
imports Manim.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from explainer.config import Config, ConfigError, check_renderable, from_dict, load_config, with_overrides
from explainer.config.errors import describe, suggest
from explainer.config.reader import (
    MAX_BYTES,
    FieldPath,
    Positions,
    YamlError,
    decode_source,
    format_path,
    parse_yaml,
)
from explainer.naming import DOTTED_RE, MAX_NAME, NAME_RE, format_value, quoted, safe_name, short_value

__all__ = [
    "MAX_JOBS",
    "Sweep",
    "SweepJob",
    "clip_name",
    "load_sweep",
    "load_sweep_text",
    "sanitize_name",
]

#: A sweep expanding to more clips than this is refused (a typo in a grid multiplies fast).
MAX_JOBS = 1000
_TOP_KEYS = ("name", "description", "base", "grid", "variants")
_EMPTY = "the file is empty; a sweep needs base: and grid: and/or variants:"
#: What a ``base:`` file may be called: a config of ours is YAML.
_CONFIG_SUFFIXES = (".yaml", ".yml")
_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


@dataclass(frozen=True)
class SweepJob:
    """One clip of a sweep.

    Attributes
    ----------
    name
        The clip name (``config.output.name``), unique within the sweep.
    config
        The fully validated config to render.
    params
        What this clip sets, dotted field path -> value, in sweep order: the variant's
        overrides, then the grid's.
    variant
        The variant's ``name`` (``None`` for an unnamed variant or no variants).
    """

    name: str
    config: Config
    params: Mapping[str, Any]
    variant: str | None = None


@dataclass(frozen=True)
class Sweep:
    """An expanded sweep: its name, where it came from, and its jobs in order."""

    name: str
    source: Path | None
    jobs: tuple[SweepJob, ...]
    fields: tuple[str, ...] = field(default=())  # every field path some job varies, in sweep order

    def __len__(self) -> int:
        return len(self.jobs)


# ----------------------------------------------------------------------------- names


def sanitize_name(text: str, max_len: int = MAX_NAME) -> str:
    """A valid output name from ``text`` (:func:`explainer.naming.safe_name` with ``-``).

    Characters outside ``[A-Za-z0-9._-]`` become ``-`` (runs collapse to one), ``..``
    becomes ``.``, and leading punctuation is dropped. Over-long names are cut and get
    a hash suffix taken from the full text, so two long names that differ only past the
    cut stay different.
    """
    return safe_name(text, separator="-", fallback="clip", max_len=max_len)


def _value_part(value: Any) -> str:
    """How a value reads inside a clip name (``1.5``, ``relu``, ``2x2_1_0_0_1``)."""
    if isinstance(value, Mapping):
        return "_".join(_value_part(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        if value and all(isinstance(v, (list, tuple)) for v in value):
            cols = len(value[0])
            flat = [_value_part(x) for row in value for x in row]
            return f"{len(value)}x{cols}_" + "_".join(flat)
        return "_".join(_value_part(v) for v in value)
    return format_value(value)


def _labels(paths: Sequence[str]) -> dict[str, str]:
    """Short label per field path: its last part, unless another varied field shares it."""
    leaves = [p.rsplit(".", 1)[-1] for p in paths]
    return {p: (leaf if leaves.count(leaf) == 1 else p) for p, leaf in zip(paths, leaves, strict=True)}


def clip_name(
    base: str, parts: Sequence[tuple[str, Any]], variant: str | None = None, labels: Mapping[str, str] | None = None
) -> str:
    """The clip name for ``base`` with the given ``(field path, value)`` parts.

    Examples
    --------
    >>> clip_name("sine", [("rnn.activation", "relu"), ("rnn.w_h", 1.5)])
    'sine-activation_relu-w_h_1.5'
    """
    labels = labels or _labels([p for p, _ in parts])
    pieces = [base] + ([variant] if variant else [])
    pieces += [f"{labels.get(p, p)}_{_value_part(v)}" for p, v in parts]
    return sanitize_name("-".join(pieces))


# ----------------------------------------------------------------------------- errors


def _parse_field(text: str) -> FieldPath:
    """``"rnn.w_h[1][0]"`` -> ``("rnn", "w_h", 1, 0)``."""
    return tuple(int(m.group(2)) if m.group(2) is not None else m.group(1) for m in _PATH_PART.finditer(text))


class _Doc:
    """The sweep file as read: data, positions and the label errors name."""

    def __init__(self, label: str, data: Any, positions: Positions) -> None:
        self.label = label
        self.data = data
        self.positions = positions

    def error(self, path: FieldPath, message: str, at_key: bool = False) -> ConfigError:
        mark = self.positions.keys.get(path) if at_key else None
        if mark is None:
            mark = self.positions.values.get(path)
        if mark is None:
            near = self.positions.nearest(path)
            mark = near[1] if near else (1, 1)
        return ConfigError(self.label, mark[0], mark[1], format_path(path), message, path)


# ----------------------------------------------------------------------------- overrides


@dataclass(frozen=True)
class _Override:
    """One dotted-path override and where in the sweep file it was written."""

    path: str  # dotted config field
    value: Any
    at: FieldPath  # its value node in the sweep document
    key_at: FieldPath  # the key naming the field (for "unknown key" errors)


def _flatten(doc: _Doc, prefix: str, value: Any, at: FieldPath, key_at: FieldPath) -> list[_Override]:
    """Mapping values become one override per leaf (merged into the base field by field)."""
    if isinstance(value, Mapping) and value:
        out: list[_Override] = []
        for key, sub in value.items():
            if not DOTTED_RE.fullmatch(key):
                raise doc.error((*at, key), f"{quoted(key)} is not a field name", at_key=True)
            out += _flatten(doc, f"{prefix}.{key}", sub, (*at, key), (*at, key))
        return out
    return [_Override(prefix, value, at, key_at)]


def _check_path(doc: _Doc, key: Any, at: FieldPath) -> None:
    if not isinstance(key, str) or not DOTTED_RE.fullmatch(key):
        raise doc.error(at, f"{quoted(str(key))} is not a dotted field path such as rnn.w_h", at_key=True)
    if key == "output.name" or key.startswith("output.name."):
        raise doc.error(at, "clip names are made by the sweep; use a variant's 'name:' instead", at_key=True)


def _overlap(a: str, b: str) -> bool:
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


# ----------------------------------------------------------------------------- loading


def _read_doc(path: Path, label: str) -> _Doc:
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ConfigError(label, 1, 1, "", f"cannot read the sweep file: {exc.strerror or exc}") from None
    try:
        doc = parse_yaml(decode_source(raw), empty=_EMPTY)
    except YamlError as exc:
        raise ConfigError(label, exc.line, exc.col, format_path(exc.path), exc.message, exc.path) from None
    return _Doc(label, doc.data, doc.positions)


def load_sweep(path: str | Path) -> Sweep:
    """Read, check and expand the sweep file at ``path``.

    Raises
    ------
    ConfigError
        Anything wrong with the sweep, its base or any expanded job, as one line
        naming the sweep file's line and the field (``grid.rnn.w_h[2]``).
    """
    path = Path(path)
    return _expand(_read_doc(path, str(path)), path)


def load_sweep_text(text: str, filename: str = "<sweep>", base_dir: str | Path | None = None) -> Sweep:
    """Expand sweep text; a ``base:`` path is resolved against ``base_dir`` (default: cwd)."""
    try:
        doc = parse_yaml(decode_source(text.encode("utf-8", "surrogatepass")), empty=_EMPTY)
    except YamlError as exc:
        raise ConfigError(filename, exc.line, exc.col, format_path(exc.path), exc.message, exc.path) from None
    source = None if filename.startswith("<") else Path(filename)
    anchor = Path(base_dir) / "sweep.yaml" if base_dir is not None else (source or Path("sweep.yaml"))
    sweep = _expand(_Doc(filename, doc.data, doc.positions), anchor)
    return Sweep(sweep.name, source, sweep.jobs, sweep.fields)


def _sweep_name(doc: _Doc, path: Path) -> str:
    name = doc.data.get("name")
    if name is None:
        return sanitize_name(path.stem)
    if not isinstance(name, str) or not NAME_RE.fullmatch(name):
        raise doc.error(
            ("name",),
            f"{short_value(name) if not isinstance(name, str) else quoted(name)} is not a valid name: 1 to 64 "
            "characters, letters, digits, '.', '_' or '-', starting with a letter or digit",
        )
    return name


def _load_base(doc: _Doc, path: Path, sweep_name: str) -> tuple[Config, str]:
    """The base config and the base part of clip names."""
    base = doc.data.get("base")
    if base is None:
        raise doc.error((), "a sweep needs 'base:', a config file path or an inline config mapping")
    if isinstance(base, str):
        return _load_base_file(doc, path, base)
    if not isinstance(base, Mapping):
        raise doc.error(("base",), "expected a config file path or an inline config mapping")
    try:
        cfg = from_dict(base, filename=doc.label)
    except ConfigError as exc:
        where = exc.path if exc.path is not None else _parse_field(exc.field)
        raise doc.error(("base", *where), exc.message, at_key=exc.message.startswith("unknown key")) from None
    explicit = isinstance(base.get("output"), Mapping) and "name" in base["output"]
    return cfg, (cfg.name if explicit else sweep_name)


def _load_base_file(doc: _Doc, path: Path, base: str) -> tuple[Config, str]:
    """The base config named by a path, relative to the sweep file.

    It may be anywhere (sweeps conventionally sit in a folder beside their configs and
    name ``../x.yaml``), but it must be a ``.yaml``/``.yml`` file, and one that is not an
    explainer config is refused without showing any of its content (see the module
    docstring).
    """
    shown = quoted(base, 60)
    try:
        base_path = (path.parent / base) if not Path(base).is_absolute() else Path(base)
        real = base_path.resolve()
        found = real.is_file()
    except (OSError, ValueError) as exc:  # a name too long, a NUL, a loop of links
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise doc.error(("base",), f"config file {shown} cannot be opened: {why}") from None
    if real.suffix.lower() not in _CONFIG_SUFFIXES:
        link = f" (it is a link to {quoted(str(real), 60)})" if real.name != base_path.name else ""
        raise doc.error(("base",), f"{shown} is not a config file: a base config is a .yaml or .yml file{link}")
    if not found:
        raise doc.error(("base",), f"config file {shown} not found (looked for {quoted(str(base_path), 80)})")
    cfg = load_config(base_path)  # its own errors name its own file and line
    return cfg, cfg.name


def _grid(doc: _Doc) -> list[tuple[str, list[list[_Override]]]]:
    """Grid axes: field path -> per value, the overrides that value makes."""
    grid = doc.data.get("grid")
    if grid is None:
        return []
    if not isinstance(grid, Mapping) or not grid:
        raise doc.error(("grid",), "expected a mapping of field paths to lists of values, e.g. rnn.w_h: [0.5, 1.5]")
    axes = []
    for key, values in grid.items():
        _check_path(doc, key, ("grid", key))
        if not isinstance(values, list) or not values:
            raise doc.error(
                ("grid", key),
                f"expected a non-empty list of values for {key}, e.g. [0.5, 1.5] "
                "(a single value belongs in the base config)",
            )
        axes.append((key, [_flatten(doc, key, v, ("grid", key, i), ("grid", key)) for i, v in enumerate(values)]))
    for (a, _), (b, _) in itertools.combinations(axes, 2):
        if _overlap(a, b):
            raise doc.error(("grid", b), f"overlaps grid field '{a}'; vary each field once", at_key=True)
    return axes


def _variants(doc: _Doc) -> list[tuple[str | None, list[_Override]]]:
    variants = doc.data.get("variants")
    if variants is None:
        return []
    if not isinstance(variants, list) or not variants:
        raise doc.error(("variants",), "expected a non-empty list of mappings (each: optional name, field overrides)")
    out = []
    for i, entry in enumerate(variants):
        at = ("variants", i)
        if not isinstance(entry, Mapping):
            raise doc.error(at, "expected a mapping of field paths to values (and an optional name:)")
        name = entry.get("name")
        if "name" in entry and (not isinstance(name, str) or not NAME_RE.fullmatch(name)):
            shown = quoted(name) if isinstance(name, str) else describe(name)
            raise doc.error(
                (*at, "name"),
                f"{shown} is not a valid name: letters, digits, '.', '_' or '-', starting with a letter or digit",
            )
        overrides: list[_Override] = []
        for key, value in entry.items():
            if key == "name":
                continue
            _check_path(doc, key, (*at, key))
            overrides += _flatten(doc, key, value, (*at, key), (*at, key))
        if not overrides and name is None:
            raise doc.error(at, "an empty variant; give field overrides (and optionally a name)")
        for a, b in itertools.combinations(overrides, 2):
            if _overlap(a.path, b.path):
                raise doc.error(b.at, f"sets '{b.path}', which this variant already sets as '{a.path}'", at_key=True)
        out.append((name, overrides))
    return out


def _expand(doc: _Doc, path: Path) -> Sweep:
    if not isinstance(doc.data, Mapping):
        raise doc.error((), "a sweep file is a mapping with base: and grid: and/or variants:")
    for key, value in doc.data.items():
        if key not in _TOP_KEYS:
            raise doc.error(
                (key,),
                f"unknown key {quoted(key)}{suggest(key, _TOP_KEYS)}; valid keys: {', '.join(_TOP_KEYS)}",
                at_key=True,
            )
        if value is None:  # "grid:" with nothing under it is a mistake, not "no grid"
            raise doc.error((key,), "has no value; give one, or remove the key")
    if "grid" not in doc.data and "variants" not in doc.data:
        raise doc.error((), "a sweep needs 'grid:' (values to combine) and/or 'variants:' (explicit override sets)")
    name = _sweep_name(doc, path)
    axes = _grid(doc)
    variants = _variants(doc)
    base, base_name = _load_base(doc, path, name)

    grid_paths = [key for key, _ in axes]
    for _, overrides in variants:
        for ov in overrides:
            clash = next((g for g in grid_paths if _overlap(g, ov.path)), None)
            if clash is not None:
                raise doc.error(
                    ov.at,
                    f"'{ov.path}' is also varied by grid '{clash}'; a field is set by the grid "
                    "or by a variant, not both",
                    at_key=True,
                )

    count = max(1, len(variants)) * _product([len(v) for _, v in axes])
    if count > MAX_JOBS:
        raise doc.error(
            ("grid",) if axes else ("variants",),
            f"expands to {count} clips; at most {MAX_JOBS} are allowed in one sweep",
        )

    # Field order for names, manifests and galleries: variant fields, then grid fields.
    fields: list[str] = []
    for _, overrides in variants:
        fields += [ov.path for ov in overrides if ov.path not in fields]
    fields += grid_paths
    labels = _labels(fields)

    jobs: list[SweepJob] = []
    coords: dict[str, list[FieldPath]] = {}
    for vi, (vname, v_overrides) in enumerate(variants or [(None, [])]):
        # Where each job comes from, for pointing at the second of two jobs with one name.
        v_at: list[FieldPath] = [("variants", vi, "name") if vname else ("variants", vi)] if variants else []
        for combo in itertools.product(*(range(len(vals)) for _, vals in axes)):
            chosen = [
                (key, doc.data["grid"][key][i], vals[i], ("grid", key, i))
                for (key, vals), i in zip(axes, combo, strict=True)
            ]
            params: dict[str, Any] = {ov.path: ov.value for ov in v_overrides}
            params |= {key: value for key, value, _, _ in chosen}
            name_parts = [] if vname else [(ov.path, ov.value) for ov in v_overrides]
            name_parts += [(key, value) for key, value, _, _ in chosen]
            cname = clip_name(base_name, name_parts, vname, labels)
            where = v_at + [at for _, _, _, at in chosen]
            if cname in coords:
                first = coords[cname]
                at, other = next(((w, f) for w, f in zip(where, first, strict=True) if w != f), (where[-1], first[-1]))
                raise doc.error(
                    at,
                    f"clip name '{cname}' is made twice (also by {format_path(other)}); "
                    "give the variants distinct names or the grid distinct values",
                )
            coords[cname] = where
            overrides = [*v_overrides, *(ov for _, _, ovs, _ in chosen for ov in ovs)]
            cfg = _job_config(doc, base, overrides, cname)
            jobs.append(SweepJob(cname, cfg, params, vname))
    return Sweep(name, path, tuple(jobs), tuple(fields))


def _product(sizes: Sequence[int]) -> int:
    out = 1
    for s in sizes:
        out *= s
    return out


def _job_config(doc: _Doc, base: Config, overrides: Sequence[_Override], name: str) -> Config:
    """Validate ``base`` with ``overrides``; map any error to the sweep line that caused it."""
    mapping = {ov.path: ov.value for ov in overrides}
    try:
        cfg = with_overrides(base, {**mapping, "output.name": name}, origin=doc.label)
    except ConfigError as exc:
        raise _job_error(doc, base, overrides, exc) from None
    _check_limits(doc, base, cfg, overrides)
    return cfg


def _job_error(doc: _Doc, base: Config, overrides: Sequence[_Override], exc: ConfigError) -> ConfigError:
    where = exc.path if exc.path is not None else _parse_field(exc.field)
    # An error inside an overridden value: point at that value in the sweep file.
    for ov in overrides:
        parts = tuple(ov.path.split("."))
        if where[: len(parts)] == parts:
            if exc.message.startswith("unknown key") and len(where) == len(parts):
                return doc.error(ov.key_at, exc.message, at_key=True)
            return doc.error((*ov.at, *where[len(parts) :]), exc.message)
    # Otherwise a rule across fields broke; find the override that breaks it on its own.
    for ov in overrides:
        try:
            with_overrides(base, {ov.path: ov.value}, origin=doc.label)
        except ConfigError as single:
            return doc.error(
                ov.at,
                f"with {ov.path} = {short_value(ov.value)}: {single.field}: {single.message}"
                if single.field
                else f"with {ov.path} = {short_value(ov.value)}: {single.message}",
            )
    shown = ", ".join(f"{ov.path} = {short_value(ov.value)}" for ov in overrides)
    return doc.error(
        overrides[-1].at if overrides else ("base",),
        f"with {shown}: {exc.field}: {exc.message}" if exc.field else f"with {shown}: {exc.message}",
    )


def _check_limits(doc: _Doc, base: Config, cfg: Config, overrides: Sequence[_Override]) -> None:
    """What the scene cannot draw is refused here too, before any rendering."""
    try:
        check_renderable(cfg)
    except ConfigError as exc:
        raise _job_error(doc, base, overrides, exc) from None
