"""The scenes' segment encoder (issue 14): the stream Manim's encoder gives, held frames converted once.

:class:`scenes.segment_encoder.SegmentEncoder` and Manim's segment encoder encode the same
frames (some held, some not) for each container the clips use; the packets must be
byte-identical and the decoded frames pixel-identical. x264 runs with ``mbtree=0``: with
its macroblock tree on, two encodes of the same frames in one process differ a little
(:func:`explainer.media.reproducible`), and nothing could be compared; the control test
shows the comparison is between encodes that are a function of their input.
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

from scenes.segment_encoder import SegmentEncoder, to_codec_format, use_segment_encoder

ROOT = Path(__file__).resolve().parent.parent
W, H = 328, 184  # neither a multiple of 16: the codec pads the last macroblock row and column


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
        px[H - 3 :, W - 40 + 3 * k :, :3] = (90, 200, 120)  # something in the bottom-right corner
        out.append((px, repeat))
    return out


NO_MBTREE = ("x264-params", "mbtree=0")
SPECS = {
    "mp4": VideoEncoderSpec("mp4", "libx264", "yuv420p", W, H, Fraction(30), (("crf", "23"), NO_MBTREE)),
    "mp4-1-thread": VideoEncoderSpec(
        "mp4", "libx264", "yuv420p", W, H, Fraction(30), (("crf", "23"), ("threads", "1"), NO_MBTREE)
    ),
    "mp4-fast": VideoEncoderSpec(
        "mp4",
        "libx264",
        "yuv420p",
        W,
        H,
        Fraction(60),
        (("preset", "veryfast"), ("tune", "animation"), ("crf", "21"), NO_MBTREE),
    ),
    "webm": VideoEncoderSpec("webm", "libvpx-vp9", "yuv420p", W, H, Fraction(30), (("threads", "1"),)),
}


def encode(cls: type[VideoSegmentEncoder], spec: VideoEncoderSpec, target: Path) -> list[str]:
    """The stream's packets (their hashes), and the file at ``target``."""
    enc = cls(target=target, spec=spec)
    for px, repeat in frames_to_write():
        enc.write_frame(px, repeat=repeat)
    enc.finish()
    with av.open(str(target)) as c:
        return [hashlib.sha256(bytes(p)).hexdigest() for p in c.demux(video=0) if p.size]


def decoded(target: Path) -> list[str]:
    with av.open(str(target)) as c:
        return [hashlib.sha256(f.to_ndarray(format="rgb24").tobytes()).hexdigest() for f in c.decode(video=0)]


@pytest.mark.parametrize("kind", sorted(SPECS))
def test_the_same_stream_as_manims_encoder(tmp_path: Path, kind: str) -> None:
    spec, ext = SPECS[kind], SPECS[kind].container_format
    manim = encode(VideoSegmentEncoder, spec, tmp_path / f"manim.{ext}")
    ours = encode(SegmentEncoder, spec, tmp_path / f"ours.{ext}")
    again = encode(VideoSegmentEncoder, spec, tmp_path / f"again.{ext}")
    assert len(manim) == sum(r for _, r in frames_to_write())
    assert again == manim  # the control: this encoder gives the same stream every time
    assert ours == manim
    a, b = decoded(tmp_path / f"manim.{ext}"), decoded(tmp_path / f"ours.{ext}")
    assert a == b and len(a) == len(manim)


def test_a_held_frame_is_converted_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import scenes.segment_encoder as module

    calls = []

    def counting(*args: object) -> av.VideoFrame:
        calls.append(1)
        return to_codec_format(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(module, "to_codec_format", counting)
    encode(SegmentEncoder, SPECS["mp4"], tmp_path / "x.mp4")
    assert len(calls) == len(frames_to_write())


def test_use_segment_encoder_replaces_the_writers_factory(tmp_path: Path) -> None:
    class Writer:
        video_encoder = SPECS["mp4"]

    writer = Writer()
    use_segment_encoder(writer)
    encoder = writer._create_segment_encoder(tmp_path / "x.mp4")  # type: ignore[attr-defined]
    try:
        assert isinstance(encoder, SegmentEncoder)
    finally:
        encoder.abort()


@pytest.mark.scene
def test_every_explainer_scene_uses_it(tmp_path: Path) -> None:
    from manim import tempconfig

    from explainer.config import load_config, with_overrides
    from explainer.runs import build_spec
    from explainer.scene_kinds import get_scene_kind

    cfg = with_overrides(load_config(ROOT / "configs/default.yaml"), {"narration.voice": "none"}, origin="test")
    cls = get_scene_kind(cfg.scene).load_class(cfg.scene_cell)
    with tempconfig({"media_dir": str(tmp_path), "quality": "low_quality", "dry_run": False}):
        scene = cls(build_spec(cfg))
        encoder = scene.renderer.file_writer._create_segment_encoder(tmp_path / "x.mp4")
        try:
            assert isinstance(encoder, SegmentEncoder)
        finally:
            encoder.abort()
