"""Captions drawn into the frames (``style.captions: burn``), for places that show no sidecar captions.

The scene leaves a band at the bottom of the frame empty (it zooms out a little and keeps
its top edge, see :class:`scenes.base.ExplainerScene` and ``SceneSpec.caption_band``), so
a caption never covers a number the step is about; the dry-run layout checks verify that
nothing is drawn in the band. After the render, :func:`burn_captions` decodes the video,
draws each cue's lines centred in the band (DejaVu Sans, the scenes' font, in the theme's
text colour on its background) and encodes it again with the codec it came in.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from explainer.words.captions import Cue

__all__ = ["BAND", "burn_captions"]

#: Fraction of the frame's height the caption band takes (two lines at a readable size).
BAND = 0.15
_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def _font(size: int) -> Any:
    from PIL import ImageFont

    try:
        return ImageFont.truetype(str(_FONT), size)
    except OSError:  # no DejaVu on this machine: PIL's own (scalable in Pillow >= 10)
        return ImageFont.load_default(size)


def _band_image(lines: Sequence[str], width: int, height: int, text: str, background: str) -> Any:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (width, height), background)
    if not lines:
        return img
    size = max(12, int(height * 0.30))
    font = _font(size)
    draw = ImageDraw.Draw(img)
    gap = int(size * 0.25)
    boxes = [draw.textbbox((0, 0), line, font=font) for line in lines]
    total = sum(b[3] - b[1] for b in boxes) + gap * (len(lines) - 1)
    y = (height - total) / 2
    for line, box in zip(lines, boxes, strict=True):
        w, h = box[2] - box[0], box[3] - box[1]
        draw.text(((width - w) / 2 - box[0], y - box[1]), line, font=font, fill=text)
        y += h + gap
    return img


def burn_captions(src: Path, dst: Path, cues: Sequence[Cue], *, text: str, background: str, band: float = BAND) -> Path:
    """Write ``src`` with ``cues`` drawn into its bottom ``band`` to ``dst`` (same codec and frame rate)."""
    import av
    import numpy as np

    with av.open(str(src)) as inp:
        vin = inp.streams.video[0]
        codec = vin.codec_context.name
        width, height = vin.codec_context.width, vin.codec_context.height
        band_px = int(round(height * band))
        with av.open(str(dst), "w") as out:
            vout = out.add_stream(
                "libx264" if codec == "h264" else ("libvpx-vp9" if codec == "vp9" else codec), rate=vin.average_rate
            )
            vout.width, vout.height = width, height
            vout.pix_fmt = "yuv420p"
            vout.options = {"crf": "23"} if codec in ("h264", "vp9") else {}
            cache: dict[int, Any] = {}
            for frame in inp.decode(vin):
                t = float(frame.time or 0.0)
                index = next((i for i, c in enumerate(cues) if c.start <= t < c.end), -1)
                if index not in cache:
                    lines = cues[index].lines if index >= 0 else ()
                    cache[index] = np.asarray(_band_image(lines, width, band_px, text, background))
                rgb = frame.to_ndarray(format="rgb24")
                rgb[height - band_px :] = cache[index]
                new = av.VideoFrame.from_ndarray(rgb, format="rgb24")
                new.pts, new.time_base = frame.pts, frame.time_base
                for packet in vout.encode(new):
                    out.mux(packet)
            for packet in vout.encode(None):
                out.mux(packet)
    return dst
