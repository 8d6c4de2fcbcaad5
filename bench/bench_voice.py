"""Benchmark: narration sound. piper's model load, synthesis speed per clause and in one block,
espeak-ng the same, a cache hit, and the track's loudness normalisation and mux.

Real-time factor (RTF) here is seconds of audio per second of wall time (higher is
faster); piper's own CPU seconds are read from /proc, so a busy machine shows as wall
time well above CPU time. The target the renderer must meet: synthesis of ~60 s of speech
in at most ~6 s (10 % of a 1080p render of a 60 s clip), i.e. RTF >= 10 with a warm
process (the model load is paid once per process, not per clip).

Run from the repository root::

    python bench/bench_voice.py               # ~30 s script
    python bench/bench_voice.py --repeat 2    # the script twice over (reworded): ~60 s of speech
    python bench/bench_voice.py --render-factor 0.5   # also: synthesis overlapped with a stand-in render
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from explainer.voice import (  # noqa: E402
    SAMPLE_RATE,
    EspeakVoice,
    NeuralVoice,
    VoiceUnavailable,
    assemble_track,
    measure_loudness,
    mux_track,
    narrate,
    normalize_loudness,
    start_narration,
)

#: About 30 s of narration at a natural pace, in clauses as the words module will write them.
SCRIPT = {
    "01_intro": [
        "A recurrent network reads a sequence one number at a time,",
        "and carries a hidden state from each step to the next.",
    ],
    "02_step": [
        "At every step it multiplies the input by w x,",
        "adds the previous state times w h, and the bias,",
        "and passes the sum through tanh.",
    ],
    "03_memory": [
        "The weight on the loop decides how much of the past survives.",
        "When it is small, old inputs fade within a few steps;",
        "when it is larger than one, they can grow until the state saturates.",
    ],
    "04_outro": [
        "That is the whole cell: one equation, applied again and again.",
    ],
}


def proc_cpu_seconds(pid: int | None) -> float:
    """User + system CPU seconds of a process so far (Linux /proc), 0 when unknown."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def timed_cpu(fn):
    """Result, wall seconds and this process's CPU seconds (load-independent, unlike wall time)."""
    t, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - t, time.process_time() - c


def audio_seconds(buffers: list[np.ndarray], rate: int) -> float:
    return sum(b.size for b in buffers) / rate


def bench_piper(clauses: list[str], repeats: int) -> dict[str, float]:
    voice = NeuralVoice()
    (_hello, first) = timed(lambda: voice.synthesize(["Hello."]))
    (_hello2, second) = timed(lambda: voice.synthesize(["Hello."]))
    print(f"piper  model load + first clause {first:6.2f} s; the same clause warm {second:5.2f} s")
    print(f"       -> load about {first - second:.2f} s (paid once per process)")
    pair = NeuralVoice(processes=2)
    pair.start()
    pair.synthesize(["Hello.", "Hello."])  # both processes loaded and warm
    rows: dict[str, list[float]] = {}
    cases = (
        ("clauses, 1 process", voice, clauses),
        ("one block, 1 process", voice, [" ".join(clauses)]),
        ("clauses, 2 processes", pair, clauses),
    )
    for r in range(repeats):  # interleaved, so every case sees the same machine load
        for label, v, texts in cases:
            cpu0 = sum(proc_cpu_seconds(p) for p in v.pids)
            out, wall = timed(lambda v=v, texts=texts: v.synthesize(texts))
            cpu = sum(proc_cpu_seconds(p) for p in v.pids) - cpu0
            secs = audio_seconds(out, v.sample_rate)
            rows.setdefault(label, []).append(secs / wall)
            print(
                f"piper  {label:21s} run {r + 1}: {secs:5.1f} s of audio in {wall:5.2f} s wall"
                f" ({cpu:5.2f} s piper CPU): RTF {secs / wall:5.1f} wall, {secs / max(cpu, 1e-9):5.1f} per CPU second"
            )
    voice.close()
    pair.close()
    best = {label: max(v) for label, v in rows.items()}
    best["load"] = first - second
    return best


def bench_espeak(clauses: list[str]) -> dict[str, float]:
    voice = EspeakVoice()
    rows = {}
    for label, texts in (("clauses", clauses), ("one block", [" ".join(clauses)])):
        out, wall = timed(lambda texts=texts: voice.synthesize(texts))
        secs = audio_seconds(out, voice.sample_rate)
        rows[label] = secs / wall
        print(f"espeak {label:9s}: {secs:5.1f} s of audio in {wall:5.2f} s wall: RTF {secs / wall:6.1f}")
    return rows


def bench_pipeline(script: dict[str, list[str]], voice_factory, label: str, folder: Path) -> None:
    voice = voice_factory()
    narration, cold = timed(lambda: narrate(script, voice, cache=folder / "cache"))
    voice.close()
    fresh = voice_factory()
    again, warm = timed(lambda: narrate(script, fresh, cache=folder / "cache"))
    assert again.synthesized == 0 and getattr(fresh, "process_starts", 0) == 0
    speech = sum(s.speech for s in narration)
    print(f"{label:6s} narrate {len(narration.sections)} sections, {speech:4.1f} s of speech: cold {cold:5.2f} s")
    print(f"{label:6s} cache hit (fresh voice object, nothing synthesised, no process): {warm * 1000:6.1f} ms")
    starts = narration.sequential_starts(lead_in=0.5)
    total = starts[-1] + narration.sections[-1].duration
    track, t_asm = timed(lambda: assemble_track(narration.placements(starts), total, SAMPLE_RATE))
    done, t_norm, c_norm = timed_cpu(lambda: normalize_loudness(track, SAMPLE_RATE))
    level = measure_loudness(done, SAMPLE_RATE)
    print(
        f"{label:6s} track {total:4.1f} s: assemble {t_asm * 1000:5.1f} ms, normalise {t_norm:5.2f} s"
        f" ({c_norm:5.2f} s CPU) -> {level.integrated:.1f} LUFS, {level.true_peak:.1f} dBTP,"
        f" LRA {level.loudness_range:.1f} LU"
    )
    for kind in ("mp4", "webm"):
        video = folder / f"{label}.{kind}"
        _silent_video(video, total)
        dst = folder / f"{label}_narrated.{kind}"
        _, t_mux, c_mux = timed_cpu(lambda video=video, dst=dst: mux_track(video, done, SAMPLE_RATE, dst))
        print(f"{label:6s} mux into a {total:.0f} s {kind}: {t_mux:5.2f} s ({c_mux:5.2f} s CPU)")


def _busy(seconds: float) -> None:
    """Stand-in for rendering a section: CPU work in this thread (it holds the GIL, as drawing does)."""
    end = time.process_time() + seconds
    x = 0
    while time.process_time() < end:
        x += 1


def bench_overlap(script: dict[str, list[str]], render_factor: float, folder: Path) -> None:
    """Synthesis then render, against synthesis in the background while each section renders."""
    words = {name: sum(len(c.split()) for c in cs) for name, cs in script.items()}
    render = {name: render_factor * n / 2.5 for name, n in words.items()}  # ~2.5 words per second of speech
    with NeuralVoice() as voice:
        voice.synthesize(["Hello."])  # warm, as in a batch after the first clip

        def sequential() -> None:
            narration = narrate(script, voice, cache=folder / "seq")
            for s in narration:
                _busy(render[s.name])

        def overlapped() -> None:
            pending = start_narration(script, voice, cache=folder / "bg")
            for name in script:
                pending.section(name)
                _busy(render[name])
            pending.result()

        _, t_seq = timed(sequential)
        _, t_bg = timed(overlapped)
    total = sum(render.values())
    print(
        f"piper  render stand-in {total:4.1f} s CPU: synthesis then render {t_seq:5.1f} s,"
        f" synthesis in the background while rendering {t_bg:5.1f} s"
    )


def _silent_video(path: Path, seconds: float, fps: int = 30) -> None:
    import av

    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264" if path.suffix == ".mp4" else "libvpx-vp9", rate=fps)
        s.width, s.height, s.pix_fmt = 320, 180, "yuv420p"
        img = np.zeros((180, 320, 3), np.uint8)
        for i in range(round(seconds * fps)):
            img[:, (i * 4) % 320] = 255
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts = i
            c.mux(s.encode(frame))
        c.mux(s.encode(None))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=1, help="say the script this many times over (1: ~30 s)")
    ap.add_argument("--repeats", type=int, default=2, help="runs of each piper case (best is reported)")
    ap.add_argument(
        "--render-factor",
        type=float,
        default=0.0,
        help="CPU seconds of stand-in rendering per second of speech for the overlap case, e.g. 0.5"
        " (default 0: skipped; only meaningful on an otherwise idle machine)",
    )
    args = ap.parse_args()
    # Each repeat says its clauses a little differently: repeated texts would be synthesised once.
    endings = ["", ", again", ", once more", ", for the last time"]
    script = {
        f"{name}_{r}": [c[:-1] + endings[r % 4] + c[-1] for c in clauses]
        for r in range(args.repeat)
        for name, clauses in SCRIPT.items()
    }
    clauses = [c for cs in script.values() for c in cs]
    print(f"python {platform.python_version()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    print(f"script: {len(script)} sections, {len(clauses)} clauses, {sum(len(c.split()) for c in clauses)} words\n")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        try:
            rows = bench_piper(clauses, args.repeats)
            bench_pipeline(script, NeuralVoice, "piper", folder)
            if args.render_factor > 0:
                bench_overlap(script, args.render_factor, folder)
            need = 10.0
            for label in ("clauses, 1 process", "clauses, 2 processes", "one block, 1 process"):
                rtf = rows[label]
                verdict = "meets" if rtf >= need else "misses"
                print(
                    f"piper  target RTF >= {need:.0f} (60 s of speech in <= 6 s, warm): {label} {verdict} it here"
                    f" (best RTF {rtf:.1f}: 60 s of speech in {60 / rtf:.1f} s)"
                )
            print()
        except VoiceUnavailable as e:
            print(f"piper not installed: {e}\n")
        try:
            bench_espeak(clauses)
            bench_pipeline(script, EspeakVoice, "espeak", folder)
        except VoiceUnavailable as e:
            print(f"espeak-ng not installed: {e}")
    print(f"\nload average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
