"""What a config error is, and how values and suggestions are worded in its message.

:class:`ConfigError` is the one error every loader raises: its ``str`` is one line,
``FILE:LINE:COL: field.path: what is wrong``. :class:`Problem` is raised inside
validation, relative to the model or field that found it; the loader turns it into
a :class:`ConfigError` at the right place in the file.

User text inside a message (a key, a value, a tag) is quoted with
:func:`explainer.naming.quoted`, escaped and shortened; as a last line of defence
``str(ConfigError)`` escapes any non-printable character left anywhere in the line,
so the error is always exactly one line and never recolours a terminal.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Sequence
from typing import Any

from explainer.config.reader import FieldPath
from explainer.naming import printable, quoted

__all__ = ["COMMAND_LINE", "ConfigError", "Problem", "count", "describe", "not_a_choice", "suggest"]

#: ``file`` of errors caused by overrides given on the command line.
COMMAND_LINE = "<command line>"


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
    path
        The field as a path of keys and indices (``("rnn", "w_h", 1, 0)``), when known;
        ``field`` is how it reads.
    errors
        Every problem found (this one first), in document order.
    """

    def __init__(
        self,
        file: str,
        line: int | None,
        col: int | None,
        field: str,
        message: str,
        path: FieldPath | None = None,
    ) -> None:
        self.file = file
        self.line = line
        self.col = col
        self.field = field
        self.message = " ".join(message.split("\n"))
        self.path = path
        self.errors: tuple[ConfigError, ...] = (self,)
        super().__init__(str(self))

    def __reduce__(self) -> tuple[Any, ...]:
        # Picklable (batch workers send errors back); the default would call __init__ with str(self) only.
        args = (self.file, self.line, self.col, self.field, self.message, self.path)
        return (ConfigError, args, {"errors": self.errors})

    def __str__(self) -> str:
        file = printable(self.file)
        where = file if self.line is None else f"{file}:{self.line}:{self.col}"
        message = printable(self.message)
        return f"{where}: {printable(self.field)}: {message}" if self.field else f"{where}: {message}"


class Problem(ValueError):
    """A validation problem at ``path``, relative to the model or field that raised it."""

    def __init__(self, path: FieldPath, message: str, at_key: bool = False) -> None:
        super().__init__(message)
        self.path = path
        self.message = message
        self.at_key = at_key


def describe(value: Any) -> str:
    """How a YAML value reads, for messages."""
    if isinstance(value, bool):
        return f"the boolean {'true' if value else 'false'}"
    if value is None:
        return "nothing (null)"
    if isinstance(value, str):
        return f"the text {quoted(value)}"
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


def suggest(word: Any, choices: Sequence[str]) -> str:
    """`` (did you mean 'tanh'?)`` for a close match (case-insensitive), else ``""``."""
    if not isinstance(word, str):
        return ""
    lowered = {c.lower(): c for c in choices}
    if word.lower() in lowered:
        return f" (did you mean '{lowered[word.lower()]}'?)"
    match = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    return f" (did you mean '{lowered[match[0]]}'?)" if match else ""


def not_a_choice(value: Any, choices: Sequence[str]) -> str:
    return f"expected one of {', '.join(choices)}; got {describe(value)}{suggest(value, choices)}"


def count(n: int, noun: str) -> str:
    """``count(1, "entry")`` -> ``"1 entry"``, ``count(3, "entry")`` -> ``"3 entries"``."""
    plural = noun[:-1] + "ies" if noun.endswith("y") else noun + "s"
    return f"{n} {noun if n == 1 else plural}"
