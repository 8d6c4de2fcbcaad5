"""What a batch leaves behind for review: manifest, contact sheet and a static gallery page.

Everything is written under ``out/<sweep>/`` with paths relative to that folder,
so the folder can be copied or zipped and opened anywhere:

- ``manifest.json`` and ``manifest.csv``: one record per clip with the varied
  parameters, status, content hash, duration, render time and file paths;
- ``contact_sheet.png``: every clip's thumbnail in a grid, labelled with its parameters;
- ``index.html``: one player per clip with captions (a WebVTT file converted from the
  clip's ``.srt``, since browsers only read WebVTT), its parameters and chapter links,
  and above them the explore view (:mod:`explainer.explore`: one control per varied
  field switches a single player between the clips). It loads nothing from the network
  and needs no server.

This module knows nothing about rendering or scheduling: it turns
:class:`ClipRecord` values into files. Every file is written atomically.
"""

from __future__ import annotations

import csv
import html
import io
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from explainer.explore import cues_of, explore_view
from explainer.naming import format_value
from explainer.output import atomic_write_bytes, atomic_write_text
from explainer.words.captions import read_srt, timestamp

__all__ = [
    "FILE_ROLES",
    "ClipRecord",
    "srt_to_vtt",
    "write_contact_sheet",
    "write_gallery",
    "write_index_html",
    "write_manifest",
]

#: The file roles of a clip, in manifest column order (``vtt`` is added by the gallery).
FILE_ROLES = ("video", "srt", "vtt", "chapters", "thumbnail", "metadata")

_VIDEO_TYPES = {"mp4": "video/mp4", "webm": "video/webm", "mov": "video/quicktime"}


@dataclass(frozen=True)
class ClipRecord:
    """One clip of a sweep as the gallery sees it.

    Parameters
    ----------
    name
        The clip name (its folder under the sweep folder).
    params
        Varied field path -> value, in sweep order.
    status
        ``rendered``, ``cached``, ``failed`` or ``not_run`` (interrupted before it ran).
    files
        Role (``video``, ``srt``, ``chapters``, ``thumbnail``, ``metadata``) -> path.
    """

    name: str
    params: Mapping[str, Any]
    status: str
    hash: str | None = None
    duration: float | None = None
    render_seconds: float | None = None
    files: Mapping[str, Path] = field(default_factory=dict)
    error: str | None = None
    title: str = ""
    variant: str | None = None
    worker: str | None = None  # which process rendered it (``pid`` locally, ``host:pid`` on Dask)
    traceback: str | None = None  # for a failed job, where it failed (manifest.json only)

    @property
    def ok(self) -> bool:
        return self.status in ("rendered", "cached")


def _rel(path: Path | None, root: Path) -> str | None:
    if path is None:
        return None
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:  # outside the sweep folder: keep it absolute rather than lie
        return Path(path).resolve().as_posix()


def _json_value(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_json_value(v) for v in value]
    if isinstance(value, list):
        return [_json_value(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _json_value(v) for k, v in value.items()}
    return value


#: A text cell starting with one of these is read as a formula by spreadsheets (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value: Any) -> Any:
    """A cell as written: text that a spreadsheet would run as a formula gets a leading ``'``.

    Numbers are written as they are (``-0.5`` is a number, not a formula); only text
    (a title, an error, a value given as text) is neutralised, the usual OWASP rule.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write_manifest(
    sweep_dir: Path,
    sweep_name: str,
    fields: Sequence[str],
    records: Sequence[ClipRecord],
    extra: Mapping[str, Any] | None = None,
) -> tuple[Path, Path]:
    """Write ``manifest.json`` and ``manifest.csv``; return their paths.

    Called after every finished job as well as at the end, so a batch that is killed
    still leaves a manifest describing what was done.
    """
    sweep_dir = Path(sweep_dir)
    counts: dict[str, int] = {}
    for rec in records:
        counts[rec.status] = counts.get(rec.status, 0) + 1
    clips = []
    for rec in records:
        clips.append(
            {
                "name": rec.name,
                "variant": rec.variant,
                "title": rec.title,
                "params": {k: _json_value(v) for k, v in rec.params.items()},
                "status": rec.status,
                "hash": rec.hash,
                "duration": None if rec.duration is None else round(float(rec.duration), 3),
                "render_seconds": None if rec.render_seconds is None else round(float(rec.render_seconds), 3),
                "files": {role: _rel(p, sweep_dir) for role, p in rec.files.items()},
                "error": rec.error,
                "worker": rec.worker,
                **({"traceback": rec.traceback} if rec.traceback else {}),
            }
        )
    doc = {
        "sweep": sweep_name,
        "generated": datetime.now(UTC).isoformat(timespec="seconds"),
        **dict(extra or {}),
        "fields": list(fields),
        "summary": {"total": len(records), **counts},
        "clips": clips,
    }
    json_path = sweep_dir / "manifest.json"
    atomic_write_text(json_path, json.dumps(doc, indent=2, allow_nan=False) + "\n")

    buf = io.StringIO()
    # RFC 4180 line ends: the writer then also quotes a cell holding a lone "\r", which would
    # otherwise end the row for every reader.
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(["name", *fields, "status", "hash", "duration", "render_seconds", *FILE_ROLES, "error"])
    for rec, clip in zip(records, clips, strict=True):
        row = [rec.name]
        for f in fields:
            v = rec.params.get(f)
            # Lists are written as JSON so the cell reads back unambiguously.
            row.append("" if v is None else json.dumps(_json_value(v)) if isinstance(v, (list, tuple)) else v)
        row += [
            rec.status,
            rec.hash or "",
            clip["duration"] if clip["duration"] is not None else "",
            clip["render_seconds"] if clip["render_seconds"] is not None else "",
        ]
        row += [clip["files"].get(role) or "" for role in FILE_ROLES]
        row.append(rec.error or "")
        writer.writerow([_csv_cell(cell) for cell in row])
    csv_path = sweep_dir / "manifest.csv"
    atomic_write_text(csv_path, buf.getvalue())
    return json_path, csv_path


def srt_to_vtt(srt: str) -> str:
    """Convert SubRip captions to WebVTT.

    Cues are numbered in order as their identifiers (WebVTT allows them), timestamps get a
    ``.`` before the milliseconds, and ``-->`` inside caption text, which would end a WebVTT
    cue, becomes an arrow.
    """
    out = ["WEBVTT", ""]
    for i, cue in enumerate(read_srt(srt), start=1):
        out.append(str(i))
        out.append(f"{timestamp(cue.start, '.')} --> {timestamp(cue.end, '.')}")
        out.extend(line.replace("-->", "\u2192") for line in cue.lines)
        out.append("")
    return "\n".join(out) + ("\n" if out[-1] != "" else "")


def _write_vtt(rec: ClipRecord) -> Path | None:
    srt = rec.files.get("srt")
    if srt is None or not Path(srt).is_file():
        return None
    vtt = Path(srt).with_suffix(".vtt")
    text = srt_to_vtt(Path(srt).read_text(encoding="utf-8"))
    if not vtt.is_file() or vtt.read_text(encoding="utf-8") != text:
        atomic_write_text(vtt, text)
    return vtt


def _param_label(params: Mapping[str, Any]) -> str:
    return "  ".join(f"{k.rsplit('.', 1)[-1]}={format_value(v)}" for k, v in params.items())


def _fit(draw: Any, text: str, font: Any, width: float) -> str:
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "\u2026", font=font) > width:
        text = text[:-1]
    return text + "\u2026"


def write_contact_sheet(
    path: Path, records: Sequence[ClipRecord], cell_width: int = 320, columns: int | None = None
) -> Path:
    """A grid of thumbnails, each labelled with the clip name and its varied parameters.

    A clip without a thumbnail (failed, not run) gets a grey tile saying so, so the
    sheet always has one tile per clip in manifest order.
    """
    from PIL import Image, ImageDraw, ImageFont

    n = max(1, len(records))
    cols = columns or min(n, max(1, math.ceil(math.sqrt(n))))
    rows = math.ceil(n / cols)
    thumb_h = round(cell_width * 9 / 16)
    pad, line_h = 8, 18
    cell_h = thumb_h + 2 * line_h + pad
    font = ImageFont.load_default(size=14)
    sheet = Image.new("RGB", (cols * (cell_width + pad) + pad, rows * (cell_h + pad) + pad), (24, 24, 28))
    draw = ImageDraw.Draw(sheet)
    for i, rec in enumerate(records):
        x = pad + (i % cols) * (cell_width + pad)
        y = pad + (i // cols) * (cell_h + pad)
        thumb = rec.files.get("thumbnail")
        if rec.ok and thumb is not None and Path(thumb).is_file():
            with Image.open(thumb) as im:
                im = im.convert("RGB")
                im.thumbnail((cell_width, thumb_h))
                sheet.paste(im, (x + (cell_width - im.width) // 2, y + (thumb_h - im.height) // 2))
        else:
            draw.rectangle((x, y, x + cell_width - 1, y + thumb_h - 1), fill=(70, 70, 76))
            msg = rec.status.replace("_", " ").upper()
            draw.text((x + cell_width / 2, y + thumb_h / 2), msg, fill=(235, 120, 120), font=font, anchor="mm")
        draw.text((x, y + thumb_h + 3), _fit(draw, rec.name, font, cell_width), fill=(240, 240, 240), font=font)
        label = _param_label(rec.params) or rec.title
        draw.text((x, y + thumb_h + 3 + line_h), _fit(draw, label, font, cell_width), fill=(170, 200, 255), font=font)
    buf = io.BytesIO()
    sheet.save(buf, format="PNG")
    atomic_write_bytes(Path(path), buf.getvalue())
    return Path(path)


_PAGE_CSS = """
body { font-family: system-ui, sans-serif; background: #18181c; color: #eee; margin: 1.5rem; }
h1 { font-weight: 600; } a { color: #9cf; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr)); gap: 1.2rem; }
figure.clip { margin: 0; background: #24242a; border-radius: 6px; padding: .8rem; }
figure.clip video, figure.clip img { width: 100%; border-radius: 4px; background: #000; }
figcaption h2 { font-size: 1.05rem; margin: .4rem 0; word-break: break-all; }
table.params { border-collapse: collapse; font-size: .9rem; }
table.params td { padding: .1rem .6rem .1rem 0; vertical-align: top; }
table.params td:first-child { color: #aaa; font-family: monospace; }
.status-failed, .status-not_run { color: #f88; }
.meta { color: #aaa; font-size: .85rem; }
ol.chapters { font-size: .85rem; padding-left: 1.2rem; }
pre.error { white-space: pre-wrap; color: #f99; font-size: .8rem; }
"""

# Chapter links seek their own clip's video; no library, no network.
_PAGE_JS = """
[].forEach.call(document.querySelectorAll('video[data-cues]'), function (v) {
  var track = v.addTextTrack('captions', 'Captions', 'en');
  JSON.parse(v.dataset.cues).forEach(function (c) { track.addCue(new VTTCue(c[0], c[1], c[2])); });
  track.mode = 'showing';
});
document.addEventListener('click', function (ev) {
  var a = ev.target.closest('a[data-seek]');
  if (!a) return;
  ev.preventDefault();
  var v = document.getElementById(a.getAttribute('data-video'));
  if (v) { v.currentTime = parseFloat(a.getAttribute('data-seek')); v.play(); }
});
"""


def _clock(t: float) -> str:
    m, s = divmod(int(t), 60)
    return f"{m}:{s:02d}"


def _chapters_of(rec: ClipRecord) -> list[tuple[str, float]]:
    meta = rec.files.get("metadata")
    if meta is None or not Path(meta).is_file():
        return []
    try:
        data = json.loads(Path(meta).read_text(encoding="utf-8"))
        return [(str(c["title"]), float(c["start"])) for c in data.get("chapters") or []]
    except (OSError, ValueError, KeyError, TypeError):
        return []


def write_index_html(
    sweep_dir: Path,
    sweep_name: str,
    records: Sequence[ClipRecord],
    vtts: Mapping[str, Path] | None = None,
    contact_sheet: Path | None = None,
    fields: Sequence[str] | None = None,
) -> Path:
    """Write ``index.html``: a static page with one captioned player per clip, and above them the
    explore view (:mod:`explainer.explore`) over ``fields`` (default: the records' parameters)."""
    sweep_dir = Path(sweep_dir)
    vtts = vtts or {}
    esc = html.escape
    if fields is None:
        fields = list(dict.fromkeys(k for rec in records for k in rec.params))
    explore = explore_view(fields, records, lambda p: _rel(p, sweep_dir), format_value)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(sweep_name)} \u2013 RNN explainer sweep</title>",
        f"<style>{_PAGE_CSS}{explore.css if explore else ''}</style></head><body>",
        f"<h1>Sweep <code>{esc(sweep_name)}</code></h1>",
    ]
    n_ok = sum(rec.ok for rec in records)
    parts.append(f'<p class="meta">{n_ok} of {len(records)} clips available.')
    if contact_sheet is not None:
        parts.append(f' <a href="{esc(_rel(contact_sheet, sweep_dir) or "")}">Contact sheet</a>.')
    parts.append(' <a href="manifest.csv">manifest.csv</a> \u00b7 <a href="manifest.json">manifest.json</a></p>')
    if explore is not None:
        parts.append(explore.html)
    parts.append('<main class="grid">')
    for i, rec in enumerate(records):
        vid_id = f"clip-{i}"
        parts.append(
            f'<figure class="clip" id="{esc(rec.name)}" data-clip="{esc(rec.name)}" data-status="{esc(rec.status)}">'
        )
        video = rec.files.get("video")
        thumb = rec.files.get("thumbnail")
        if rec.ok and video is not None:
            suffix = Path(video).suffix.lstrip(".").lower()
            src = esc(_rel(video, sweep_dir) or "")
            if suffix == "gif":
                parts.append(f'<img src="{src}" alt="{esc(rec.name)}">')
            else:
                poster = f' poster="{esc(_rel(thumb, sweep_dir) or "")}"' if thumb is not None else ""
                # Captions as cues in the page, added by its script (a file:// page may not load a
                # <track> file in Chromium); the .vtt beside the clip is linked for download.
                cues = cues_of(rec.files.get("srt"))
                data_cues = f' data-cues="{esc(json.dumps(cues))}"' if cues else ""
                parts.append(f'<video id="{vid_id}" controls preload="metadata"{poster}{data_cues}>')
                parts.append(f'<source src="{src}" type="{_VIDEO_TYPES.get(suffix, "video/" + suffix)}">')
                parts.append("</video>")
        elif rec.ok and thumb is not None:  # png format: the still is the clip
            parts.append(f'<img src="{esc(_rel(thumb, sweep_dir) or "")}" alt="{esc(rec.name)}">')
        parts.append(f"<figcaption><h2>{esc(rec.name)}</h2>")
        if rec.title:
            parts.append(f"<div>{esc(rec.title)}</div>")
        if rec.params:
            parts.append('<table class="params">')
            for k, v in rec.params.items():
                parts.append(f"<tr><td>{esc(k)}</td><td>{esc(format_value(v))}</td></tr>")
            parts.append("</table>")
        info = [f'<span class="status-{esc(rec.status)}">{esc(rec.status.replace("_", " "))}</span>']
        if rec.duration:
            info.append(f"{rec.duration:.1f} s")
        if rec.render_seconds:
            info.append(f"rendered in {rec.render_seconds:.1f} s")
        if rec.hash:
            info.append(f"<code>{esc(rec.hash)}</code>")
        vtt = vtts.get(rec.name)
        if vtt is not None:
            info.append(f'<a href="{esc(_rel(vtt, sweep_dir) or "")}" download>captions (.vtt)</a>')
        sep = " \u00b7 "
        parts.append(f'<div class="meta">{sep.join(info)}</div>')
        chapters = _chapters_of(rec) if rec.ok else []
        if chapters and video is not None:
            parts.append('<ol class="chapters">')
            for title, start in chapters:
                parts.append(
                    f'<li><a href="#" data-video="{vid_id}" data-seek="{start:g}">{_clock(start)} {esc(title)}</a></li>'
                )
            parts.append("</ol>")
        if rec.error:
            parts.append(f'<pre class="error">{esc(rec.error)}</pre>')
        parts.append("</figcaption></figure>")
    parts.append("</main>")
    parts.append(f"<script>{_PAGE_JS}</script>")
    if explore is not None:
        parts.append(f"<script>{explore.js}</script>")
    parts.append("</body></html>")
    path = sweep_dir / "index.html"
    atomic_write_text(path, "\n".join(parts) + "\n")
    return path


def write_gallery(
    sweep_dir: Path,
    sweep_name: str,
    fields: Sequence[str],
    records: Sequence[ClipRecord],
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Path]:
    """Write everything a finished batch leaves behind; return role -> path.

    Roles: ``manifest_json``, ``manifest_csv``, ``contact_sheet``, ``index_html``.
    Each available clip also gets a ``.vtt`` beside its ``.srt``, listed in the
    manifest under the ``vtt`` role.
    """
    sweep_dir = Path(sweep_dir)
    vtts: dict[str, Path] = {}
    with_vtt = []
    for rec in records:
        vtt = _write_vtt(rec) if rec.ok else None
        if vtt is not None:
            vtts[rec.name] = vtt
            rec = ClipRecord(**{**rec.__dict__, "files": {**rec.files, "vtt": vtt}})
        with_vtt.append(rec)
    manifest_json, manifest_csv = write_manifest(sweep_dir, sweep_name, fields, with_vtt, extra)
    sheet = write_contact_sheet(sweep_dir / "contact_sheet.png", with_vtt)
    index = write_index_html(sweep_dir, sweep_name, with_vtt, vtts, sheet, fields)
    return {"manifest_json": manifest_json, "manifest_csv": manifest_csv, "contact_sheet": sheet, "index_html": index}
