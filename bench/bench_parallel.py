"""One clip on one or more workers, and the encoder settings: time, CPU, size and quality in one run.

    .venv/bin/python bench/bench_parallel.py [--config configs/default.yaml ...] [-q h]
        [--voice none] [--jobs 1,2] [--encoders standard,fast] [--candidates] [--dask]

For each config (default: ``configs/default.yaml`` silent, and the same clip with 48 steps
and its neural narration), in this order:

1. A lossless reference render (x264 ``crf 0``): every quality figure is measured
   against its frames (PSNR over Y, U and V of every frame; one MSE for the whole clip).
2. The encode floor of each encoder setting: x264 alone encoding the reference's frames
   in one stream (RGBA in, as Manim hands them over), timing only the encoder calls;
   with the output's size and PSNR. ``--candidates`` adds other x264 settings to this
   table (the screening ``output.encoder: fast`` was chosen by).
3. Real renders, ``--force``, for every encoder setting and every ``-j``: wall seconds,
   CPU seconds (this process and its children) and utilisation, file size, PSNR; the
   ratio to the standard encode floor (the issue's target: ``-j 2`` <= 1.0 with the
   standard setting, <= 0.7 with the fast one).
4. The split's cost model and what it predicts. The overhead of one more worker, measured
   directly: a spawned worker that starts, imports, builds and plays the whole scene and
   draws nothing (wall ``o_w``, CPU ``o``; the difference CPU(-j 2) - CPU(-j 1) is printed
   beside it, as a cross-check). The drawing and encoding work ``W`` = CPU(-j 1) - o; the
   serial tail ``s`` (speech, joining, sidecars) from the render's own stage timings. On N
   free cores, N workers take about ``s + o_w + W / N`` seconds. The model is checked
   against the measured ``-j 2`` (this machine has 2 cores) and, with ``--dask``, against
   the same clip drawn in 2 parts on a Dask ``LocalCluster`` of 2 worker processes (CPU
   then counts the cluster's workers too); then it predicts 8, 16 and 64.

Every render goes into one output folder, so the speech is synthesised once (a warm-up
render at -q l) and every timed render uses the same cached speech and timeline.
Wall-clock figures on a shared machine are noisy; the ratios come from one run.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import resource
import shutil
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_render import encode_floor  # noqa: E402  (this folder: the one encode floor)

#: x264 lossless: the reference every quality figure is measured against.
LOSSLESS = {"crf": "0", "preset": "ultrafast"}
#: Other settings for the floor table (``--candidates``): preset and crf around the fast one.
CANDIDATES: dict[str, dict[str, str]] = {
    "veryfast crf23 anim": {"preset": "veryfast", "tune": "animation", "crf": "23"},
    "veryfast crf22 anim": {"preset": "veryfast", "tune": "animation", "crf": "22"},
    "superfast crf21": {"preset": "superfast", "crf": "21"},
}


def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _idle_part(job: object) -> None:
    from explainer.split.render import draw_part

    draw_part(job)  # type: ignore[arg-type]


def worker_overhead(cfg: object, quality: str, options: Mapping[str, str], media: Path) -> tuple[float, float]:
    """What one more worker costs, measured directly: (wall seconds, CPU seconds) of a spawned
    worker that starts, imports, builds and plays the whole scene and draws none of it
    (worker 999,999 of a million: no block of the clip is dealt to it)."""
    import multiprocessing

    from explainer.runs import build_spec
    from explainer.split.render import PartJob
    from scenes.share import Share

    job = PartJob(
        spec=build_spec(cfg),  # type: ignore[arg-type]
        scene=cfg.scene,  # type: ignore[attr-defined]
        cell=cfg.scene_cell,  # type: ignore[attr-defined]
        name=cfg.name,  # type: ignore[attr-defined]
        quality=quality,
        fmt="mp4",
        quiet=True,
        share=Share(999_999, 1_000_000),
        media=str(media),
        encoder=dict(options),
    )
    c0, t0 = cpu_seconds(), time.perf_counter()
    proc = multiprocessing.get_context("spawn").Process(target=_idle_part, args=(job,))
    proc.start()
    proc.join()
    if proc.exitcode != 0:
        raise RuntimeError(f"the idle worker exited with {proc.exitcode}")
    return time.perf_counter() - t0, cpu_seconds() - c0


def cluster_cpu(conn: object) -> float:
    """CPU seconds the Dask cluster's worker processes have used so far."""
    import os

    times = conn.client.run(lambda: sum(os.times()[:4]))  # type: ignore[attr-defined]
    return float(sum(times.values()))


def psnr(video: Path | bytes, reference: Path) -> float:
    """PSNR in dB of ``video`` against ``reference``: one MSE over every Y, U and V sample."""
    import av

    src = io.BytesIO(video) if isinstance(video, bytes) else str(video)
    sse = 0.0
    count = 0
    with av.open(src) as a, av.open(str(reference)) as b:
        for fa, fb in zip(a.decode(video=0), b.decode(video=0), strict=True):
            ya = fa.to_ndarray(format="yuv420p") if fa.format.name != "yuv420p" else fa.to_ndarray()
            yb = fb.to_ndarray(format="yuv420p") if fb.format.name != "yuv420p" else fb.to_ndarray()
            d = ya.astype(np.float64) - yb
            flat = d.ravel()
            sse += float(flat @ flat)
            count += flat.size
    mse = sse / count
    return math.inf if mse == 0 else 10 * math.log10(255.0**2 / mse)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--config", action="append", help="a config (repeatable); default: see the docstring")
    ap.add_argument("-q", "--quality", default="h")
    ap.add_argument("--voice", default=None, help="narration.voice for every config (default: each config's own)")
    ap.add_argument("--jobs", default="1,2", help="comma-separated -j values (default 1,2)")
    ap.add_argument("--encoders", default="standard,fast", help="output.encoder settings (default standard,fast)")
    ap.add_argument("--candidates", action="store_true", help="also screen other x264 settings' encode floors")
    ap.add_argument("--no-renders", action="store_true", help="only the reference and the floor table")
    ap.add_argument(
        "--dask",
        action="store_true",
        help="also render each setting on a Dask LocalCluster of 2 workers (the model's check off this process)",
    )
    ap.add_argument("-o", "--output-dir", type=Path, default=Path("/tmp/bench_parallel"))
    args = ap.parse_args()

    import explainer.clip as clip
    from explainer.config import load_config, with_overrides
    from explainer.media import ENCODERS

    jobs = [int(j) for j in args.jobs.split(",")]
    encoders = args.encoders.split(",")
    default = ROOT / "configs/default.yaml"
    if args.config:
        configs = [(c, load_config(ROOT / c)) for c in args.config]
    else:
        base = load_config(default)
        configs = [
            ("default.yaml, silent", with_overrides(base, {"narration.voice": "none"}, origin="bench")),
            (
                "default.yaml, 48 steps, narrated",
                with_overrides(
                    base,
                    {"sequence.length": 48, "output.name": "default_48", "narration.voice": "neural"},
                    origin="bench",
                ),
            ),
        ]
    if args.voice is not None:
        configs = [(label, with_overrides(c, {"narration.voice": args.voice}, origin="bench")) for label, c in configs]
    args.output_dir.mkdir(parents=True, exist_ok=True)
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    for label, cfg in configs:
        out = args.output_dir
        clip.render_clip(cfg, out, quality="l", force=True, quiet=True)  # warm: speech, Typst
        t0 = time.perf_counter()
        ref = clip.render_clip(cfg, out, quality=args.quality, force=True, quiet=True, encoder=LOSSLESS)
        ref_seconds = time.perf_counter() - t0
        reference = out / f"reference_{cfg.name}.mp4"
        shutil.copyfile(ref.files["video"], reference)
        frames = int(json.loads(ref.files["metadata"].read_text())["video"]["frames"])
        print(f"\n{label} at -q {args.quality}: {ref.duration:.1f} s of video, {frames} frames")
        print(f"  lossless reference render (x264 crf 0 ultrafast) {ref_seconds:.1f} s")
        print("  encode floor (x264 alone on the reference's frames, one stream; vs the standard floor):")
        floors: dict[str, tuple[float, float, int, float]] = {}
        table = {name: dict(ENCODERS[name]) for name in encoders}
        if args.candidates:
            table.update(CANDIDATES)
        for name, options in table.items():
            floor = encode_floor(reference, options)
            floors[name] = (floor.seconds, floor.cpu, len(floor.data), psnr(floor.data, reference))
        std = floors.get("standard")
        for name, (spent, cpu, size, db) in floors.items():
            rel = f"x{spent / std[0]:.2f} time, x{size / std[2]:.2f} size, {db - std[3]:+.2f} dB" if std else ""
            print(
                f"    {name:22s} {spent:6.1f} s ({cpu:5.1f} CPU-s with decoding)  {size / 1e6:6.1f} MB  "
                f"PSNR {db:5.2f} dB  {rel}   "
                f"options {table[name] or 'Manim default (crf 23, preset medium)'}",
                flush=True,
            )
        if args.no_renders:
            continue
        print("  renders (--force; vs the standard encode floor):")
        measured: dict[tuple[str, int], tuple[float, float, dict[str, float]]] = {}
        for name in encoders:
            for j in jobs:
                c0, t0 = cpu_seconds(), time.perf_counter()
                run = with_overrides(cfg, {"output.encoder": name}, origin="bench")
                res = clip.render_clip(run, out, quality=args.quality, force=True, quiet=True, workers=j)
                wall, cpu = time.perf_counter() - t0, cpu_seconds() - c0
                meta = json.loads(res.files["metadata"].read_text())
                size = res.files["video"].stat().st_size
                db = psnr(res.files["video"], reference)
                measured[(name, j)] = (wall, cpu, meta.get("timings", {}))
                floor = f"  render/floor {wall / std[0]:.2f}" if std else ""
                print(
                    f"    {name:9s} -j {j}  {wall:6.1f} s wall  {cpu:6.1f} CPU-s  {100 * cpu / wall:4.0f} %  "
                    f"{size / 1e6:6.1f} MB  PSNR {db:5.2f} dB{floor}",
                    flush=True,
                )
        overhead: dict[str, tuple[float, float]] = {}
        for name in encoders:
            overhead[name] = worker_overhead(
                with_overrides(cfg, {"output.encoder": name}, origin="bench"),
                args.quality,
                ENCODERS[name],
                out / f"idle-{name}",
            )
            print(
                f"    {name:9s} one more worker, drawing nothing: {overhead[name][0]:.1f} s wall, "
                f"{overhead[name][1]:.1f} CPU-s (spawn, imports, build and play the scene)",
                flush=True,
            )
        on_dask: dict[str, tuple[float, float]] = {}
        if args.dask:
            import logging

            from explainer.batch.dask_cluster import connect

            logging.getLogger("distributed").setLevel(logging.ERROR)  # its shutdown chatter
            with connect("local", 2) as conn:
                # warm: the workers import Manim and compile the formulas once
                clip.render_clip(cfg, out, quality="l", force=True, quiet=True, workers=2, cluster=conn)
                for name in encoders:
                    run = with_overrides(cfg, {"output.encoder": name}, origin="bench")
                    c0, d0, t0 = cpu_seconds(), cluster_cpu(conn), time.perf_counter()
                    res = clip.render_clip(
                        run, out, quality=args.quality, force=True, quiet=True, workers=2, cluster=conn
                    )
                    wall = time.perf_counter() - t0
                    cpu = cpu_seconds() - c0 + cluster_cpu(conn) - d0
                    on_dask[name] = (wall, cpu)
                    floor = f"  render/floor {wall / std[0]:.2f}" if std else ""
                    print(
                        f"    {name:9s} LocalCluster of 2, 2 parts  {wall:6.1f} s wall  {cpu:6.1f} CPU-s  "
                        f"{100 * cpu / wall:4.0f} %  PSNR {psnr(res.files['video'], reference):5.2f} dB{floor}",
                        flush=True,
                    )
        for name in encoders:
            if (name, 1) not in measured or (name, 2) not in measured:
                continue
            (w1, c1, t1), (w2, c2, _) = measured[(name, 1)], measured[(name, 2)]
            # The overhead of a worker, measured directly (a worker that draws nothing), and
            # as the difference of two renders' CPU (noisy: two large totals).
            o_wall, o = overhead[name]
            work = c1 - o  # drawing and encoding: what divides across workers
            tail = w1 - t1.get("scene", w1)
            # Serial: one core draws while x264's threads use the rest; the model is for N >= 2.
            predicted_2 = tail + o_wall + work / 2
            preds = ", ".join(
                f"{n}: {tail + o_wall + work / n:.1f} s (x{w1 / (tail + o_wall + work / n):.1f})" for n in (8, 16, 64)
            )
            dask = f", on a LocalCluster of 2 {on_dask[name][0]:.1f} s" if name in on_dask else ""
            print(
                f"  model ({name}): per-worker overhead {o:.1f} CPU-s measured ({max(0.0, c2 - c1):.1f} by difference),"
                f" work {work:.1f} CPU-s, serial tail {tail:.1f} s; predicts 2 workers {predicted_2:.1f} s against"
                f" {w2:.1f} s measured here{dask}; on N cores {preds}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
