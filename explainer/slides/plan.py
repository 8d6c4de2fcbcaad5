"""Which frames of a clip make which slide, and what the lecturer's notes say on each.

One slide per section of the clip (``next_section``: title card, input, network, each
timestep, closing). Optionally, runs of short sections (the fast steps of a long
sequence) become one slide each run, so a 64-step clip is not 64 key presses.

Times become frames once, here: a section from ``start`` to ``end`` seconds holds frames
``round(start * fps)`` up to, not including, ``round(end * fps)``. The sections of a
clip follow each other without gaps, so the slides cover every frame exactly once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["ClipSection", "SlidePlan", "plan_slides", "sections_from_metadata"]


@dataclass(frozen=True)
class ClipSection:
    """One section of a rendered clip, as its metadata records it (seconds of video)."""

    title: str
    start: float
    end: float
    caption: str = ""


@dataclass(frozen=True)
class SlidePlan:
    """One slide: a run of consecutive sections.

    Attributes
    ----------
    number
        1-based, as the deck counts.
    title
        The section title, or ``"first – last"`` for a group.
    sections
        Indices of the clip sections it shows (more than one for a group).
    start, end
        Frame range ``[start, end)`` of the clip.
    notes
        Speaker notes (paragraphs separated by a blank line).
    """

    number: int
    title: str
    sections: tuple[int, ...]
    start: int
    end: int
    notes: str

    @property
    def frames(self) -> int:
        return self.end - self.start


def sections_from_metadata(meta: Mapping[str, Any]) -> list[ClipSection]:
    """The sections a clip's metadata file (``<name>.json``) lists."""
    return [
        ClipSection(str(s["title"]), float(s["start"]), float(s["end"]), str(s.get("caption") or ""))
        for s in meta.get("sections") or []
    ]


def plan_slides(
    sections: Sequence[ClipSection],
    fps: float,
    total_frames: int,
    notes: Sequence[str] | None = None,
    group_under: float | None = None,
) -> list[SlidePlan]:
    """Turn a clip's sections into slides.

    Parameters
    ----------
    sections
        In order, each starting where the previous one ended.
    fps
        The clip's frame rate.
    total_frames
        Frames in the clip's video (the last section ends there, to within one frame).
    notes
        Speaker notes, one per section (``None``: each section's caption). A section whose
        notes are empty contributes none.
    group_under
        If given, every run of two or more consecutive sections each at most this many
        seconds long becomes a single slide (the fast steps). ``None``: one slide per section.

    Returns
    -------
    list[SlidePlan]
        Covering frames ``0 .. total_frames`` exactly once. A section too short to hold a
        frame has no slide of its own; its notes go to the next slide.
    """
    if not sections:
        raise ValueError("the clip has no sections to make slides of")
    if notes is not None and len(notes) != len(sections):
        raise ValueError(f"{len(notes)} notes given for {len(sections)} sections (one per section)")
    half_frame = 0.5 / fps
    if abs(sections[0].start) > half_frame:
        raise ValueError(f"the first section starts at {sections[0].start:g} s, not at the start of the video")
    for prev, sec in zip(sections, sections[1:], strict=False):
        if abs(sec.start - prev.end) > half_frame:
            raise ValueError(
                f"section {sec.title!r} starts at {sec.start:g} s but {prev.title!r} ends at {prev.end:g} s"
            )
    bounds = [round(s.start * fps) for s in sections] + [round(sections[-1].end * fps)]
    if abs(bounds[-1] - total_frames) > 1:
        raise ValueError(f"the sections end at frame {bounds[-1]} but the video has {total_frames} frames")
    bounds[-1] = total_frames  # a rounding difference of one frame belongs to the closing slide
    texts = list(notes) if notes is not None else [s.caption for s in sections]

    # Runs of sections that share a slide: (indices, whether they are short ones).
    runs: list[tuple[list[int], bool]] = []
    for i, sec in enumerate(sections):
        short = group_under is not None and sec.end - sec.start <= group_under + half_frame
        if short and runs and runs[-1][1]:
            runs[-1][0].append(i)
        else:
            runs.append(([i], short))
    # A single short section stays a slide of its own; a zero-frame one joins the next slide.
    slides: list[SlidePlan] = []
    pending: list[int] = []
    for run, _short in runs:
        members = pending + list(run)
        start, end = bounds[members[0]], bounds[run[-1] + 1]
        if end <= start:
            pending = members
            continue
        pending = []
        first, last = sections[run[0]].title, sections[run[-1]].title
        title = first if len(run) == 1 else f"{first} \u2013 {last}"
        body = "\n\n".join(t.strip() for t in (texts[i] for i in members) if t.strip())
        slides.append(SlidePlan(len(slides) + 1, title, tuple(members), start, end, body))
    if pending:  # trailing sections without frames: their notes close the last slide
        if not slides:
            raise ValueError("the clip has no frames to make slides of")
        last_slide = slides[-1]
        extra = "\n\n".join(t.strip() for t in (texts[i] for i in pending) if t.strip())
        slides[-1] = SlidePlan(
            last_slide.number,
            last_slide.title,
            last_slide.sections + tuple(pending),
            last_slide.start,
            last_slide.end,
            "\n\n".join(t for t in (last_slide.notes, extra) if t),
        )
    return slides
