"""Cheap holds: a frame held for many frames is converted for the encoder once, not once per frame.

**Not switched on.** With the scenes encoding through it, a clean-clone run of the suite saw
three split-against-serial pixel comparisons differ in one play each (15 to 22 frames), in
different plays each time, where a full-suite run in a worktree had passed; the cause is not
found, so the scenes use Manim's encoder until it is. The tests below compare streams
encoded directly, not renders.

While the voice speaks over a still screen, Manim's cairo renderer draws the frame once
and hands it to the segment encoder with ``repeat=N``. Manim's
:class:`~manim.scene.video_segment_encoder.VideoSegmentEncoder` then builds a new
``VideoFrame`` from the RGBA pixels for each of the N frames (a copy of the whole frame)
and the encoder converts each one to the codec's pixel format again (RGBA to yuv420p, the
larger part of a held frame's cost before x264 sees it). :class:`HoldEncoder` does both
once per hold and hands x264 the same converted picture N times with consecutive
timestamps. The encoders copy a picture in when they are given it and never write to it,
so the stream is the same: ``tests/test_holds.py`` decodes both and compares every pixel,
and ``bench/bench_holds.py`` measures what a held frame costs either way.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import av
from manim.scene.video_segment_encoder import VideoSegmentEncoder

__all__ = ["HoldEncoder", "use_hold_encoder"]


class HoldEncoder(VideoSegmentEncoder):
    """Manim's segment encoder, with a repeated frame converted to the codec's format once."""

    def write_frame(self, pixels: Any, *, repeat: int = 1) -> None:
        if repeat == 1:
            super().write_frame(pixels, repeat=1)
            return
        self._validate_frame(pixels, repeat)
        rate = self.spec.frame_rate
        time_base = Fraction(rate.denominator, rate.numerator)
        try:
            frame = av.VideoFrame.from_ndarray(pixels, format="rgba")
            stream = self._stream
            if stream.pix_fmt != "rgba":
                # What the encoder would do to each frame (the stream's own size and format).
                frame = frame.reformat(format=stream.pix_fmt, width=stream.width, height=stream.height)
            for _ in range(repeat):
                frame.pts = self._next_pts
                frame.time_base = time_base
                self._next_pts += 1
                for packet in stream.encode(frame):
                    self._container.mux(packet)
        except BaseException as error:
            raise self._operation_error("encode", error) from error


def use_hold_encoder(file_writer: Any) -> None:
    """Make ``file_writer`` (a Manim ``SceneFileWriter``) encode its segments with :class:`HoldEncoder`."""

    def create(target: Any) -> VideoSegmentEncoder:
        spec = file_writer.video_encoder
        if spec is None:
            raise RuntimeError("Video segment encoding requires resolved settings.")
        return HoldEncoder(target=target, spec=spec)

    file_writer._create_segment_encoder = create
