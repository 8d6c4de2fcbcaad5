"""Safe YAML reading that remembers where every key and value came from.

The loader turns config text into plain Python data (dicts, lists, str, int, float,
bool, None) plus a :class:`Positions` index from field paths to 1-based
``(line, column)`` marks, so that a validation error found later can name the exact
spot in the file.

Safety, beyond ``yaml.safe_load``:

- Built on YAML *events* only (libyaml's parser when available, else PyYAML's): the
  data is built here, event by event, and only the standard scalar tags (null, bool,
  int, float, str, timestamp) and plain sequences and mappings are accepted. Every
  other tag (``!!python/...``, ``!!binary``, ``!!set``, ``!foo``, ``!``) is refused with
  its position.
- **Aliases are refused altogether** (``*name``), so "billion laughs" expansion cannot
  happen: the first alias stops reading, before any expansion. Anchors (``&name``)
  alone are harmless and allowed. Merge keys (``<<``) are refused as well.
- Duplicate keys in any mapping are an error at the second occurrence.
- Refused by shape as soon as the limit is passed, before the rest of the file is
  parsed: nesting deeper than :data:`MAX_DEPTH`, a list longer than :data:`MAX_ITEMS`,
  a mapping with more than :data:`MAX_KEYS` keys, more than :data:`MAX_NODES` values in
  all. So any file is answered in a fraction of a second.
- Files larger than :data:`MAX_BYTES`, UTF-16/UTF-32, non-UTF-8 bytes, NUL bytes and
  other control characters are refused with the position of the first offending byte;
  text that escapes put such characters into (``"\\0"``, ``"\\e"``, a lone surrogate
  ``"\\ud800"``) is refused at its value.
- Exactly one document: none (empty file) and several (``---``) are both errors.
- Any failure of the YAML library itself is reported as a syntax error with a position.

Two deliberate deviations from YAML 1.1 as PyYAML reads it:

- a plain scalar such as ``1e-3`` or ``2.5E4`` is read as a float (YAML 1.2 and every
  other language agree), rather than as the string ``"1e-3"``. Quoted, it stays a string;
- a number YAML 1.1 reads unlike YAML 1.2 is refused with what it would have meant:
  ``1:30`` (base 60: 90), ``0x10`` (16), ``0b11`` (3), ``010`` (octal: 8).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from explainer.naming import printable, quoted

__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_ITEMS",
    "MAX_KEYS",
    "MAX_NODES",
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
#: Longest list accepted: a sweep's grid axis has at most 1000 values (``MAX_JOBS``),
#: custom inputs at most 512 steps.
MAX_ITEMS = 1024
#: Most keys in one mapping (a config section has at most 13).
MAX_KEYS = 256
#: Most values (scalars, lists, mappings, keys) in one file: the largest config the
#: schema accepts, 512 steps of 64-component inputs, has about 33,500.
MAX_NODES = 40_000

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


_PLAIN_KEY = re.compile(r"[A-Za-z0-9_.-]+")


def format_path(path: FieldPath) -> str:
    """``("rnn", "w_h", 1, 0)`` -> ``"rnn.w_h[1][0]"``; a key that is not a plain word is quoted, escaped."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
            continue
        text = part if _PLAIN_KEY.fullmatch(part) else quoted(part)
        out += f".{text}" if out else text
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
    if raw.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):  # before UTF-16: FF FE starts both
        raise YamlError("file is UTF-32 encoded; save it as UTF-8")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise YamlError("file is UTF-16 encoded; save it as UTF-8")
    if raw.startswith(b"\xef\xbb\xbf"):  # a UTF-8 byte order mark is harmless; editors add it
        raw = raw[3:]
    nul = raw.find(b"\x00")
    if nul >= 0 and len(raw) >= 4 and raw[:4].count(0) in (2, 3):
        # Text without a byte order mark: "s\0e\0" is UTF-16, "s\0\0\0" UTF-32.
        which = "UTF-32" if raw[:4].count(0) == 3 else "UTF-16"
        raise YamlError(f"file looks {which} encoded (no byte order mark); save it as UTF-8")
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


class _Resolver(yaml.resolver.Resolver):
    """YAML 1.1 implicit typing (PyYAML's) plus ``1e-3`` floats."""

    # A copy, so registering the resolver below leaves PyYAML's own classes untouched.
    yaml_implicit_resolvers = {k: list(v) for k, v in yaml.resolver.Resolver.yaml_implicit_resolvers.items()}


_Resolver.add_implicit_resolver(f"{_TAG}float", _EXP_FLOAT, list("-+0123456789"))
_RESOLVER = _Resolver()

#: libyaml's event parser when PyYAML was built with it (the wheels are): about 30 times
#: faster than the pure-Python one, which is the fallback. Both give the same events.
_EVENT_LOADER: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_BOOLS = {"yes": True, "no": False, "true": True, "false": False, "on": True, "off": False}
# Integers YAML 1.1 reads differently from YAML 1.2 and from every other reader: base 60
# ("1:30" is 90), hexadecimal, binary, and octal with a leading zero ("010" is 8).
_SEXAGESIMAL = re.compile(r"^([-+]?)([0-9][0-9_]*(?::[0-5]?[0-9])+)(\.[0-9_]*)?$")
_OTHER_BASES = (
    (re.compile(r"^[-+]?0x[0-9a-fA-F_]+$"), 16, "a hexadecimal"),
    (re.compile(r"^[-+]?0b[01_]+$"), 2, "a binary"),
    (re.compile(r"^[-+]?0[0-7_]+$"), 8, "an octal"),
)


def _mark(event: Any) -> tuple[int, int]:
    return event.start_mark.line + 1, event.start_mark.column + 1


def _describe_tag(tag: str) -> str:
    return "!!" + tag[len(_TAG) :] if tag.startswith(_TAG) else tag


#: A plain number both YAML 1.1 (with ``1e3`` floats) and YAML 1.2 read the same way:
#: ``-12``, ``0.5``, ``1.``, ``2.5e-3``, ``1e308``. No underscores, no leading zeros.
_PLAIN_DECIMAL = re.compile(r"[-+]?(?:0|[1-9][0-9]*)(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?")
_NOT_INT = re.compile(r"[.eE]")


def _not_decimal(value: str) -> str | None:
    """Why a number must not be read the way YAML 1.1 reads it, or ``None``.

    YAML 1.1 (PyYAML) reads ``1:30`` as 90 (base 60), ``0x10`` as 16, ``0b11`` as 3 and
    ``010`` as 8 (octal); YAML 1.2 and every other reader do not. A number is refused where
    the two readings differ (``007`` is 7 either way and is kept).
    """
    digits = value.replace("_", "")
    sign = -1 if digits.startswith("-") else 1
    digits = digits.lstrip("+-")
    if ":" not in value and not (digits.startswith("0") and len(digits) > 1):
        return None  # the common case: no base 60, no 0x / 0b / 0 prefix
    m = _SEXAGESIMAL.match(value)
    if m:
        total: float = 0
        for part in m.group(2).replace("_", "").split(":"):
            total = total * 60 + int(part)
        if m.group(3):
            total += float("0" + m.group(3).replace("_", ""))
        return f"is a base-60 number in YAML 1.1 (read as {sign * total})"
    for pattern, base, what in _OTHER_BASES:
        if pattern.match(value):
            number = int(digits[2:] if base != 8 else digits, base)
            if base == 8 and number == int(digits, 10):
                return None
            return f"is {what} number in YAML 1.1 (read as {sign * number})"
    return None


def _check_text(text: str, event: Any, path: FieldPath) -> str:
    r"""Escapes in quoted text (``"\0"``, ``"\e"``, ``"\ud800"``) may make what the file itself may not hold."""
    bad = _NOT_PRINTABLE.search(text)
    if bad is not None:
        code = ord(bad.group())
        what = "a lone surrogate, not a character" if 0xD800 <= code <= 0xDFFF else "a control character"
        raise YamlError(
            f"text {quoted(text)} contains U+{code:04X} ({what}); only printable characters are allowed",
            *_mark(event),
            path,
        )
    return text


class _Composer:
    """Plain data and positions from a stream of YAML events, refusing what a config never needs.

    Checked as the events arrive, so a hostile file is refused at the first offending
    node, before the rest of it is parsed: aliases, unsupported tags, duplicate and
    non-text keys, nesting deeper than :data:`MAX_DEPTH`, lists longer than
    :data:`MAX_ITEMS`, mappings with more than :data:`MAX_KEYS` keys, and more than
    :data:`MAX_NODES` nodes in all.
    """

    def __init__(self, loader: Any, text: str) -> None:
        self.loader = loader
        self.text = text
        self.positions = Positions()
        self.nodes = 0
        self.depth = 0

    def next_event(self) -> Any:
        """The next event; any failure of the YAML library itself becomes a :class:`YamlError`.

        (PyYAML's scanner raises ``ValueError`` for ``"\\U00110000"``.) Only the library's
        calls are wrapped, so a mistake in this module is never passed off as bad input.
        """
        try:
            return self.loader.get_event()
        except yaml.YAMLError:
            raise
        except Exception as exc:
            get_mark = getattr(self.loader, "get_mark", None)
            mark = get_mark() if get_mark is not None else None
            line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
            why = "an escape names no Unicode character" if "chr()" in str(exc) else printable(str(exc), 120)
            raise YamlError(f"YAML syntax error: {why}", line, col) from None

    def _source(self, event: Any) -> str:
        """The text at the start of ``event`` up to the next blank (how a tag was written)."""
        start = event.start_mark.index
        end = start
        while end < len(self.text) and end - start < 60 and not self.text[end].isspace():
            end += 1
        return self.text[start:end] or "!"

    def _refuse_tag(self, event: Any, path: FieldPath, tag: str) -> YamlError:
        # Shown as written when the parser may have changed it (libyaml cuts a tag at a NUL).
        shown = quoted(self._source(event) if tag.startswith("!") else _describe_tag(tag))
        if "python/" in tag:
            why = f"Python-specific YAML tag {shown} is not allowed: configs are plain data"
        else:
            why = f"YAML tag {shown} is not supported here (only plain numbers, text, true/false, lists, mappings)"
        return YamlError(why, *_mark(event), path)

    def node(self, path: FieldPath, event: Any = None) -> Any:
        event = self.next_event() if event is None else event
        if isinstance(event, yaml.AliasEvent):
            raise YamlError("YAML aliases (*name) are not supported; write the value out in full", *_mark(event))
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise YamlError(f"the file holds more than {MAX_NODES} values; a config needs far fewer", *_mark(event))
        if self.depth >= MAX_DEPTH:
            raise YamlError(f"nested more than {MAX_DEPTH} levels deep", *_mark(event))
        self.positions.values[path] = _mark(event)
        if isinstance(event, yaml.ScalarEvent):
            return self.scalar(event, path)
        self.depth += 1
        try:
            if isinstance(event, yaml.SequenceStartEvent):
                return self.sequence(event, path)
            return self.mapping(event, path)
        finally:
            self.depth -= 1

    def sequence(self, event: Any, path: FieldPath) -> list[Any]:
        if event.tag not in (None, f"{_TAG}seq"):
            raise self._refuse_tag(event, path, event.tag)
        items: list[Any] = []
        while True:
            item = self.next_event()
            if isinstance(item, yaml.SequenceEndEvent):
                return items
            if len(items) == MAX_ITEMS:
                raise YamlError(
                    f"a list has more than {MAX_ITEMS} entries; a config needs far fewer", *_mark(item), path
                )
            items.append(self.node((*path, len(items)), item))

    def mapping(self, event: Any, path: FieldPath) -> dict[str, Any]:
        if event.tag not in (None, f"{_TAG}map"):
            raise self._refuse_tag(event, path, event.tag)
        out: dict[str, Any] = {}
        while True:
            key_event = self.next_event()
            if isinstance(key_event, yaml.MappingEndEvent):
                return out
            if len(out) == MAX_KEYS:
                raise YamlError(
                    f"a mapping has more than {MAX_KEYS} keys; a config needs far fewer", *_mark(key_event), path
                )
            key = self.key(key_event, path)
            if key in out:
                first = self.positions.keys[(*path, key)]
                raise YamlError(
                    f"duplicate key {quoted(key)} (first given at line {first[0]})", *_mark(key_event), (*path, key)
                )
            self.positions.keys[(*path, key)] = _mark(key_event)
            out[key] = self.node((*path, key))

    def key(self, event: Any, path: FieldPath) -> str:
        if isinstance(event, yaml.AliasEvent):
            raise YamlError("YAML aliases (*name) are not supported; write the value out in full", *_mark(event))
        if not isinstance(event, yaml.ScalarEvent):
            raise YamlError("a key must be plain text, not a list or mapping", *_mark(event), path)
        self.nodes += 1
        value = self.scalar(event, path)
        if not isinstance(value, str):
            shown, kind = quoted(event.value or "null"), "null" if value is None else type(value).__name__
            raise YamlError(f"key {shown} is read as {kind}, not text; quote it", *_mark(event), path)
        return value

    def scalar(self, event: Any, path: FieldPath) -> Any:
        tag = event.tag
        if tag is None and event.implicit[0] and _PLAIN_DECIMAL.fullmatch(event.value):
            # The common case, decided without the resolver's regular expressions (the same answer).
            is_float = _NOT_INT.search(event.value) is not None
            try:
                return float(event.value) if is_float else int(event.value)
            except ValueError:  # an integer with thousands of digits
                shown = quoted(event.value)
                raise YamlError(
                    f"cannot read {shown} as {'float' if is_float else 'int'}", *_mark(event), path
                ) from None
        if tag is None:
            tag = _RESOLVER.resolve(yaml.ScalarNode, event.value, event.implicit)
        if tag == f"{_TAG}merge":
            raise YamlError("merge keys (<<) are not supported; write the keys out in full", *_mark(event), path)
        if tag not in _SCALAR_TAGS:
            raise self._refuse_tag(event, path, tag)
        name = tag[len(_TAG) :]
        value: str = event.value
        if name in ("str", "timestamp"):  # dates are not config values; keep the text
            return _check_text(value, event, path)
        if name == "null":
            return None
        if name == "bool":
            if value.lower() not in _BOOLS:
                raise YamlError(f"cannot read {quoted(value)} as bool", *_mark(event), path)
            return _BOOLS[value.lower()]
        why = _not_decimal(value)
        if why is not None:
            raise YamlError(
                f"{quoted(value)} {why}; write the number in decimal, or quote it to mean text", *_mark(event), path
            )
        try:
            if name == "int":
                return int(value.replace("_", ""))
            lowered = value.lower().replace("_", "")
            if lowered.lstrip("+-") in (".inf", ".nan"):
                return float(lowered.replace(".", ""))
            return float(lowered)
        except (ValueError, OverflowError):
            # e.g. "!!int abc", or an integer with thousands of digits
            raise YamlError(f"cannot read {quoted(value)} as {name}", *_mark(event), path) from None


def _syntax_error(exc: yaml.MarkedYAMLError, text: str) -> YamlError:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    problem = exc.problem or "invalid YAML"
    if problem == "found character that cannot start any token" and mark is not None and mark.index < len(text):
        # libyaml's wording leaves the character out; PyYAML's names it, which is what helps.
        problem = f"found character {quoted(text[mark.index], 8)} that cannot start any token"
    context = ""
    if exc.context and exc.context_mark is not None and exc.context_mark is not mark:
        context = f" ({exc.context} at line {exc.context_mark.line + 1})"
    return YamlError(f"YAML syntax error: {printable(problem)}{context}", line, col)


def parse_yaml(text: str, empty: str = "the file is empty") -> YamlDocument:
    """Parse one YAML document into plain data with positions.

    ``empty`` is the message for a file without a document (the caller knows what it should hold).

    Raises
    ------
    YamlError
        Syntax errors (including any error of the YAML library itself), no document,
        several documents, aliases, unsupported tags, duplicate keys, text with control
        characters, numbers YAML 1.1 reads unlike everyone else, and files too deep or
        too big in shape (see :class:`_Composer`).
    """
    loader = _EVENT_LOADER(text)
    composer = _Composer(loader, text)
    try:
        composer.next_event()  # stream start
        event = composer.next_event()
        if isinstance(event, yaml.StreamEndEvent):
            raise YamlError(empty)
        data = composer.node(())  # after the document start
        composer.next_event()  # document end
        event = composer.next_event()
        if isinstance(event, yaml.DocumentStartEvent):
            raise YamlError(
                "the file holds more than one YAML document ('---'); keep one config per file", *_mark(event)
            )
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, text) from None
    except yaml.YAMLError as exc:  # e.g. ReaderError, which carries no mark
        raise YamlError(f"YAML error: {printable(str(exc).splitlines()[0], 200)}") from None
    finally:
        loader.dispose()
    return YamlDocument(data, composer.positions)


def parse_yaml_scalar(text: str) -> Any:
    """Read a short YAML value such as a command-line override (``1.5``, ``tanh``, ``[1, 0]``)."""
    return parse_yaml(text).data
