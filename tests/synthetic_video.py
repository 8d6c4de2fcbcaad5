"""Small real H.264 videos for tests, made with PyAV: every frame one flat colour, so a frame is known by its colour.

``frame_colour(i)`` gives frame ``i`` a colour far enough from its neighbours' that it
survives compression; :func:`frame_indices` reads the indices back from a decoded video.
Keyframes can be forced at chosen frames (as Manim's one segment per ``play()`` has them).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

__all__ = ["decoded_frames", "frame_colour", "frame_indices", "write_video"]

#: Distinct frame colours: 6 levels per channel (steps of 51), 216 frames before they repeat.
_LEVELS = 6


def frame_colour(i: int) -> tuple[int, int, int]:
    i %= _LEVELS**3
    return (51 * (i % _LEVELS), 51 * ((i // _LEVELS) % _LEVELS), 51 * (i // _LEVELS**2))


def write_video(
    path: Path,
    frames: int | Sequence[tuple[int, int, int]],
    fps: int = 15,
    size: tuple[int, int] = (64, 36),
    keyframes: Iterable[int] = (),
    b_frames: bool = True,
) -> Path:
    """Write an H.264 MP4 of flat frames (``frames``: a count, coloured by :func:`frame_colour`, or colours).

    ``keyframes``: frames that must start a closed group of pictures (IDR), so that what
    follows decodes without anything before it.
    """
    import av

    colours = [frame_colour(i) for i in range(frames)] if isinstance(frames, int) else list(frames)
    forced = set(keyframes)
    w, h = size
    with av.open(str(path), "w") as c:
        # forced-idr: a forced keyframe is an IDR frame, as at the start of each of Manim's segments.
        s = c.add_stream("libx264", rate=fps, options={"crf": "10", "bf": "2" if b_frames else "0", "forced-idr": "1"})
        s.width, s.height, s.pix_fmt = w, h, "yuv420p"
        for i, colour in enumerate(colours):
            img = np.empty((h, w, 3), dtype=np.uint8)
            img[:] = colour
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts = i
            if i in forced:
                frame.pict_type = av.video.frame.PictureType.I
            c.mux(s.encode(frame))
        c.mux(s.encode(None))
    return Path(path)


def decoded_frames(path: Path) -> list[np.ndarray]:
    """Every frame of the first video stream as an RGB array, in presentation order."""
    import av

    with av.open(str(path)) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


def frame_indices(path: Path) -> list[int]:
    """The :func:`frame_colour` index of each frame of ``path`` (by its centre pixel, nearest level)."""
    out = []
    for img in decoded_frames(path):
        h, w, _ = img.shape
        r, g, b = (int(round(v / 51)) for v in img[h // 2, w // 2])
        out.append(r + _LEVELS * g + _LEVELS**2 * b)
    return out
