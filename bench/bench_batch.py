"""Batch rendering against one process per clip, and the cached re-run, printed as numbers.

    .venv/bin/python bench/bench_batch.py [--clips 8] [--length 3] [--keep DIR]

A sweep of ``--clips`` small clips at ``-q l`` (activation x W_h grid on a short
linear sequence) is rendered four ways, each into a fresh output folder:

1. *separate*: one ``render.py render`` process per clip, one after another (every
   clip pays interpreter start-up, imports and Manim's import again); the sum of walls.
2. ``render.py batch -j 1``: one long-lived worker renders every clip.
3. ``render.py batch -j 2``: two workers.
4. the same ``-j 2`` command again: everything is served from the cache (target: at
   most 2% of the first run).

Wall times include process start-up, as a user sees them. All runs are on the same
machine in one go, so the ratios are comparable between runs even on a busy
machine; the absolute seconds are not.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from explainer.sweep import load_sweep  # noqa: E402

BASE = """\
title: Batch benchmark
sequence: {{kind: linear, length: {length}}}
style: {{step_seconds: 0.5, fast_after: 1, fast_step_seconds: 0.25}}
output: {{name: bench, quality: l}}
"""

ACTIVATIONS = ("tanh", "relu", "sigmoid")
WEIGHTS = (0.5, 0.8, 1.1, 1.4)


def sweep_text(clips: int) -> str:
    pairs = [(a, w) for a in ACTIVATIONS for w in WEIGHTS][:clips]
    if len(pairs) < clips:
        raise SystemExit(f"at most {len(ACTIVATIONS) * len(WEIGHTS)} clips")
    lines = ["base: base.yaml", "variants:"]
    lines += [f"  - {{rnn.activation: {a}, rnn.w_h: {w}}}" for a, w in pairs]
    return "\n".join(lines) + "\n"


def run(cmd: list[str]) -> float:
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr[-3000:]}")
    return wall


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clips", type=int, default=8)
    ap.add_argument("--length", type=int, default=3, help="timesteps per clip")
    ap.add_argument("--keep", type=Path, help="keep the outputs in this folder")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-batch-")) if args.keep is None else args.keep
    work.mkdir(parents=True, exist_ok=True)
    try:
        (work / "base.yaml").write_text(BASE.format(length=args.length), encoding="utf-8")
        sweep_path = work / "bench.yaml"
        sweep_path.write_text(sweep_text(args.clips), encoding="utf-8")
        sweep = load_sweep(sweep_path)
        render = [sys.executable, str(ROOT / "render.py")]
        print(f"{len(sweep.jobs)} clips at -q l, sequence length {args.length}; {work}")

        # 1. One render.py process per clip; each config is the batch job's own, written out.
        import yaml

        separate = []
        for job in sweep.jobs:
            cfg_path = work / "separate" / f"{job.name}.yaml"
            cfg_path.parent.mkdir(parents=True, exist_ok=True)
            cfg_path.write_text(yaml.safe_dump(job.config.to_dict(), sort_keys=False), encoding="utf-8")
            separate.append(run([*render, "render", str(cfg_path), "-q", "l", "-o", str(work / "out-separate")]))
        total_separate = sum(separate)
        print(
            f"separate processes : {total_separate:7.1f} s  ({total_separate / len(separate):.1f} s per clip, "
            f"min {min(separate):.1f}, max {max(separate):.1f})"
        )

        # 2.-3. The batch command with one and two workers, each into a fresh folder.
        walls = {}
        for jobs in (1, 2):
            out = work / f"out-j{jobs}"
            walls[jobs] = run([*render, "batch", str(sweep_path), "-q", "l", "-j", str(jobs), "-o", str(out)])
            print(
                f"batch -j{jobs}           : {walls[jobs]:7.1f} s  ({walls[jobs] / len(sweep.jobs):.1f} s per clip; "
                f"{total_separate / walls[jobs]:.2f}x faster than separate processes)"
            )
        saved = (total_separate - walls[1]) / len(sweep.jobs)
        print(f"start-up saved per clip by one long-lived worker: {saved:.2f} s")

        # 4. The same command again: nothing to render.
        cached = run([*render, "batch", str(sweep_path), "-q", "l", "-j", "2", "-o", str(work / "out-j2")])
        fraction = cached / walls[2]
        verdict = "meets" if fraction <= 0.02 else "MISSES"
        print(f"cached re-run      : {cached:7.2f} s  = {fraction:.1%} of the -j2 run ({verdict} the 2% target)")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
