"""What a held frame costs: Manim's segment encoder against :class:`scenes.segment_encoder.SegmentEncoder`.

    .venv/bin/python bench/bench_holds.py [--video out/default/default.mp4] [--frames 300] [--repeats 3]

A held frame (the screen still while the voice speaks) is handed to the encoder once with
``repeat=N``. Manim builds a new ``VideoFrame`` from the RGBA pixels and converts it to
yuv420p for every one of the N frames; the hold encoder does both once per hold. This
encodes one real 1080p frame (frame 200 of ``--video``, else a synthetic one) held for
``--frames`` frames, with each x264 setting the clips offer, both ways, interleaved and
repeated (medians), and prints milliseconds per held frame, the ratio, and whether the
two streams are byte-identical (they must be). The colour conversion alone is timed too.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from manim._config.video_encoder import VideoEncoderSpec  # noqa: E402
from manim.scene.video_segment_encoder import VideoSegmentEncoder  # noqa: E402

from explainer.media import ENCODERS  # noqa: E402
from scenes.segment_encoder import SegmentEncoder  # noqa: E402


def real_frame(video: Path | None) -> np.ndarray:
    if video is not None and video.exists():
        with av.open(str(video)) as c:
            for i, f in enumerate(c.decode(video=0)):
                if i == 200:
                    return np.ascontiguousarray(f.reformat(width=1920, height=1080).to_ndarray(format="rgba"))
    rng = np.random.default_rng(0)
    px = np.zeros((1080, 1920, 4), np.uint8)
    px[..., 3] = 255
    px[200:800, 300:1500, :3] = rng.integers(0, 255, (600, 1200, 3))
    return px


def timed(cls: type[VideoSegmentEncoder], spec: VideoEncoderSpec, px: np.ndarray, n: int, target: Path) -> float:
    enc = cls(target=target, spec=spec)
    t0 = time.perf_counter()
    enc.write_frame(px, repeat=n)
    enc.finish()
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--video", type=Path, default=None, help="take the held frame from this render")
    ap.add_argument("--frames", type=int, default=300, help="frames the hold lasts (default 300: 5 s at 60 fps)")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    px = real_frame(args.video)
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(f"one 1920x1080 frame held for {args.frames} frames; medians of {args.repeats} interleaved runs")
    t0 = time.perf_counter()
    for _ in range(args.frames):
        av.VideoFrame.from_ndarray(px, format="rgba").reformat(format="yuv420p")
    print(f"  RGBA -> VideoFrame -> yuv420p alone: {(time.perf_counter() - t0) / args.frames * 1e3:.2f} ms per frame")
    with tempfile.TemporaryDirectory() as tmp:
        for name, options in ENCODERS.items():
            opts = {"crf": "23", **options}
            spec = VideoEncoderSpec("mp4", "libx264", "yuv420p", 1920, 1080, Fraction(60), tuple(opts.items()))
            manim, hold = [], []
            for r in range(args.repeats):
                manim.append(timed(VideoSegmentEncoder, spec, px, args.frames, Path(tmp) / f"m{r}.mp4"))
                hold.append(timed(SegmentEncoder, spec, px, args.frames, Path(tmp) / f"h{r}.mp4"))
            same = all(
                (Path(tmp) / f"m{r}.mp4").read_bytes() == (Path(tmp) / f"h{r}.mp4").read_bytes()
                for r in range(args.repeats)
            )
            m, h = statistics.median(manim) / args.frames * 1e3, statistics.median(hold) / args.frames * 1e3
            print(
                f"  {name:9s} Manim {m:6.2f} ms per held frame, segment encoder {h:6.2f} ms: x{m / h:.2f} faster;"
                f" files byte-identical: {same} (mbtree on: see the caveat)"
            )
    print("caveat: x264's macroblock tree is on (as in a render), so two encodes of the same frames can differ;")
    print("tests/test_segment_encoder.py compares with mbtree=0, where the stream is a function of its input.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
