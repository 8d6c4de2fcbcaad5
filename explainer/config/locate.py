"""Where in the YAML a validation error belongs, and how pydantic's errors are worded for people.

Pydantic reports errors by location in the data (``("rnn", "w_h", 1, 0)``); the
reader recorded where each key and value starts in the file. :func:`error_from`
turns a pydantic ``ValidationError`` into one :class:`~explainer.config.errors.ConfigError`
per problem, sorted by position, first one first; :func:`locate` finds the file and
position for one location, taking overrides into account (a value set on the command
line or by a sweep is reported against that origin, not against the file).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, get_args

from pydantic import BaseModel, ValidationError

from explainer.config.errors import ConfigError, Problem, describe, not_a_choice, suggest
from explainer.config.reader import FieldPath, Positions, format_path
from explainer.config.schema import Config
from explainer.config.values import number
from explainer.naming import quoted
from explainer.scene_kinds import COMPARE_FIELDS
from rnn_engine.sequences import SEQUENCE_KINDS

__all__ = ["error_from", "locate", "translate", "valid_keys"]


def translate(err: Mapping[str, Any]) -> tuple[FieldPath, str, bool]:
    """A pydantic error as ``(location, message, points_at_key)``."""
    loc: FieldPath = tuple(err["loc"])
    kind, value, ctx = err["type"], err.get("input"), err.get("ctx") or {}
    problem = ctx.get("error")
    if isinstance(problem, Problem):
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
        valid = valid_keys(loc[:-1])
        suggestion = suggest(loc[-1], valid)
        key = quoted(str(loc[-1]))
        return loc, f"unknown key {key}" + (suggestion or f"; valid keys here: {', '.join(valid)}"), True
    if kind == "literal_error":
        return loc, not_a_choice(value, re.findall(r"'([^']*)'", ctx.get("expected", ""))), False
    if kind in ("float_type", "finite_number"):
        try:
            number(value)
        except Problem as exc:
            return loc, exc.message, False
    if kind == "int_type":
        return loc, f"expected a whole number, got {describe(value)}", False
    if kind == "bool_type":
        return loc, f"expected true or false, got {describe(value)}", False
    if kind == "string_type":
        return loc, f"expected text, got {describe(value)}", False
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return loc, f"expected a mapping (indented 'key: value' lines), got {describe(value)}", False
    bounds = {
        "greater_than_equal": ("ge", "at least"),
        "less_than_equal": ("le", "at most"),
        "greater_than": ("gt", "greater than"),
        "less_than": ("lt", "less than"),
    }
    if kind in bounds:
        key, words = bounds[kind]
        return loc, f"must be {words} {ctx.get(key)}, got {describe(value)}", False
    return loc, str(err.get("msg", "invalid value")), False


def valid_keys(section: FieldPath) -> list[str]:
    """The keys a mapping at ``section`` accepts, from the models."""
    model: type[BaseModel] | None = Config
    for part in section:
        info = model.model_fields.get(part) if model is not None and isinstance(part, str) else None
        if info is None:
            return []
        candidates = (info.annotation, *get_args(info.annotation))
        model = next((c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None)
    return list(model.model_fields) if model is not None else []


def locate(
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


def _misspelt(errors: list[tuple[FieldPath, str, bool, str]]) -> list[tuple[FieldPath, str, bool, str]]:
    """Drop "required key 'x' is missing" where an unknown key beside it is a misspelling of ``x``.

    ``sequense:`` is both an unknown key and a missing ``sequence``; the unknown key, at its
    own line and with its suggestion, is the one worth reporting.
    """
    unknown = {loc for loc, _, _, kind in errors if kind == "extra_forbidden"}
    kept = []
    for loc, message, at_key, kind in errors:
        if kind == "missing" and any(
            other[:-1] == loc[:-1] and suggest(other[-1], [str(loc[-1])]) for other in unknown
        ):
            continue
        kept.append((loc, message, at_key, kind))
    return kept


def error_from(
    exc: ValidationError, filename: str, positions: Positions | None, origins: Mapping[FieldPath, str]
) -> ConfigError:
    errors = []
    found = [(*translate(err), err["type"]) for err in exc.errors()]
    for loc, message, at_key, _ in _misspelt(found):
        file, line, col = locate(loc, at_key, filename, positions, origins)
        errors.append(ConfigError(file, line, col, format_path(loc), message, loc))
    errors.sort(key=lambda e: (e.line is None, e.line or 0, e.col or 0))
    first = errors[0]
    first.errors = tuple(errors)
    return first
