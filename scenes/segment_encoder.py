"""How a scene's frames become a partial movie: Manim's stream, with cheap holds.

Every explainer scene encodes its segments (one per ``play()``) with :class:`SegmentEncoder`
instead of Manim's :class:`~manim.scene.video_segment_encoder.VideoSegmentEncoder`. It does
two things differently; neither changes the stream.

**A conversion of its own.** Manim hands each RGBA frame to the codec, which converts it to
the codec's pixel format (yuv420p) with a swscale context kept for the segment. Here each
frame is converted before it is handed over, with the codec's interpolation (BILINEAR) and
no colour-space arguments, by a context of its own (nothing carried over from frame to frame:
4.4 ms per 1080p frame, against 4.2 ms with one context kept). The planes are the codec's own
(``tests/test_segment_encoder.py``).

**Cheap holds.** While the voice speaks over a still screen, Manim's cairo renderer draws
the frame once and hands it over with ``repeat=N``; Manim then builds a new ``VideoFrame``
and converts it N times. Here a held frame is converted once and the codec gets the same
converted picture N times with consecutive timestamps (encoders copy a picture in and never
write to it). ``bench/bench_holds.py`` measures what a held frame costs either way.

The streams can only be compared with x264's macroblock tree off: with it on, two encodes
of the same frames in one process differ a little, whichever encoder hands them over
(:func:`explainer.media.reproducible`).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import av
from av.video.reformatter import VideoReformatter
from manim.scene.video_segment_encoder import VideoSegmentEncoder

__all__ = ["SegmentEncoder", "to_codec_format", "use_segment_encoder"]


def to_codec_format(pixels: Any, pix_fmt: str, width: int, height: int) -> av.VideoFrame:
    """One RGBA frame as the codec takes it, converted by a swscale context of its own (one thread)."""
    frame = av.VideoFrame.from_ndarray(pixels, format="rgba")
    if pix_fmt == "rgba" and frame.width == width and frame.height == height:
        return frame
    # The codec's own conversion uses BILINEAR and no colour-space arguments: the same here.
    return VideoReformatter().reformat(frame, width=width, height=height, format=pix_fmt, threads=1)


class SegmentEncoder(VideoSegmentEncoder):
    """Manim's segment encoder, with every frame converted by a context of its own, and a held one once."""

    def write_frame(self, pixels: Any, *, repeat: int = 1) -> None:
        self._validate_frame(pixels, repeat)
        stream = self._stream
        rate = self.spec.frame_rate
        time_base = Fraction(rate.denominator, rate.numerator)
        try:
            frame = to_codec_format(pixels, stream.pix_fmt, stream.width, stream.height)
            for _ in range(repeat):
                frame.pts = self._next_pts
                frame.time_base = time_base
                self._next_pts += 1
                for packet in stream.encode(frame):
                    self._container.mux(packet)
        except BaseException as error:
            raise self._operation_error("encode", error) from error


def use_segment_encoder(file_writer: Any) -> None:
    """Make ``file_writer`` (a Manim ``SceneFileWriter``) encode its segments with :class:`SegmentEncoder`."""

    def create(target: Any) -> VideoSegmentEncoder:
        spec = file_writer.video_encoder
        if spec is None:
            raise RuntimeError("Video segment encoding requires resolved settings.")
        return SegmentEncoder(target=target, spec=spec)

    file_writer._create_segment_encoder = create
