"""Render speed of a clip against the encode floor, printed as numbers.

    .venv/bin/python bench/bench_render.py [CONFIG] [-q h] [--profile]

1. Renders CONFIG (default ``configs/default.yaml``) at the given quality (default
   ``h``, 1080p60) into a temporary folder with ``--force`` semantics and times it.
2. The encode floor: decodes that clip again and re-encodes the same frames at the
   same size with x264 as Manim configures it (``crf 23``, yuv420p), timing only the
   encoder calls. Rendering can never be cheaper than encoding its own frames.
3. Prints render / floor, and render time / video duration (real-time factor).
4. ``--profile`` also prints the top of a cProfile of the render, by own time.

Both timings come from one run on the same machine, so the ratio is comparable
between runs even when the machine is busy; the absolute seconds are not.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import resource
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from explainer.clip import render_clip  # noqa: E402
from explainer.config import load_config  # noqa: E402


@dataclass(frozen=True)
class Floor:
    """x264 alone on a video's frames: ``seconds`` in encoder calls (decoding excluded),
    ``cpu`` seconds of the whole loop (decoding included), the frame count and the file."""

    seconds: float
    cpu: float
    frames: int
    data: bytes


def _cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


def encode_floor(video: Path, options: Mapping[str, str] | None = None) -> Floor:
    """Encode the frames of ``video`` again with x264, one stream, as Manim configures it:
    its defaults (crf 23, yuv420p), then ``options`` over them, as Manim merges them."""
    import av

    spent = 0.0
    frames = 0
    buf = io.BytesIO()
    c0 = _cpu_seconds()
    with av.open(str(video)) as src, av.open(buf, "w", format="mp4") as dst:
        s = src.streams.video[0]
        out = dst.add_stream("libx264", rate=Fraction(s.average_rate), options={"crf": "23", **(options or {})})
        out.width, out.height, out.pix_fmt = s.codec_context.width, s.codec_context.height, "yuv420p"
        for frame in src.decode(s):
            rgba = frame.to_ndarray(format="rgba")  # Manim hands the encoder RGBA frames
            t0 = time.perf_counter()
            for packet in out.encode(av.VideoFrame.from_ndarray(rgba, format="rgba")):
                dst.mux(packet)
            spent += time.perf_counter() - t0
            frames += 1
        t0 = time.perf_counter()
        for packet in out.encode():
            dst.mux(packet)
        spent += time.perf_counter() - t0
    return Floor(spent, _cpu_seconds() - c0, frames, buf.getvalue())


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("config", nargs="?", default="configs/default.yaml")
    ap.add_argument("-q", "--quality", default="h")
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()
    cfg = load_config(args.config)
    with tempfile.TemporaryDirectory() as tmp:
        prof = cProfile.Profile() if args.profile else None
        t0 = time.perf_counter()
        if prof:
            prof.enable()
        result = render_clip(cfg, Path(tmp), quality=args.quality, fmt="mp4", force=True, quiet=True)
        if prof:
            prof.disable()
        render_s = time.perf_counter() - t0
        floor = encode_floor(result.files["video"])
        floor_s, frames = floor.seconds, floor.frames
    print(f"config            {args.config}  (-q {args.quality})")
    print(f"video             {result.duration:.2f} s, {frames} frames")
    print(f"render            {render_s:.2f} s  ({frames / render_s:.1f} frames/s)")
    print(f"encode floor      {floor_s:.2f} s  (x264 crf 23 on the same frames)")
    print(f"render / floor    {render_s / floor_s:.2f}   (target <= 1.5 at -q h)")
    print(f"render / duration {render_s / result.duration:.2f}   (< 1 means faster than real time)")
    if prof:
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(15)
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
