"""Names and short texts: the output-name rule, dotted field paths, and values written for people.

One home for what the config loader, the sweep expander, the runs and the gallery
all need to agree on:

- :data:`NAME_RE`: a clip or sweep name (``output.name``), which becomes a folder
  and a file stem: 1 to 64 letters, digits, ``.``, ``_`` or ``-``, starting with a
  letter or digit.
- :data:`DOTTED_RE`: a dotted field path such as ``rnn.w_h``.
- :func:`safe_name`: turn any text (a file stem, a sweep's parts) into a valid name.
- :func:`format_value` / :func:`short_value`: a config value as it reads in a clip
  name, a manifest, a panel label or an error message.
- :func:`printable` / :func:`quoted`: text from a user (a key, a value, a file name)
  as a message shows it: every character that is not printable (newlines, carriage
  returns, ANSI escapes, NUL, lone surrogates, bidirectional controls, line and
  paragraph separators) written as a Python-style escape (``\\n``, ``\\x1b``,
  ``\\ud800``), so a message stays one line and never drives the terminal.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["DOTTED_RE", "MAX_NAME", "NAME_RE", "format_value", "printable", "quoted", "safe_name", "short_value"]

MAX_NAME = 64
NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
DOTTED_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")


def safe_name(
    text: str,
    *,
    separator: str = "-",
    collapse: bool = True,
    fallback: str = "clip",
    max_len: int = MAX_NAME,
    hash_suffix: bool = True,
) -> str:
    """A valid name (:data:`NAME_RE`) made from ``text``.

    Characters outside ``[A-Za-z0-9._-]`` become ``separator`` (a run of them one
    ``separator`` when ``collapse``), ``..`` becomes ``.``, and leading punctuation is
    dropped (``fallback`` if nothing is left). Names longer than ``max_len`` are cut;
    with ``hash_suffix`` they end in a hash of the full text, so two long texts that
    differ only past the cut still give different names.

    Sweep clip names use the defaults (``sine-activation_relu``); a config file's stem
    becomes its default output name with ``separator="_", collapse=False,
    hash_suffix=False`` (``my config (v2)`` -> ``my_config__v2_``).
    """
    name = re.sub(r"[^A-Za-z0-9._-]" + ("+" if collapse else ""), separator, text)
    name = re.sub(r"\.{2,}", ".", name)
    name = name.lstrip("._-") or fallback
    if len(name) > max_len and not hash_suffix:
        return name[:max_len]
    if len(name) > max_len:
        digest = hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        name = name[: max_len - len(digest) - 1].rstrip("._-") + "-" + digest
    return name


def format_value(value: Any) -> str:
    """A config value as people read it: ``1.5``, ``relu``, ``true``, ``[[1, 0], [0, 1]]``.

    Floats are written in the shortest form that reads back as the same number, without
    a trailing ``.0``.
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        text = repr(value)
        return text[:-2] if text.endswith(".0") else text
    if isinstance(value, list | tuple):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {format_value(v)}" for k, v in value.items()) + "}"
    return str(value)


def _escape(ch: str) -> str:
    special = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
    if ch in special:
        return special[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _escaped_pieces(text: str) -> list[str]:
    # str.isprintable is False exactly for what must not reach a terminal raw: control
    # (Cc), format (Cf: bidi overrides, zero-width), surrogate, private-use and unassigned
    # characters, and every separator but the plain space (Zl, Zp, and Zs such as U+00A0).
    return [ch if ch == " " or ch.isprintable() else _escape(ch) for ch in text]


def printable(text: str, limit: int | None = None) -> str:
    """``text`` with every non-printable character escaped (``'a\\nb'`` for a newline),
    cut to ``limit`` characters with ``...`` when given (never inside an escape)."""
    if text.isprintable() and (limit is None or len(text) <= limit):
        return text
    pieces = _escaped_pieces(text)
    if limit is None or sum(map(len, pieces)) <= limit:
        return "".join(pieces)
    out, size = [], 0
    for piece in pieces:
        if size + len(piece) > limit - 3:
            break
        out.append(piece)
        size += len(piece)
    return "".join(out) + "..."


def quoted(text: str, limit: int = 40) -> str:
    """User text as a message quotes it: ``'rnn\\nx'`` (escaped, at most ``limit`` characters inside)."""
    return f"'{printable(text, limit)}'"


def short_value(value: Any, limit: int = 40) -> str:
    """:func:`format_value`, escaped and cut to ``limit`` characters with ``...`` (for messages)."""
    return printable(format_value(value), limit)
