"""The end-of-batch summary table."""

from __future__ import annotations

from typing import Any

from explainer.batch.jobs import BatchReport
from explainer.batch.progress import say

__all__ = ["print_summary"]


def print_summary(report: BatchReport, console: Any = None, max_rows: int = 40) -> None:
    """The end-of-batch table on stdout: every clip (for big sweeps, only those not available).

    On a terminal it is a rich table; in a log or pipe, plain aligned lines that are never
    wrapped (clip names stay searchable).
    """
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    rows = list(report.records)
    if len(rows) > max_rows:
        rows = [r for r in rows if not r.ok]
    cells = [
        (
            r.name,
            r.status,
            f"{r.render_seconds:.1f}" if r.render_seconds else "",
            f"{r.duration:.1f}" if r.duration else "",
            r.error or "",
        )
        for r in rows
    ]
    title = f"batch {report.sweep_name}: {report.wall_seconds:.1f} s"
    if console.is_terminal:
        table = Table(title=title, title_justify="left")
        table.add_column("clip", overflow="fold")
        table.add_column("status")
        table.add_column("render s", justify="right")
        table.add_column("video s", justify="right")
        table.add_column("error", overflow="fold")
        style = {"rendered": "green", "cached": "cyan", "failed": "bold red", "not_run": "yellow"}
        for name, status, render_s, video_s, error in cells:
            table.add_row(name, f"[{style.get(status, '')}]{status}[/]", render_s, video_s, error)
        if rows:
            console.print(table)
        lines = []
    else:
        head = ("clip", "status", "render s", "video s", "error")
        widths = [max(len(str(c[i])) for c in [head, *cells]) for i in range(4)]
        lines = [title] if rows else []
        for c in [head, *cells] if rows else []:
            lines.append(
                f"{c[0]:<{widths[0]}}  {c[1]:<{widths[1]}}  {c[2]:>{widths[2]}}  {c[3]:>{widths[3]}}  {c[4]}".rstrip()
            )
    counts = ", ".join(
        f"{report.count(s)} {s.replace('_', ' ')}"
        for s in ("rendered", "cached", "failed", "not_run")
        if report.count(s)
    )
    lines.append(f"{len(report.records)} clips: {counts}")
    if report.gallery.get("index_html"):
        lines.append(f"gallery: {report.gallery['index_html']}")
    lines += [f"not written: {problem}" for problem in report.problems]
    if report.interrupted:
        lines.append("interrupted: run the same command again to render what is missing")
    for line in lines:
        say(console, line)
