"""One clip on one or more workers: wall time and CPU of each way, side by side in one run.

    .venv/bin/python bench/bench_parallel.py [--config configs/default.yaml] [-q h] [--voice none]

Prints, for the config: the serial render (x264 with one thread per segment, as shipped;
and with x264's own threads, Manim's default), the split render with 2 workers, each with
wall seconds, CPU seconds (this process and its children) and CPU utilisation, and the
workers' own set-up and build times. Every render is forced (no cache) into one folder,
so the speech cache is shared and every render draws the same timeline.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--config", default="configs/default.yaml")
    ap.add_argument("-q", "--quality", default="h")
    ap.add_argument("--voice", default="none", help="narration.voice for the run (default none: silent)")
    ap.add_argument("-o", "--output-dir", type=Path, default=Path("/tmp/bench_parallel"))
    args = ap.parse_args()

    import explainer.clip as clip
    from explainer.config import load_config, with_overrides

    cfg = with_overrides(load_config(ROOT / args.config), {"narration.voice": args.voice}, origin="bench")
    shipped = clip._manim_settings

    def x264_threads(*a, **k):  # type: ignore[no-untyped-def]
        settings = shipped(*a, **k)
        settings["video_encoder_options"] = {}
        return settings

    clip.render_clip(cfg, args.output_dir, quality=args.quality, force=True, quiet=True)  # warm: speech, Typst
    ways = [("serial, 1 x264 thread/segment", 1, False), ("serial, x264 threads auto", 1, True), ("-j 2", 2, False)]
    print(f"{args.config} at -q {args.quality}, voice {args.voice}")
    for label, workers, auto in ways:
        clip._manim_settings = x264_threads if auto else shipped
        c0, t0 = cpu_seconds(), time.perf_counter()
        res = clip.render_clip(cfg, args.output_dir, quality=args.quality, force=True, quiet=True, workers=workers)
        wall, cpu = time.perf_counter() - t0, cpu_seconds() - c0
        print(
            f"  {label:32s} {wall:6.1f} s wall  {cpu:6.1f} CPU-s  {100 * cpu / wall:4.0f} %  "
            f"({res.duration:.1f} s of video)",
            flush=True,
        )
    clip._manim_settings = shipped


if __name__ == "__main__":
    main()
