"""What a lecture deck costs on top of its clip, printed as numbers.

    .venv/bin/python bench/bench_slides.py [CONFIG] [-q l|m|h|p|k]

1. Renders CONFIG (default ``configs/default.yaml``) into a temporary folder and times it.
2. Builds the deck from that clip (the clip is not rendered again) without and then with
   reversed copies, and times both; then times the parts on the same clip: reading the
   packet index, cutting (forward copies and reversed re-encodes, one decoding pass),
   and the PPTX.
3. Prints deck / render: how much longer ``render.py slides`` takes than ``render``.

Both timings come from one run on the same machine, so the ratio is comparable between
runs even when the machine is busy; the absolute seconds are not.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from explainer.clip import QUALITIES, render_clip  # noqa: E402
from explainer.config import load_config  # noqa: E402
from explainer.slides import build_slides  # noqa: E402
from explainer.slides.cut import cut_video, index_video  # noqa: E402
from explainer.slides.plan import plan_slides, sections_from_metadata  # noqa: E402
from explainer.slides.presentation import load_presentation, write_pptx  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("config", nargs="?", default="configs/default.yaml", type=Path)
    ap.add_argument("-q", "--quality", default="l", choices=sorted(QUALITIES))
    args = ap.parse_args()
    cfg = load_config(args.config)
    with tempfile.TemporaryDirectory(prefix="bench-slides-") as tmp:
        out = Path(tmp)
        t0 = time.perf_counter()
        clip = render_clip(cfg, out, quality=args.quality, fmt="mp4", force=True, quiet=True)
        render_s = time.perf_counter() - t0

        t0 = time.perf_counter()
        lean = build_slides(cfg, out, quality=args.quality, quiet=True, reversed_copies=False)
        lean_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        deck = build_slides(cfg, out, quality=args.quality, quiet=True)
        deck_s = time.perf_counter() - t0
        assert deck.clip.status == lean.clip.status == "cached", "the deck must reuse the clip"

        meta = json.loads(Path(clip.files["metadata"]).read_text(encoding="utf-8"))
        fps = QUALITIES[args.quality][2]
        video = Path(clip.files["video"])
        t0 = time.perf_counter()
        index = index_video(video)
        index_s = time.perf_counter() - t0
        plans = plan_slides(sections_from_metadata(meta), fps, index.frames)
        parts = out / "parts"
        parts.mkdir()
        t0 = time.perf_counter()
        cuts = cut_video(
            video,
            [(p.start, p.end) for p in plans],
            [parts / f"{p.number}.mp4" for p in plans],
            [parts / f"{p.number}_r.mp4" for p in plans],
            fps,
            index,
        )
        cut_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        write_pptx(load_presentation(deck.files["presentation"]), parts / "deck.pptx")
        pptx_s = time.perf_counter() - t0

    w, h, _ = QUALITIES[args.quality]
    methods = sorted({c.method for c in cuts})
    print(f"clip      {cfg.name} at -q {args.quality} ({w}x{h}@{fps}): {index.frames} frames, {len(plans)} slides")
    print(f"render    {render_s:7.2f} s")
    how = ", ".join(methods)
    print(f"deck      {deck_s:7.2f} s   (index {index_s:.2f} s, cut {cut_s:.2f} s [{how}], pptx {pptx_s:.2f} s)")
    print(f"deck without reversed copies {lean_s:7.2f} s")
    print(f"deck / render = {deck_s / render_s:.2f}   (without reversed copies {lean_s / render_s:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
