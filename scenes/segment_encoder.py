"""How a scene's frames become a partial movie: Manim's stream, with cheap holds.

Every explainer scene encodes its segments (one per ``play()``) with :class:`SegmentEncoder`
instead of Manim's :class:`~manim.scene.video_segment_encoder.VideoSegmentEncoder`. It does
one thing differently, a held frame converted once, and the stream is the same.

**The conversion before the codec.** Manim hands each RGBA frame to the codec, which converts
it to the codec's pixel format (yuv420p). Here the frame is converted before it is handed
over, as the codec would (BILINEAR, no colour-space arguments); the packets are byte-identical
to Manim's encoder's (``tests/test_segment_encoder.py``).

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
from manim.scene.video_segment_encoder import VideoSegmentEncoder

__all__ = ["SegmentEncoder", "to_codec_format", "use_segment_encoder"]


def to_codec_format(pixels: Any, pix_fmt: str, width: int, height: int) -> av.VideoFrame:
    """One RGBA frame as the codec takes it."""
    frame = av.VideoFrame.from_ndarray(pixels, format="rgba")
    if pix_fmt == "rgba" and frame.width == width and frame.height == height:
        return frame
    # The codec's own conversion uses BILINEAR (reformat's default) and no colour-space arguments.
    return frame.reformat(width=width, height=height, format=pix_fmt)


class SegmentEncoder(VideoSegmentEncoder):
    """Manim's segment encoder, with a held frame converted for the codec once."""

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
