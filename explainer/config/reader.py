"""Safe YAML reading that remembers where every key and value came from.

The loader turns config text into plain Python data (dicts, lists, str, int, float,
bool, None) plus a :class:`Positions` index from field paths to 1-based
``(line, column)`` marks, so that a validation error found later can name the exact
spot in the file.

Safety, beyond ``yaml.safe_load``:

- Built on ``yaml.SafeLoader`` *composition* only: the node tree is walked here and
  only the standard scalar tags (null, bool, int, float, str, timestamp) and plain
  sequences and mappings are accepted. Every other tag (``!!python/...``, ``!!binary``,
  ``!!set``, ``!foo``) is refused with its position.
- **Aliases are refused altogether** (``*name``), so "billion laughs" expansion cannot
  happen: the first alias stops reading, before any expansion. Anchors (``&name``)
  alone are harmless and allowed. Merge keys (``<<``) are refused as well.
- Duplicate keys in any mapping are an error at the second occurrence.
- Nesting deeper than :data:`MAX_DEPTH` is refused before Python's recursion limit.
- Files larger than :data:`MAX_BYTES`, non-UTF-8 bytes, NUL bytes and other control
  characters are refused with the position of the first offending byte.
- Exactly one document: none (empty file) and several (``---``) are both errors.

One deliberate deviation from YAML 1.1 as PyYAML reads it: a plain scalar such as
``1e-3`` or ``2.5E4`` is read as a float (YAML 1.2 and every other language agree),
rather than as the string ``"1e-3"``. Quoted, it stays a string.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "FieldPath",
    "Positions",
    "YamlDocument",
    "YamlError",
    "decode_source",
    "format_path",
    "parse_yaml",
    "parse_yaml_scalar",
]

#: Larger files are refused unread: a config is a few dozen lines; 512 steps of
#: 64-dimensional custom inputs are about 200 kB.
MAX_BYTES = 1 << 20
#: Deepest nesting of mappings/lists accepted (a config needs 4).
MAX_DEPTH = 32

#: A field path: mapping keys (str) and list indices (int), from the document root.
FieldPath = tuple[str | int, ...]

_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_TAG}{name}" for name in ("null", "bool", "int", "float", "str", "timestamp")}

# YAML 1.1 (PyYAML) needs a dot and a signed exponent for a float ("1.0e+3");
# this resolver also accepts "1e3", "1e-3", "2.5E4", which people write.
_EXP_FLOAT = re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$")

# Characters YAML allows in a stream (YAML 1.1 "printable"), tab/LF/CR included.
_NOT_PRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class YamlError(Exception):
    """The text is not a readable, safe, single YAML document.

    Attributes
    ----------
    message
        What is wrong, one line.
    line, col
        1-based position of the problem.
    path
        The field path of the offending node when known (duplicate keys, bad tags).
    """

    def __init__(self, message: str, line: int = 1, col: int = 1, path: FieldPath = ()) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.col = col
        self.path = path

    def __str__(self) -> str:
        return f"{self.line}:{self.col}: {self.message}"


@dataclass
class Positions:
    """Where each value and each mapping key of a document starts (1-based line, column).

    ``values[path]`` is the start of the value at ``path`` (the root is ``()``);
    ``keys[path]`` is the start of the key whose value is at ``path``.
    """

    values: dict[FieldPath, tuple[int, int]] = field(default_factory=dict)
    keys: dict[FieldPath, tuple[int, int]] = field(default_factory=dict)

    def nearest(self, path: FieldPath) -> tuple[FieldPath, tuple[int, int]] | None:
        """The position of ``path`` or of its nearest recorded enclosing node."""
        for n in range(len(path), -1, -1):
            mark = self.values.get(path[:n])
            if mark is not None:
                return path[:n], mark
        return None


@dataclass(frozen=True)
class YamlDocument:
    """A parsed config document: plain data and where each part came from."""

    data: Any
    positions: Positions


def format_path(path: FieldPath) -> str:
    """``("rnn", "w_h", 1, 0)`` -> ``"rnn.w_h[1][0]"``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _line_col(text: str, index: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, index) + 1
    return text.count("\n", 0, index) + 1, index - line_start + 1


def decode_source(raw: bytes) -> str:
    """Decode config bytes as UTF-8 text, refusing anything that is not plain text.

    Raises
    ------
    YamlError
        Too large, UTF-16/32, NUL bytes, invalid UTF-8 or control characters, with the
        position of the first offending byte.
    """
    if len(raw) > MAX_BYTES:
        raise YamlError(f"file is too large ({len(raw)} bytes; a config is at most {MAX_BYTES} bytes)")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise YamlError("file is UTF-16 encoded; save it as UTF-8")
    if raw.startswith(b"\xef\xbb\xbf"):  # a UTF-8 byte order mark is harmless; editors add it
        raw = raw[3:]
    nul = raw.find(b"\x00")
    if nul >= 0:
        line, col = _line_col(raw[:nul].decode("utf-8", "replace"), nul)
        raise YamlError("file contains NUL bytes: it is binary, not a YAML text file", line, col)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        prefix = raw[: exc.start].decode("utf-8", "replace")
        line, col = _line_col(prefix, len(prefix))
        raise YamlError(
            f"file is not valid UTF-8 text (byte 0x{raw[exc.start]:02x}); is it a binary file?", line, col
        ) from None
    bad = _NOT_PRINTABLE.search(text)
    if bad:
        line, col = _line_col(text, bad.start())
        raise YamlError(f"control character U+{ord(bad.group()):04X} is not allowed in YAML text", line, col)
    return text


class _Loader(yaml.SafeLoader):
    """SafeLoader composition with aliases refused, a depth limit and ``1e-3`` floats."""

    # A copy, so registering the resolver below leaves yaml.SafeLoader untouched.
    yaml_implicit_resolvers = {k: list(v) for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            raise YamlError(
                "YAML aliases (*name) are not supported; write the value out in full",
                mark.line + 1,
                mark.column + 1,
            )
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise YamlError(f"nested more than {MAX_DEPTH} levels deep", mark.line + 1, mark.column + 1)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


_Loader.add_implicit_resolver(f"{_TAG}float", _EXP_FLOAT, list("-+0123456789"))

_CONSTRUCTOR = SafeConstructor()


def _mark(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _describe_tag(tag: str) -> str:
    return "!!" + tag[len(_TAG) :] if tag.startswith(_TAG) else tag


def _refuse_tag(node: Node, path: FieldPath) -> YamlError:
    shown = _describe_tag(node.tag)
    if "python/" in node.tag:
        why = f"Python-specific YAML tag '{shown}' is not allowed: configs are plain data"
    else:
        why = f"YAML tag '{shown}' is not supported here (only plain numbers, text, true/false, lists, mappings)"
    return YamlError(why, *_mark(node), path)


def _scalar(node: ScalarNode, path: FieldPath) -> Any:
    tag = node.tag
    if tag not in _SCALAR_TAGS:
        raise _refuse_tag(node, path)
    name = tag[len(_TAG) :]
    if name == "str" or name == "timestamp":  # dates are not config values; keep the text
        return str(node.value)
    try:
        if name == "null":
            return None
        if name == "bool":
            return _CONSTRUCTOR.construct_yaml_bool(node)
        if name == "int":
            return _CONSTRUCTOR.construct_yaml_int(node)
        return _CONSTRUCTOR.construct_yaml_float(node)
    except (ValueError, OverflowError):
        # e.g. "!!int abc", or an integer with thousands of digits
        shown = node.value if len(node.value) <= 40 else node.value[:37] + "..."
        raise YamlError(f"cannot read '{shown}' as {name}", *_mark(node), path) from None


def _to_python(node: Node, path: FieldPath, positions: Positions) -> Any:
    positions.values[path] = _mark(node)
    if isinstance(node, ScalarNode):
        return _scalar(node, path)
    if isinstance(node, SequenceNode):
        if node.tag != f"{_TAG}seq":
            raise _refuse_tag(node, path)
        return [_to_python(child, (*path, i), positions) for i, child in enumerate(node.value)]
    if isinstance(node, MappingNode):
        if node.tag != f"{_TAG}map":
            raise _refuse_tag(node, path)
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = _key(key_node, path)
            if key in out:
                first = positions.keys[(*path, key)]
                raise YamlError(
                    f"duplicate key '{key}' (first given at line {first[0]})", *_mark(key_node), (*path, key)
                )
            positions.keys[(*path, key)] = _mark(key_node)
            out[key] = _to_python(value_node, (*path, key), positions)
        return out
    raise YamlError("unsupported YAML node", *_mark(node), path)  # pragma: no cover - only 3 kinds exist


def _key(node: Node, path: FieldPath) -> str:
    if isinstance(node, ScalarNode) and node.tag == f"{_TAG}merge":
        raise YamlError("merge keys (<<) are not supported; write the keys out in full", *_mark(node), path)
    if not isinstance(node, ScalarNode):
        raise YamlError("a key must be plain text, not a list or mapping", *_mark(node), path)
    value = _scalar(node, path)
    if not isinstance(value, str):
        shown = node.value or "null"
        raise YamlError(f"key '{shown}' is read as {type(value).__name__}, not text; quote it", *_mark(node), path)
    return value


def _syntax_error(exc: yaml.MarkedYAMLError) -> YamlError:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    problem = exc.problem or "invalid YAML"
    if "single document" in (exc.context or ""):
        return YamlError("the file holds more than one YAML document ('---'); keep one config per file", line, col)
    context = ""
    if exc.context and exc.context_mark is not None and exc.context_mark is not mark:
        context = f" ({exc.context} at line {exc.context_mark.line + 1})"
    return YamlError(f"YAML syntax error: {problem}{context}", line, col)


def parse_yaml(text: str) -> YamlDocument:
    """Parse one YAML document into plain data with positions.

    Raises
    ------
    YamlError
        Syntax errors, no document, several documents, aliases, unsupported tags,
        duplicate keys, too deep nesting.
    """
    loader = _Loader(text)
    positions = Positions()
    try:
        root = loader.get_single_node()
        if root is None:
            raise YamlError("the file is empty; a config needs at least a 'sequence' section")
        data = _to_python(root, (), positions)
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc) from None
    except yaml.YAMLError as exc:  # e.g. ReaderError, which carries no mark
        raise YamlError(f"YAML error: {str(exc).splitlines()[0]}") from None
    finally:
        loader.dispose()
    return YamlDocument(data, positions)


def parse_yaml_scalar(text: str) -> Any:
    """Read a short YAML value such as a command-line override (``1.5``, ``tanh``, ``[1, 0]``)."""
    return parse_yaml(text).data
