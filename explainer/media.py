"""Output qualities and file formats: the one list every part of the project reads.

Quality presets are Manim's, by flag, copied as numbers so that the cache check,
the metadata and the command line need no Manim import.
"""

from __future__ import annotations

__all__ = ["FORMATS", "QUALITIES", "QUALITY_HELP", "QUALITY_NAMES", "VIDEO_FORMATS"]

#: Quality flag -> (width, height, frames per second).
QUALITIES: dict[str, tuple[int, int, int]] = {
    "l": (854, 480, 15),
    "m": (1280, 720, 30),
    "h": (1920, 1080, 60),
    "p": (2560, 1440, 60),
    "k": (3840, 2160, 60),
}
QUALITY_NAMES: tuple[str, ...] = tuple(QUALITIES)
#: Every output format; ``png`` writes only the last frame.
FORMATS: tuple[str, ...] = ("mp4", "webm", "gif", "mov", "png")
#: The formats that are videos.
VIDEO_FORMATS: tuple[str, ...] = ("mp4", "webm", "gif", "mov")
QUALITY_HELP = "l 480p15, m 720p30, h 1080p60, p 1440p60, k 2160p60"
