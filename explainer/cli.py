"""The commands behind ``render.py``: parse options, call one core function each, map errors to exit codes.

Exit codes: 0 success, 1 a render or batch job failed, 2 invalid input or usage.
Errors are one readable line on stderr (``--debug`` shows the traceback).
``validate`` and ``trace`` never import Manim.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

from explainer.media import ENCODER_NAMES, FORMATS, QUALITY_HELP, QUALITY_NAMES

__all__ = ["main", "run"]


class UsageError(Exception):
    """Bad input discovered outside the config loader (exit code 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, as for every other bad input
        from explainer.naming import printable

        self.exit(2, f"{self.prog}: {printable(message)}\n")


JOBS_HELP = (
    "parts this one clip is drawn in, each by its own worker process (default 1, or with --scheduler one per "
    "thread of the cluster; the same frames, split by play; mp4, webm and mov only)"
)
SCHEDULER_HELP = (
    "draw the clip's parts on a Dask cluster: 'local' for a LocalCluster of -j processes, "
    "or tcp://HOST:PORT of a running scheduler (the partial movies come back as bytes)"
)
ENCODER_HELP = "x264 settings for mp4 (overrides output.encoder): standard (Manim's) or fast (less time)"


def _jobs(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number of workers, not {text!r}") from None
    if not 1 <= n <= 256:
        raise argparse.ArgumentTypeError(f"must be between 1 and 256, not {n}")
    return n


def build_parser() -> argparse.ArgumentParser:
    # The same commands answer as `render.py` (from a checkout) or `rnn-explainer` (installed).
    prog = "rnn-explainer" if Path(sys.argv[0]).name == "rnn-explainer" else "render.py"
    p = _Parser(prog=prog, description="Turn a YAML file into an explainer video of an RNN at work.")
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    r = sub.add_parser("render", help="render one config into out/<name>/")
    r.add_argument("config", type=Path)
    r.add_argument("-q", "--quality", choices=QUALITY_NAMES, help=QUALITY_HELP)
    r.add_argument("--format", dest="fmt", choices=FORMATS, help="mp4 (default), webm, gif, mov, png")
    r.add_argument("-o", "--output-dir", type=Path, default=Path("out"), help="output folder (default out/)")
    r.add_argument("--force", action="store_true", help="render even if an up-to-date clip exists")
    r.add_argument("-j", "--jobs", type=_jobs, default=None, help=JOBS_HELP)
    r.add_argument("--scheduler", help=SCHEDULER_HELP)
    r.add_argument("--encoder", choices=ENCODER_NAMES, help=ENCODER_HELP)
    r.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)

    b = sub.add_parser("batch", help="render every clip of a sweep file")
    b.add_argument("sweep", type=Path)
    b.add_argument("-j", "--jobs", type=int, default=None, help="worker processes (default: number of cores)")
    b.add_argument("-q", "--quality", choices=QUALITY_NAMES, help=QUALITY_HELP)
    b.add_argument("--format", dest="fmt", choices=FORMATS)
    b.add_argument("-o", "--output-dir", type=Path, default=Path("out"))
    b.add_argument("--force", action="store_true")
    b.add_argument("--scheduler", help="'local' for a Dask LocalCluster, or tcp://HOST:PORT of a running scheduler")
    b.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)

    s = sub.add_parser("slides", help="render one config and write its lecture deck (manim-slides, HTML, PPTX)")
    s.add_argument("config", type=Path)
    s.add_argument("-q", "--quality", choices=QUALITY_NAMES, help=QUALITY_HELP)
    s.add_argument("-o", "--output-dir", type=Path, default=Path("out"), help="output folder (default out/)")
    s.add_argument("--force", action="store_true", help="render and build even if up to date")
    s.add_argument("-j", "--jobs", type=_jobs, default=None, help=JOBS_HELP)
    s.add_argument("--scheduler", help=SCHEDULER_HELP)
    s.add_argument("--encoder", choices=ENCODER_NAMES, help=ENCODER_HELP)
    s.add_argument("--group-fast", action="store_true", default=None, help="one slide per run of fast steps")
    s.add_argument("--no-reversed", action="store_true", help="skip the reversed videos (Qt presenter's back key)")
    s.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)

    v = sub.add_parser("validate", help="check configs; exit 0 if all are valid, 2 otherwise")
    v.add_argument("configs", type=Path, nargs="+")
    v.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)

    w = sub.add_parser("script", help="print the narration script a config's video says (no rendering)")
    w.add_argument("config", type=Path)
    w.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)

    t = sub.add_parser("trace", help="print the numbers a config produces")
    t.add_argument("config", type=Path)
    t.add_argument("--json", action="store_true", help='one JSON object: {"runs": [...]}')
    t.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    return p


def cmd_validate(args: argparse.Namespace) -> int:
    from explainer.config import ConfigError, check_renderable, load_config
    from explainer.naming import printable

    bad = 0
    for path in args.configs:
        try:
            cfg = load_config(path)
            check_renderable(cfg)
        except ConfigError as exc:
            print(exc, file=sys.stderr)  # str(ConfigError) is one escaped line
            bad += 1
            continue
        print(f"{printable(str(path))}: ok ({describe(cfg)})")
    return 2 if bad else 0


def describe(cfg: Any) -> str:
    seq = cfg.sequence
    cell = cfg.rnn.cell_type.display if cfg.rnn.is_gated else cfg.rnn.activation
    return f"scene {cfg.scene}, {seq.kind} x {seq.length}, {cell}, -> {cfg.name}"


def cmd_script(args: argparse.Namespace) -> int:
    """The script as Markdown, with each passage's take name: what to read aloud or record, before rendering."""
    from explainer.config import check_renderable, load_config
    from explainer.runs import build_runs
    from explainer.words import build_script, script_markdown

    cfg = load_config(args.config)
    check_renderable(cfg)
    print(script_markdown(cfg.title, build_script(cfg, build_runs(cfg))), end="")
    return 0


def cmd_trace(args: argparse.Namespace) -> int:
    from explainer.config import load_config
    from explainer.runs import build_runs, trace_json

    cfg = load_config(args.config)
    runs = build_runs(cfg)
    if args.json:
        print(json.dumps(trace_json(runs), allow_nan=False))
        return 0
    from rnn_engine import GatedTrajectory
    from rnn_engine.formatting import format_number

    prec = cfg.style.precision

    def cell(row: Any) -> str:
        return ", ".join(format_number(v, prec) for v in row)

    for run in runs:
        tr = run.trajectory
        w = run.written
        if isinstance(tr, GatedTrajectory):
            params = ", ".join(f"{key}={w[key]}" for key in ("h0", "c0") if key in w)
            print(f"# {run.label}: {run.sequence_label}; {tr.params.cell_type.display}, {params}")
            for name, g in w["gates"].items():
                print(f"#   {name}: " + ", ".join(f"{k}={v}" for k, v in g.items()))
            columns = {"x_t": tr.x, **{f"{n}_t": v for n, v in tr.gates.items()}}
            if tr.c is not None:
                columns["c_t"] = tr.c
            columns["h_t"] = tr.h
        else:
            params = ", ".join(f"{key}={w[key]}" for key in ("w_x", "w_h", "b", "h0"))
            print(f"# {run.label}: {run.sequence_label}; {tr.activation}, {params}")
            columns = {"x_t": tr.x, "z_t": tr.z, "h_t": tr.h}
        width = 12 if isinstance(tr, GatedTrajectory) and tr.is_scalar else 22
        print(f"{'t':>4}  " + "  ".join(f"{name:>{width}}" for name in columns))
        for t in range(tr.steps):
            print(f"{t + 1:>4}  " + "  ".join(f"{cell(a[t]):>{width}}" for a in columns.values()))
    return 0


def usable_output_dir(out_dir: Path, *names: str) -> None:
    """An output folder that cannot be used is a usage error (exit 2), found before anything is written.

    A failure while writing (a full disk) is a failed render instead (exit 1).
    """
    from explainer.output import OutputError, check_output_dir

    try:
        check_output_dir(out_dir, *names)
    except OutputError as exc:
        raise UsageError(f"-o {out_dir}: {exc}") from None


def _encoder_override(args: argparse.Namespace) -> dict[str, str]:
    return {"output.encoder": args.encoder} if args.encoder else {}


@contextlib.contextmanager
def _parts(args: argparse.Namespace) -> Iterator[tuple[int, Any]]:
    """How many parts the clip is drawn in, and the Dask cluster that draws them (or None)."""
    if not args.scheduler:
        yield args.jobs or 1, None
        return
    from explainer.batch.dask_cluster import connect
    from explainer.batch.jobs import BatchError

    try:
        conn = connect(args.scheduler, args.jobs)
    except BatchError as exc:
        raise UsageError(str(exc)) from None
    with conn:
        parts = args.jobs or conn.threads()
        print(f"drawing {parts} part(s) on {conn.where}", file=sys.stderr, flush=True)
        yield parts, conn


def cmd_render(args: argparse.Namespace) -> int:
    from explainer.clip import render_clip
    from explainer.config import check_renderable, load_config

    cfg = load_config(args.config, _encoder_override(args))
    check_renderable(cfg)
    usable_output_dir(args.output_dir, cfg.name)

    def progress(title: str, seconds: float) -> None:
        print(f"  {seconds:6.1f} s  {title}", file=sys.stderr, flush=True)

    with _parts(args) as (parts, cluster):
        result = render_clip(
            cfg,
            args.output_dir,
            quality=args.quality,
            fmt=args.fmt,
            force=args.force,
            on_section=progress,
            workers=parts,
            cluster=cluster,
        )
    verb = "up to date" if result.status == "cached" else f"rendered in {result.render_seconds:.1f} s"
    print(f"{cfg.name}: {verb} -> {args.output_dir / cfg.name}/")
    for role, path in result.files.items():
        print(f"  {role:<9} {path}")
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    return 0


def cmd_slides(args: argparse.Namespace) -> int:
    from explainer.config import check_renderable, load_config
    from explainer.slides import MissingAssetsError, build_slides

    cfg = load_config(args.config, _encoder_override(args))
    check_renderable(cfg)

    def progress(title: str, seconds: float) -> None:
        print(f"  {seconds:6.1f} s  {title}", file=sys.stderr, flush=True)

    group = cfg.slides.fast_steps == "grouped" if args.group_fast is None else args.group_fast
    try:
        with _parts(args) as (parts, cluster):
            result = build_slides(
                cfg,
                args.output_dir,
                quality=args.quality,
                force=args.force,
                group_fast_steps=group,
                reversed_copies=cfg.slides.reversed and not args.no_reversed,
                on_section=progress,
                workers=parts,
                cluster=cluster,
            )
    except MissingAssetsError as exc:
        raise UsageError(str(exc)) from None
    print(f"{cfg.name}: deck {result.status}, {len(result.slides)} slides -> {args.output_dir / cfg.name}/")
    for role, path in result.files.items():
        print(f"  {role:<12} {path}")
    return 0


def cmd_batch(args: argparse.Namespace) -> int:
    from explainer.batch import run_batch_command

    return run_batch_command(
        args.sweep,
        jobs=args.jobs,
        quality=args.quality,
        fmt=args.fmt,
        out_dir=args.output_dir,
        force=args.force,
        scheduler=args.scheduler,
    )


COMMANDS = {
    "render": cmd_render,
    "slides": cmd_slides,
    "batch": cmd_batch,
    "validate": cmd_validate,
    "trace": cmd_trace,
    "script": cmd_script,
}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from explainer.config import ConfigError
    from explainer.naming import printable
    from explainer.voice.errors import TakeError, VoiceUnavailable

    try:
        return COMMANDS[args.command](args)
    except (ConfigError, UsageError, TakeError, VoiceUnavailable) as exc:
        # A missing or broken take, or a voice that is not installed: the input's fault.
        print(printable(str(exc)), file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `trace --json | head`: the reader left; not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("interrupted; finished files were left as they were", file=sys.stderr)
        return 130
    except Exception as exc:
        if args.debug:
            traceback.print_exc()
        else:
            text = printable(" ".join(str(exc).split()), 300)
            print(f"error: {type(exc).__name__}: {text} (run with --debug for a traceback)", file=sys.stderr)
        return 1


#: After Ctrl-C, how long threads left running by the interrupted render get to finish.
_STRAGGLER_SECONDS = 2.0


def run(argv: list[str] | None = None) -> NoReturn:
    """``render.py``'s entry point: :func:`main`, then exit with its code.

    A render interrupted at an unlucky moment can leave a non-daemon thread behind that
    waits forever (a Manim encoder thread started just before the interrupt and never
    told the render stopped), and Python waits for such threads before it exits. After
    an interrupt they get a moment to finish; then the process leaves without them. Its
    files are already in order: the render's own cleanup has run.
    """
    code = main(argv)
    if code == 130:

        def stragglers() -> list[threading.Thread]:
            main_thread = threading.main_thread()
            return [t for t in threading.enumerate() if t is not main_thread and not t.daemon and t.is_alive()]

        deadline = time.monotonic() + _STRAGGLER_SECONDS
        for thread in stragglers():
            thread.join(max(0.0, deadline - time.monotonic()))
        if stragglers():
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    sys.exit(code)
