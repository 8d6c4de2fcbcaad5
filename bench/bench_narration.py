"""Benchmark: the narrated default clip against the same clip silent, at -q l and -q h.

For each run it prints the video's duration, the wall time of the whole render, the
time spent synthesising speech (from the clip's metadata: ``timings.speech``, the
scene and the mix are there too), and the ratios the voice issue sets targets for:

- synthesis <= 10 % of the narrated ``-q h`` render;
- the narrated ``-q l`` render <= 0.5 x the clip's duration.

Runs, in one process, side by side (the machine is shared: compare ratios, not seconds):

1. narrated ``-q l`` with an empty speech cache (synthesis included);
2. narrated ``-q l`` again, forced, with the cache warm (no synthesis);
3. silent ``-q l`` (``narration.voice: none``; the words still pace the scene);
4. narrated ``-q h`` (cache warm) and 5. silent ``-q h`` (skip with ``--no-high``).

Run from the repository root::

    python bench/bench_narration.py [CONFIG] [--no-high]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from explainer.clip import render_clip  # noqa: E402
from explainer.config import load_config, with_overrides  # noqa: E402


def one(cfg, out: Path, quality: str, force: bool) -> dict[str, float]:
    t0 = time.perf_counter()
    res = render_clip(cfg, out, quality=quality, force=force, quiet=True)
    wall = time.perf_counter() - t0
    meta = json.loads(Path(res.files["metadata"]).read_text(encoding="utf-8"))
    timings = meta.get("timings", {})
    return {
        "wall": wall,
        "duration": float(meta["duration"]),
        "speech": float(timings.get("speech", 0.0)),
        "scene": float(timings.get("scene", 0.0)),
        "mix": float(timings.get("mix", 0.0)),
        "synthesized": float((meta.get("narration") or {}).get("synthesized", 0) or 0),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("config", nargs="?", default="configs/default.yaml")
    ap.add_argument("--no-high", action="store_true", help="skip the -q h renders")
    args = ap.parse_args()
    narrated = load_config(args.config)
    if narrated.narration.voice == "none":
        narrated = with_overrides(narrated, {"narration.voice": "neural"})
    silent = with_overrides(narrated, {"narration.voice": "none"})
    rows: list[tuple[str, dict[str, float]]] = []
    with tempfile.TemporaryDirectory(prefix="bench-narration-") as tmp:
        out = Path(tmp) / "out"
        rows.append(("narrated -q l, cold cache", one(narrated, out, "l", force=True)))
        rows.append(("narrated -q l, warm cache", one(narrated, out, "l", force=True)))
        rows.append(("silent   -q l", one(silent, Path(tmp) / "silent", "l", force=True)))
        if not args.no_high:
            rows.append(("narrated -q h, warm cache", one(narrated, out, "h", force=True)))
            rows.append(("silent   -q h", one(silent, Path(tmp) / "silent", "h", force=True)))
        shutil.rmtree(out, ignore_errors=True)
    print(
        f"{'run':<28} {'video s':>8} {'render s':>9} {'render/video':>13} {'speech s':>9} {'scene s':>8} {'mix s':>6}"
    )
    for name, r in rows:
        print(
            f"{name:<28} {r['duration']:>8.1f} {r['wall']:>9.1f} {r['wall'] / r['duration']:>13.2f} "
            f"{r['speech']:>9.2f} {r['scene']:>8.1f} {r['mix']:>6.2f}"
        )
    cold = rows[0][1]
    print()
    print(f"synthesis (cold cache): {cold['speech']:.1f} s for {cold['synthesized']:.0f} clauses")
    low = rows[1][1]
    print(f"narrated -q l render / duration (warm): {low['wall'] / low['duration']:.2f}  (target <= 0.5)")
    print(f"narrated -q l render / duration (cold): {cold['wall'] / cold['duration']:.2f}")
    if not args.no_high:
        high = rows[3][1]
        print(f"synthesis / narrated -q h render: {cold['speech'] / high['wall']:.1%}  (target <= 10 %)")
        print(f"narrated / silent at -q h: {high['wall'] / rows[4][1]['wall']:.2f} (render time)")
    print(f"narrated / silent at -q l: {low['wall'] / rows[2][1]['wall']:.2f} (render time)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
