"""Output qualities and file formats: the one list every part of the project reads.

Quality presets are Manim's, by flag, copied as numbers so that the cache check,
the metadata and the command line need no Manim import.
"""

from __future__ import annotations

__all__ = [
    "ENCODERS",
    "ENCODER_NAMES",
    "FORMATS",
    "QUALITIES",
    "QUALITY_HELP",
    "QUALITY_NAMES",
    "VIDEO_FORMATS",
    "encoder_options",
]

import os
from collections.abc import Mapping

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

#: ``output.encoder`` -> the x264 options (on top of Manim's crf 23) an mp4 is encoded
#: with. ``standard`` is Manim's own setting (preset medium). ``fast`` was chosen by
#: ``bench/bench_parallel.py --candidates``: the same measured quality against a lossless render (PSNR
#: within 0.5 dB) and a file no more than 1.2x the size, in less encoding time; the
#: figures are in the README. Other formats (webm, mov, gif) always use Manim's settings.
ENCODERS: dict[str, Mapping[str, str]] = {
    "standard": {},
    "fast": {"preset": "veryfast", "tune": "animation", "crf": "21"},
}
ENCODER_NAMES: tuple[str, ...] = tuple(ENCODERS)


def reproducible() -> bool:
    """``RNN_EXPLAINER_REPRODUCIBLE=1``: every render of a clip, serial or split, gives the same bits.

    x264's macroblock-tree rate control (``mbtree``, on in every preset Manim and ``fast``
    use) makes its output differ a little from encode to encode of the same frames in one
    process, with one thread or many: 4 renders of ``default.yaml`` at ``-q l`` in one
    process gave 4 different streams (a level here and there, invisibly), and 55 frames
    encoded 10 times in a loop 6 different ones. With ``mbtree=0`` every one of them was the
    same, with x264's own threads and several segments encoded at once. So this setting
    turns mbtree off. That changes the stream (mbtree moves bits to what stays on screen), so
    it is for the tests that compare pixels, not for lectures.
    """
    return os.environ.get("RNN_EXPLAINER_REPRODUCIBLE", "").strip() == "1"


def encoder_options(encoder: str, fmt: str) -> dict[str, str]:
    """The video encoder options for ``output.encoder`` and a format (Manim merges them over its own).

    ``RNN_EXPLAINER_REPRODUCIBLE=1`` adds ``x264-params: mbtree=0`` (see :func:`reproducible`);
    ``RNN_EXPLAINER_X264_THREADS=N`` (digits) gives x264 N threads per segment.
    """
    if fmt != "mp4":
        return {}
    options = dict(ENCODERS[encoder])
    threads = os.environ.get("RNN_EXPLAINER_X264_THREADS", "").strip()
    if threads.isdigit():
        options["threads"] = threads
    if reproducible():
        options["x264-params"] = "mbtree=0"
    return options
