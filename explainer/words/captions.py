"""Captions a viewer can read: cues of at most two lines of 42 characters, at most 20 characters a second.

The rules (the usual ones for online video):

- a cue has at most :data:`MAX_LINES` lines of at most :data:`MAX_LINE` characters,
  broken at spaces (never inside ``t = 10`` or ``h₃ = 0.31``);
- a cue stays on screen at least :data:`MIN_CUE` seconds and long enough to be read at
  :data:`MAX_CPS` characters per second;
- cues follow the words: they are cut at clause boundaries where they can be.

A passage's text is cut into cues (:func:`cue_texts`); in a silent clip each cue needs
``max(MIN_CUE, len / reading_speed)`` seconds, which times the clauses
(:func:`time_passage`) and so how long the sections last. Once the clip is rendered,
:func:`place_cues` lays a passage's cues over the time its sections actually took, and
:func:`srt_text` writes them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from scenes.script import Clause, Passage

__all__ = [
    "MAX_CPS",
    "MAX_LINE",
    "MAX_LINES",
    "MIN_CUE",
    "Cue",
    "CueText",
    "cue_texts",
    "place_cues",
    "srt_text",
    "time_passage",
    "vtt_text",
    "wrap",
]

MAX_LINE = 42
MAX_LINES = 2
MAX_CPS = 20.0
MIN_CUE = 1.0
#: A cue shorter than this takes the next clause in too (a cue of "Step 3." alone would flash by).
_SHORT_CUE = 30


def _breakable(text: str) -> list[int]:
    """Positions of the spaces a line may break at (not around ``=``, ``×``, ``·``, ``%`` or ``→``)."""
    out = []
    for i, ch in enumerate(text):
        if ch != " ":
            continue
        before, after = text[:i], text[i + 1 :]
        if after[:1] in ("=", "×", "·", "%", "→") or before[-1:] in ("=", "×", "·", "→"):
            continue
        out.append(i)
    return out


def wrap(text: str, width: int = MAX_LINE) -> list[str]:
    """``text`` in lines of at most ``width`` characters, balanced, never breaking around ``=``, ``×`` or ``%``.

    Two lines are balanced (the break that makes the longer one shortest, preferring a
    break after punctuation); longer texts are filled greedily, then the last two lines
    balanced.
    """
    text = " ".join(text.split())
    if len(text) <= width:
        return [text]
    spaces = _breakable(text)
    if len(text) <= 2 * width + 1:
        best: tuple[float, int] | None = None
        for i in spaces:
            a, b = len(text[:i]), len(text) - i - 1
            if a > width or b > width:
                continue
            cost = max(a, b) - (4 if text[i - 1] in ",:;." else 0)
            if best is None or cost < best[0]:
                best = (cost, i)
        if best is not None:
            return [text[: best[1]], text[best[1] + 1 :]]
    lines: list[str] = []
    rest = text
    while len(rest) > width:
        cut = max((i for i in _breakable(rest) if i <= width), default=None)
        if cut is None:  # one very long word: it gets a line of its own
            cut = next((i for i in _breakable(rest)), len(rest))
        lines.append(rest[:cut])
        rest = rest[cut + 1 :]
    lines.append(rest)
    if len(lines) >= 2 and len(lines[-2]) + len(lines[-1]) + 1 <= 2 * width + 1:
        lines[-2:] = wrap(lines[-2] + " " + lines[-1], width)
    return [line for line in lines if line]


_PHRASE_END = re.compile(r"(?<=[,:;]) ")


def _phrases(text: str, start: int) -> list[tuple[str, int]]:
    """``text`` cut after commas, colons and semicolons: ``(phrase, offset)`` pairs."""
    out, pos = [], 0
    for m in _PHRASE_END.finditer(text):
        out.append((text[pos : m.start()], start + pos))
        pos = m.end()
    out.append((text[pos:], start + pos))
    return [(p, o) for p, o in out if p]


@dataclass(frozen=True)
class CueText:
    """The lines of one cue, which part of the passage's text it is (``[start, end)`` offsets),
    and how many characters of each clause it holds (``pieces``: ``(clause index, characters)``)."""

    lines: tuple[str, ...]
    start: int
    end: int
    pieces: tuple[tuple[int, int], ...] = ()

    @property
    def chars(self) -> int:
        return sum(len(line) for line in self.lines) + len(self.lines) - 1


@dataclass(frozen=True)
class Cue:
    """One caption on screen from ``start`` to ``end`` (seconds of video)."""

    start: float
    end: float
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @property
    def chars(self) -> int:
        return sum(len(line) for line in self.lines) + len(self.lines) - 1


def _fits(text: str) -> bool:
    return len(wrap(text)) <= MAX_LINES


def cue_texts(clauses: Sequence[Clause]) -> list[CueText]:
    """Cut the clauses' text into cues of at most two balanced lines.

    Whole clauses go together while they fit; a longer clause is cut at its commas,
    colons and semicolons, and a phrase longer than a cue at spaces. The passage's text
    is the clauses joined by single spaces; offsets refer to it.
    """
    pieces: list[tuple[str, int, bool, int]] = []  # (text, offset, starts a clause, clause index)
    offset = 0
    for ci, clause in enumerate(clauses):
        text = " ".join(clause.text.split())
        if not text:
            continue
        if _fits(text):
            pieces.append((text, offset, True, ci))
        else:
            for i, (phrase, at) in enumerate(_phrases(text, offset)):
                if _fits(phrase):
                    pieces.append((phrase, at, i == 0, ci))
                    continue
                lines = wrap(phrase)
                pos = at
                for j in range(0, len(lines), MAX_LINES):
                    chunk = " ".join(lines[j : j + MAX_LINES])
                    pieces.append((chunk, pos, i == 0 and j == 0, ci))
                    pos += len(chunk) + 1
        offset += len(text) + 1
    cues: list[CueText] = []
    current: list[tuple[str, int, bool, int]] = []

    def close() -> None:
        text = " ".join(p[0] for p in current)
        per_clause: dict[int, int] = {}
        for p in current:
            per_clause[p[3]] = per_clause.get(p[3], 0) + len(p[0])
        cues.append(CueText(tuple(wrap(text)), current[0][1], current[0][1] + len(text), tuple(per_clause.items())))

    for piece in pieces:
        joined = " ".join(p[0] for p in [*current, piece])
        # A new clause starts a new cue, unless the cue so far is short (a "Step 3.").
        short = sum(len(p[0]) for p in current) < _SHORT_CUE
        if current and _fits(joined) and (not piece[2] or short):
            current.append(piece)
            continue
        if current:
            close()
        current = [piece]
    if current:
        close()
    return cues


def cue_seconds(cue: CueText, reading_speed: float) -> float:
    """How long ``cue`` must stay up: ``MIN_CUE``, or its length read at ``reading_speed`` (never above 20/s)."""
    return max(MIN_CUE, cue.chars / min(reading_speed, MAX_CPS))


def time_passage(passage: Passage, reading_speed: float) -> Passage:
    """``passage`` with each clause's ``seconds`` set to its share of its cues' reading time."""
    text_offsets = []
    offset = 0
    for c in passage.clauses:
        n = len(c.text.strip())
        text_offsets.append((offset, offset + n))
        offset += n + 1 if n else 0
    cues = cue_texts(passage.clauses)
    seconds = [0.0] * len(passage.clauses)
    for cue in cues:
        need = cue_seconds(cue, reading_speed)
        span = max(1, cue.end - cue.start)
        for i, (a, b) in enumerate(text_offsets):
            overlap = min(b, cue.end) - max(a, cue.start)
            if overlap > 0:
                seconds[i] += need * overlap / span
    # A clause with no characters of its own (none here) still gets no time; spaces go to the cue.
    clauses = tuple(replace(c, seconds=s) for c, s in zip(passage.clauses, seconds, strict=True))
    return replace(passage, clauses=clauses)


def place_cues(passage: Passage, start: float, end: float, starts: Sequence[float] | None = None) -> list[Cue]:
    """The passage's cues laid over ``[start, end]``, the time its sections took.

    Silent clips (``starts`` is ``None``): each clause gets a slot in proportion to its
    ``seconds`` (its reading time), stretched to fill the window. Narrated clips: each
    clause's slot begins where it is spoken (``starts``, seconds of video) and lasts until
    the next one begins. A clause shares its slot among its cues by their characters, so
    a cue is up while its words are read or said. A cue that would then be shorter than
    :data:`MIN_CUE`, or faster than :data:`MAX_CPS`, takes time from a neighbour that can
    spare it (the words stay in order, the cue just stays up a little longer).
    """
    clauses = list(passage.clauses)
    cues = cue_texts(clauses)
    if not cues or end <= start:
        return []
    lengths = [len(" ".join(c.text.split())) for c in clauses]
    total = sum(c.seconds for c in clauses)
    window = end - start
    if starts is not None and len(starts) == len(clauses):
        bounds = [min(max(t, start), end) for t in starts] + [end]
        bounds[0] = start
        slot = [max(0.0, b - a) for a, b in zip(bounds, bounds[1:], strict=False)]
    elif total > 0:
        slot = [c.seconds * window / total for c in clauses]
    else:
        chars = sum(lengths) or 1
        slot = [window * n / chars for n in lengths]
    durations = [sum(slot[ci] * n / max(1, lengths[ci]) for ci, n in cue.pieces) for cue in cues]
    need = [max(MIN_CUE, cue.chars / MAX_CPS) for cue in cues]
    for i in range(len(cues)):
        short = need[i] - durations[i]
        for j in (i + 1, i - 1, i + 2, i - 2):
            if short <= 1e-9:
                break
            if 0 <= j < len(cues):
                spare = durations[j] - need[j]
                if spare > 0:
                    moved = min(spare, short)
                    durations[j] -= moved
                    durations[i] += moved
                    short -= moved
    out, t = [], start
    for i, cue in enumerate(cues):
        t1 = end if i == len(cues) - 1 else t + durations[i]
        out.append(Cue(t, t1, cue.lines))
        t = t1
    return out


def timestamp(t: float, sep: str) -> str:
    """``HH:MM:SS`` then ``sep`` and milliseconds (``,`` for SubRip, ``.`` for WebVTT)."""
    ms = max(0, round(t * 1000))
    h, rem = divmod(ms, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, ms = divmod(rem, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def srt_text(cues: Iterable[Cue]) -> str:
    """SubRip: one block per cue with a positive duration, lines as written."""
    blocks = []
    for cue in cues:
        if cue.end <= cue.start or not cue.text.strip():
            continue
        blocks.append(f"{len(blocks) + 1}\n{timestamp(cue.start, ',')} --> {timestamp(cue.end, ',')}\n{cue.text}\n")
    return "\n".join(blocks)


def vtt_text(cues: Iterable[Cue]) -> str:
    """WebVTT, the browsers' caption format, from the same cues."""
    blocks = ["WEBVTT\n"]
    for cue in cues:
        if cue.end <= cue.start or not cue.text.strip():
            continue
        blocks.append(f"{timestamp(cue.start, '.')} --> {timestamp(cue.end, '.')}\n{cue.text}\n")
    return "\n".join(blocks)


_SRT_TIME = re.compile(r"(\d+):(\d\d):(\d\d)[,.](\d{1,3})")


def _seconds(stamp: str) -> float | None:
    m = _SRT_TIME.search(stamp)
    if m is None:
        return None
    h, mi, s, ms = m.groups()
    return int(h) * 3600 + int(mi) * 60 + int(s) + int(ms.ljust(3, "0")) / 1000


def read_srt(text: str) -> list[Cue]:
    """The cues of a SubRip file, leniently: blocks without a readable timing line are skipped,
    CRLF and CR line ends are read as LF, text lines are kept as written."""
    cues = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\r", "\n").strip()):
        lines = block.split("\n")
        timing_at = next((i for i, line in enumerate(lines) if "-->" in line), None)
        if timing_at is None:
            continue
        first, _, second = lines[timing_at].partition("-->")
        start, end = _seconds(first), _seconds(second)
        if start is None or end is None:
            continue
        cues.append(Cue(start, end, tuple(lines[timing_at + 1 :])))
    return cues
