"""Cheap holds (issue 14): a held frame converted once must encode to the very same stream.

Manim's segment encoder and :class:`scenes.holds.HoldEncoder` encode the same frames (some
held, some not) for each container the clips use; the packets must be byte-identical and
the decoded frames pixel-identical.
"""

from __future__ import annotations

import hashlib
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from manim._config.video_encoder import VideoEncoderSpec
from manim.scene.video_segment_encoder import VideoSegmentEncoder

from scenes.holds import HoldEncoder, use_hold_encoder

W, H = 320, 180


def frames_to_write() -> list[tuple[np.ndarray, int]]:
    """A moving square, with holds of several lengths in between (and a hold of 1)."""
    out = []
    for k, repeat in enumerate((1, 1, 12, 1, 30, 2, 1, 7)):
        px = np.zeros((H, W, 4), np.uint8)
        px[..., 3] = 255
        px[..., 2] = 40  # a dark blue background, as the themes draw
        x = 20 + 25 * k
        px[60:120, x : x + 50, :3] = (230, 180 - 15 * k, 60)
        px[10:14, :, :3] = 255  # a thin line: chroma subsampling at an edge
        out.append((px, repeat))
    return out


SPECS = {
    "mp4": VideoEncoderSpec("mp4", "libx264", "yuv420p", W, H, Fraction(30), (("crf", "23"), ("threads", "1"))),
    "mp4-fast": VideoEncoderSpec(
        "mp4",
        "libx264",
        "yuv420p",
        W,
        H,
        Fraction(60),
        (("preset", "veryfast"), ("tune", "animation"), ("crf", "21"), ("threads", "1")),
    ),
    "webm": VideoEncoderSpec("webm", "libvpx-vp9", "yuv420p", W, H, Fraction(30), (("threads", "1"),)),
}


def encode(cls: type[VideoSegmentEncoder], spec: VideoEncoderSpec, target: Path) -> list[bytes]:
    enc = cls(target=target, spec=spec)
    for px, repeat in frames_to_write():
        enc.write_frame(px, repeat=repeat)
    enc.finish()
    with av.open(str(target)) as c:
        return [bytes(p) for p in c.demux(video=0) if p.size]


def decoded(target: Path) -> list[str]:
    with av.open(str(target)) as c:
        return [hashlib.sha256(f.to_ndarray(format="rgb24").tobytes()).hexdigest() for f in c.decode(video=0)]


@pytest.mark.parametrize("kind", sorted(SPECS))
def test_a_hold_converted_once_encodes_the_same_stream(tmp_path: Path, kind: str) -> None:
    spec = SPECS[kind]
    a = encode(VideoSegmentEncoder, spec, tmp_path / f"manim.{spec.container_format}")
    b = encode(HoldEncoder, spec, tmp_path / f"hold.{spec.container_format}")
    assert len(a) == sum(r for _, r in frames_to_write())
    assert a == b
    fa, fb = decoded(tmp_path / f"manim.{spec.container_format}"), decoded(tmp_path / f"hold.{spec.container_format}")
    assert fa == fb and len(fa) == len(a)


def test_scenes_encode_with_the_hold_encoder() -> None:
    class Writer:
        video_encoder = SPECS["mp4"]

    writer = Writer()
    use_hold_encoder(writer)
    assert writer._create_segment_encoder.__name__ == "create"  # type: ignore[attr-defined]
