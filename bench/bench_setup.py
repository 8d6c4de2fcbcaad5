"""What one more worker of a split render costs: a spawned worker that is dealt nothing, timed.

    .venv/bin/python bench/bench_setup.py [--config configs/default.yaml] [-q h] [--steps 48] [--repeats 3]

The worker starts, imports, builds the scene and plays all of it without drawing (worker
999,999 of a million: no block of the clip is dealt to it), exactly as
``bench/bench_parallel.py`` measures the set-up its cost model charges every worker. The
clip is silent (the speech does not change what a worker builds). Medians of
``--repeats`` runs; wall and CPU seconds of the spawned process.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_parallel import worker_overhead  # noqa: E402  (this folder)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default="configs/default.yaml")
    ap.add_argument("-q", "--quality", default="h")
    ap.add_argument("--steps", type=int, default=None, help="sequence.length for the clip (default: the config's)")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()

    from explainer.config import load_config, with_overrides

    overrides: dict[str, object] = {"narration.voice": "none"}
    if args.steps is not None:
        overrides["sequence.length"] = args.steps
    cfg = with_overrides(load_config(ROOT / args.config), overrides, origin="bench")
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    walls, cpus = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.repeats):
            wall, cpu = worker_overhead(cfg, args.quality, {}, Path(tmp) / f"idle-{r}")
            walls.append(wall)
            cpus.append(cpu)
            print(f"  run {r + 1}: {wall:.1f} s wall, {cpu:.1f} CPU-s", flush=True)
    print(
        f"{cfg.name} ({cfg.sequence.length} steps) at -q {args.quality}: one more worker costs "
        f"{statistics.median(walls):.1f} s wall, {statistics.median(cpus):.1f} CPU-s (median of {args.repeats})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
