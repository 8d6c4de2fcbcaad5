"""The manim-slides presentation file of a deck, and its PowerPoint export.

manim-slides keeps a presentation as ``slides/<name>.json`` with its videos under
``slides/files/<name>/``; the paths inside are relative to the folder that holds
``slides/`` (its ``PresentationConfig.from_file`` resolves them so). We write that file
from our own sections (manim-slides' ``Slide`` scene class does not run under Manim
0.22) and load it back with manim-slides' own model, so its presenter
(``manim-slides present NAME``) and converter (``manim-slides convert``) read what we wrote.

The PowerPoint file is made by manim-slides' own converter from that model: one slide
per video, which starts by itself when the slide shows, with the speaker notes.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["PresentationSlide", "load_presentation", "presentation_json", "write_pptx"]


@dataclass(frozen=True)
class PresentationSlide:
    """One slide of the presentation file: its videos (relative to the folder holding ``slides/``) and notes."""

    file: str
    rev_file: str
    notes: str
    loop: bool = False
    auto_next: bool = False


def presentation_json(slides: Sequence[PresentationSlide], resolution: tuple[int, int], background: str) -> str:
    """The text of a manim-slides 5.7 presentation file (every field its ``SlideConfig`` knows)."""
    doc = {
        "slides": [
            {
                "file": s.file,
                "rev_file": s.rev_file,
                "notes": s.notes,
                "dedent_notes": False,  # our notes are plain paragraphs; nothing to dedent
                "loop": s.loop,
                "auto_next": s.auto_next,
                "playback_rate": 1.0,
                "reversed_playback_rate": 1.0,
                "skip_animations": False,
                "src": None,
                "type": "video",
                "direction": "horizontal",
            }
            for s in slides
        ],
        "resolution": [int(resolution[0]), int(resolution[1])],
        "background_color": background,
    }
    return json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def load_presentation(path: Path) -> Any:
    """Read a presentation file with manim-slides' own model (``PresentationConfig``); raises if it is invalid."""
    from manim_slides.config import PresentationConfig

    return PresentationConfig.from_file(Path(path))


def write_pptx(presentation: Any, dest: Path) -> Path:
    """Write ``dest`` (a ``.pptx``) from a loaded presentation with manim-slides' PowerPoint converter."""
    from manim_slides.convert import PowerPoint

    width, height = presentation.resolution
    with contextlib.redirect_stderr(io.StringIO()):  # its progress bar
        PowerPoint(presentation_configs=[presentation], width=width, height=height).convert_to(Path(dest))
    return Path(dest)
