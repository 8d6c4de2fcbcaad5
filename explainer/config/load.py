"""Loading configs: read the YAML, layer overrides, validate, check the panels and what a scene can draw.

Values are layered in one order, later winning: the shipped defaults (the model
fields), the YAML file, then *overrides* -- dotted paths such as
``{"output.quality": "l"}`` from command-line flags or batch sweeps. The result is
validated once, here; nothing downstream re-validates raw dicts.

Besides the schema, two rules need whole configs and so live here, not in the models:

- each ``compare`` value, substituted at ``compare.field``, must give a valid config
  on its own; the validated panel configs are kept on the result (``cfg.panels``), so
  the runs never validate them again;
- what the scene can draw (:func:`check_renderable`, from the scene registry's limits):
  the schema accepts what the engine can compute (512 steps, 64 units), a scene draws
  less. ``validate``, ``render`` and ``batch`` call it; ``trace`` does not need to.

Every problem becomes a :class:`~explainer.config.errors.ConfigError` whose ``str`` is
one line, located with :mod:`explainer.config.locate`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from explainer.config.errors import COMMAND_LINE, ConfigError, Problem, describe, suggest
from explainer.config.locate import error_from, locate, translate
from explainer.config.reader import (
    MAX_BYTES,
    FieldPath,
    Positions,
    YamlError,
    decode_source,
    format_path,
    parse_yaml,
    parse_yaml_scalar,
)
from explainer.config.schema import DEFAULT_NAME, SEQUENCE_PARAMS, Config
from explainer.config.values import plain
from explainer.naming import DOTTED_RE, printable, quoted, safe_name, short_value
from explainer.scene_kinds import SCENE_KINDS
from rnn_engine.cells import CELLS, CellType
from rnn_engine.sequences import SEQUENCE_DEFAULTS

__all__ = [
    "check_renderable",
    "from_dict",
    "load_config",
    "load_config_bytes",
    "load_config_text",
    "parse_override",
    "substitute",
    "with_overrides",
]


def substitute(data: dict[str, Any], dotted: str, value: Any, keep: frozenset[str] = frozenset()) -> dict[str, Any]:
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
    if parts == ["rnn", "cell"] and isinstance(value, str) and value in CELLS:
        _keep_cell_keys(node, CELLS[value])
    if parts == ["sequence", "kind"] and isinstance(value, str) and value in SEQUENCE_DEFAULTS:
        for param in (*SEQUENCE_PARAMS, "values"):
            accepted = param in SEQUENCE_DEFAULTS[value] or (param == "values" and value == "custom")
            if not accepted and param not in keep:
                node.pop(param, None)
    return out


def _keep_cell_keys(rnn: dict[str, Any], cell: CellType) -> None:
    """Drop from an ``rnn`` mapping what ``cell`` does not take (a compare over cells sets each panel's)."""
    if cell.is_gated:
        for key in ("activation", "w_x", "w_h", "b"):
            rnn.pop(key, None)
        if not cell.has_cell_state:
            rnn.pop("c0", None)
        gates = rnn.get("gates")
        if isinstance(gates, dict):
            rnn["gates"] = {k: v for k, v in gates.items() if k in cell.gate_names}
    else:
        rnn.pop("gates", None)
        rnn.pop("c0", None)


def _panels(cfg: Config) -> tuple[Config, ...]:
    """Each compare value substituted into ``cfg``, validated as a plain (unrolled) config.

    Raises :class:`Problem` at ``compare.values[i]`` for the first panel that is invalid.
    """
    compare = cfg.compare
    if compare is None:
        return ()
    field_path = tuple(compare.field.split("."))
    base = cfg.to_dict()
    base.pop("compare", None)
    base["scene"] = "unrolled"  # a panel is a plain run
    panels = []
    for i, value in enumerate(compare.values):
        panel = substitute(base, compare.field, plain(value))
        try:
            panels.append(Config.model_validate(panel))
        except ValidationError as exc:
            loc, message, _ = translate(exc.errors()[0])
            if loc[: len(field_path)] == field_path:
                raise Problem(("compare", "values", i, *loc[len(field_path) :]), message) from None
            where = f"{format_path(loc)}: " if loc else ""
            raise Problem(
                ("compare", "values", i), f"with {compare.field} = {short_value(value)}: {where}{message}"
            ) from None
    return tuple(panels)


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
    line, col = positions.values.get((), (1, 1)) if positions is not None else (None, None)
    if not isinstance(raw, dict):
        # Named by kind only: the file may not be ours (a sweep's base: naming /etc/passwd),
        # and its content is not echoed.
        got = "text" if isinstance(raw, str) else "a list" if isinstance(raw, list) else describe(raw)
        raise ConfigError(
            filename,
            line,
            col,
            "",
            f"the top level must be a mapping of keys such as scene:, sequence:, rnn:; got {got}",
        )
    if raw and not any(key in Config.model_fields or suggest(key, list(Config.model_fields)) for key in raw):
        # Not one key is ours, or close to ours: the wrong file, whose keys are not echoed either.
        raise ConfigError(
            filename,
            line,
            col,
            "",
            f"this is not an explainer config: no top-level key is one of {', '.join(Config.model_fields)}",
        )
    data = raw
    if overrides:
        keep = frozenset(k.split(".", 1)[1] for k in overrides if isinstance(k, str) and k.startswith("sequence."))
        for dotted, value in overrides.items():
            if not isinstance(dotted, str) or not DOTTED_RE.fullmatch(dotted):
                raise ConfigError(origin, None, None, quoted(str(dotted)), "not a dotted field path such as rnn.w_h")
            try:
                data = substitute(data, dotted, plain(value), keep)
            except ValueError as exc:
                raise ConfigError(origin, None, None, dotted, str(exc)) from None
            origins[tuple(dotted.split("."))] = origin
    default_name = DEFAULT_NAME
    if source is not None:
        default_name = safe_name(source.stem, separator="_", collapse=False, fallback=DEFAULT_NAME, hash_suffix=False)
    try:
        cfg = Config.model_validate(data, context={"default_name": default_name})
    except ValidationError as exc:
        raise error_from(exc, filename, positions, origins) from None
    cfg._source = source
    cfg._filename = filename
    cfg._raw = data
    cfg._positions = positions
    cfg._origins = origins
    try:
        cfg._panels = _panels(cfg)
    except Problem as exc:
        raise _located(cfg, exc) from None
    return cfg


def _located(cfg: Config, exc: Problem) -> ConfigError:
    """A problem found in a whole config, as an error at its place in the file."""
    file, line, col = locate(exc.path, exc.at_key, cfg._filename, cfg._positions, cfg._origins)
    return ConfigError(file, line, col, format_path(exc.path), exc.message, exc.path)


def _scene_limit_problem(cfg: Config, scene: str) -> tuple[FieldPath, str] | None:
    """Where and why ``cfg`` is more than ``scene`` can draw, or ``None``."""
    lim = SCENE_KINDS[scene].limits
    seq, H, D = cfg.sequence, cfg.rnn.hidden_size, cfg.sequence.input_size
    steps_at: FieldPath = ("sequence", "values") if seq.kind == "custom" else ("sequence", "length")
    if seq.length > lim.max_steps:
        return (
            steps_at,
            f"scene '{scene}' shows at most {lim.max_steps} steps ({lim.why_steps}); this config has {seq.length}",
        )
    if seq.length < lim.min_steps:
        return steps_at, (
            f"scene '{scene}' needs at least {lim.min_steps} steps ({lim.why_min_steps}); this config has {seq.length}"
        )
    if H > lim.max_hidden:
        what = "a scalar hidden state (H = 1)" if lim.max_hidden == 1 else f"at most {lim.max_hidden} hidden units"
        return ("rnn", "w_h"), f"scene '{scene}' shows {what}; this config has H = {H}"
    if D > lim.max_input:
        what = "scalar inputs (D = 1)" if lim.max_input == 1 else f"inputs of at most {lim.max_input} components"
        return ("sequence", "values"), f"scene '{scene}' shows {what}; this config has D = {D}"
    return None


def check_renderable(cfg: Config) -> None:
    """Raise :class:`ConfigError` (pointing at the field) if ``cfg``'s scene cannot draw it.

    The limits are the scene registry's (:mod:`explainer.scene_kinds`). Each compare
    panel is checked too: a value that makes one panel too large is reported at that value.
    """
    found = _scene_limit_problem(cfg, cfg.scene)
    if found is not None:
        raise _located(cfg, Problem(*found))
    assert cfg.compare is None or len(cfg.panels) == len(cfg.compare.values)
    for i, panel in enumerate(cfg.panels):
        found = _scene_limit_problem(panel, cfg.scene)
        if found is not None:
            assert cfg.compare is not None
            value = short_value(cfg.compare.values[i])
            message = f"with {cfg.compare.field} = {value}: {found[1].replace('this config', 'this panel')}"
            raise _located(cfg, Problem(("compare", "values", i), message))


def with_overrides(cfg: Config, overrides: Mapping[str, Any], origin: str = COMMAND_LINE) -> Config:
    """A new validated config: ``cfg`` as it was loaded, with dotted-path ``overrides`` on top.

    Example: ``with_overrides(cfg, {"rnn.w_h": 1.5, "output.name": "wh_1.5"})``.
    Errors in the overrides name ``origin`` (default ``<command line>``) as their file.
    """
    return _build(cfg._raw, cfg._filename, cfg._source, cfg._positions, cfg._origins, overrides, origin)


def from_dict(
    data: Mapping[str, Any],
    *,
    source: str | Path | None = None,
    filename: str | None = None,
    overrides: Mapping[str, Any] | None = None,
    override_origin: str = COMMAND_LINE,
) -> Config:
    """Validate plain data (e.g. a sweep entry or :meth:`Config.to_dict` output).

    ``source`` only provides the default output name (its stem); errors name
    ``filename`` (default: ``source`` or ``"<config>"``) without line numbers.
    """
    src = Path(source) if source is not None else None
    label = filename if filename is not None else (str(src) if src is not None else "<config>")
    return _build(plain(data), label, src, None, {}, overrides, override_origin)


def _from_text(
    text: str, filename: str, source: Path | None, overrides: Mapping[str, Any] | None, origin: str
) -> Config:
    try:
        doc = parse_yaml(text, empty="the file is empty; a config needs at least a 'sequence' section")
    except YamlError as exc:
        raise ConfigError(filename, exc.line, exc.col, format_path(exc.path), exc.message, exc.path) from None
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
    if not sep or not DOTTED_RE.fullmatch(path):
        raise ConfigError(COMMAND_LINE, None, None, printable(path), f"expected field.path=value, got {quoted(text)}")
    if not value.strip():
        raise ConfigError(COMMAND_LINE, None, None, path, "has no value after '='")
    try:
        return path, parse_yaml_scalar(value)
    except YamlError as exc:
        raise ConfigError(COMMAND_LINE, None, None, path, exc.message) from None
