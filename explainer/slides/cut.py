"""Cut a finished clip into one video per slide, frame-exact, plus a reversed copy of each.

The clip Manim wrote is a concatenation of one H.264 segment per ``play()``, so every
section starts on a keyframe that nothing before it refers to. A slide whose frames
are exactly one such run of packets is *copied* (no re-encoding: the same pixels as
the clip, at once). A slide that does not start on a clean keyframe (a clip made some
other way) is re-encoded from the decoded frames instead; either way it holds exactly
the frames of its span, and only the video stream (slides carry no audio).

Reversed copies are decoded frames encoded last-to-first. To keep memory bounded at
4K, each slide is reversed in chunks of at most :data:`CHUNK_BYTES` of raw frames; each
chunk becomes a small file and the chunks are joined, last first, by copying packets.
The whole clip is decoded once, in one pass.

Frame indices are positions in presentation order, counted from the packets (the
timestamps of a joined clip drift by a fraction of a frame per segment, so a time is
never turned back into a frame number here).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

__all__ = ["CHUNK_BYTES", "CutResult", "VideoIndex", "cut_video", "index_video"]

#: Raw frames held at once while reversing (yuv420p: 1.5 bytes per pixel): about 85 frames at 1080p.
CHUNK_BYTES = 256 * 1024 * 1024
#: x264 settings of every re-encoded file: Manim's own quality (crf 23) would lose a little more on a
#: second generation; no B-frames, so joined chunks need no timestamp shuffling.
ENCODE_OPTIONS = {"crf": "20", "bf": "0", "preset": "veryfast"}


@dataclass(frozen=True)
class VideoIndex:
    """Where each frame of a video is, from one pass over its packets (no decoding).

    Attributes
    ----------
    frames
        Number of frames.
    packet_pts
        Each packet's presentation timestamp, in decode order.
    packet_frame
        For each packet in decode order, the index of the frame it carries.
    keyframes
        Decode-order positions of the keyframe packets.
    width, height
        Frame size in pixels.
    """

    frames: int
    packet_pts: tuple[int, ...]
    packet_frame: tuple[int, ...]
    keyframes: frozenset[int]
    width: int
    height: int

    def copy_range(self, start: int, end: int) -> tuple[int, int] | None:
        """The decode-order packet range ``[p, q)`` holding exactly frames ``[start, end)``, if it starts
        on a keyframe (so it decodes alone); else None."""
        positions = [i for i, f in enumerate(self.packet_frame) if start <= f < end]
        if not positions or len(positions) != end - start:
            return None
        p, q = positions[0], positions[-1] + 1
        if q - p != len(positions) or p not in self.keyframes:
            return None
        return p, q


@dataclass(frozen=True)
class CutResult:
    """One slide's files (``rev_file`` None: no reversed copy) and how its video was made (``copy`` or ``encode``)."""

    file: Path
    rev_file: Path | None
    frames: int
    method: str


def _packets(container: Any, stream: Any) -> Iterator[Any]:
    """The packets of ``stream`` that carry a frame, in decode order (the demuxer's flush packets have no data)."""
    for packet in container.demux(stream):
        if packet.size and packet.pts is not None:
            yield packet


def index_video(path: Path) -> VideoIndex:
    """Read the packet order of ``path``'s first video stream."""
    import av

    with av.open(str(path)) as c:
        s = c.streams.video[0]
        pts: list[int] = []
        keys: set[int] = set()
        for i, packet in enumerate(_packets(c, s)):
            pts.append(int(packet.pts))
            if packet.is_keyframe:
                keys.add(i)
        rank = {p: i for i, p in enumerate(sorted(pts))}
        if len(rank) != len(pts):
            raise ValueError(f"{path}: two frames share a timestamp; cannot tell their order")
        return VideoIndex(
            len(pts),
            tuple(pts),
            tuple(rank[p] for p in pts),
            frozenset(keys),
            s.codec_context.width,
            s.codec_context.height,
        )


class _Encoder:
    """An H.264 file written from decoded frames, numbered from 0 at ``fps``."""

    def __init__(self, path: Path, width: int, height: int, fps: Fraction) -> None:
        import av

        self.path = path
        self.container = av.open(str(path), "w", options={"movflags": "+faststart"})
        self.stream = self.container.add_stream("libx264", rate=fps, options=dict(ENCODE_OPTIONS))
        self.stream.width, self.stream.height, self.stream.pix_fmt = width, height, "yuv420p"
        self.time_base = 1 / fps  # one tick per frame
        self.stream.codec_context.time_base = self.time_base
        self.count = 0

    def add(self, frame: Any) -> None:
        import av

        frame = frame.reformat(format="yuv420p") if frame.format.name != "yuv420p" else frame
        frame.pts = self.count
        frame.time_base = self.time_base
        frame.pict_type = av.video.frame.PictureType.NONE  # the decoder's I/P/B marks are not ours to force
        self.container.mux(self.stream.encode(frame))
        self.count += 1

    def close(self) -> None:
        self.container.mux(self.stream.encode(None))
        self.container.close()


def _join(parts: Sequence[Path], dest: Path, fps: Fraction) -> None:
    """Join H.264 files made by :class:`_Encoder` with the same settings, in order, by copying packets.

    Each part starts one frame (at ``fps``) after the last frame of the one before; a part's own
    rate is not used, since a one-frame part has none.
    """
    import av

    with av.open(str(dest), "w", options={"movflags": "+faststart"}) as out:
        ostream = None
        offset = 0
        for part in parts:
            with av.open(str(part)) as inp:
                s = inp.streams.video[0]
                if ostream is None:
                    ostream = out.add_stream_from_template(s)
                step = round(1 / (fps * s.time_base))
                last = offset
                for packet in _packets(inp, s):
                    packet.pts += offset
                    packet.dts += offset
                    last = max(last, packet.pts)
                    packet.stream = ostream
                    out.mux(packet)
                offset = last + step


class _Slide:
    """Writes one slide while the clip is read: forward packets or frames, and reversed chunks."""

    def __init__(
        self,
        span: tuple[int, int],
        file: Path,
        rev_file: Path | None,
        copy: tuple[int, int] | None,
        fps: Fraction,
        size: tuple[int, int],
        chunk: int,
    ) -> None:
        self.start, self.end = span
        self.file, self.rev_file = file, rev_file  # rev_file None: no reversed copy
        self.copy = copy
        self.fps, self.size, self.chunk = fps, size, chunk
        self.forward: _Encoder | None = None
        self.copy_out: Any = None
        self.copy_stream: Any = None
        self.copy_base = 0
        self.packets_left = 0 if copy is None else copy[1] - copy[0]
        # Decoded frames are needed to re-encode the forward video or to reverse it, else not at all.
        self.needs_frames = copy is None or rev_file is not None
        self.frames_left = self.end - self.start if self.needs_frames else 0
        self.buffer: list[Any] = []
        self.chunks: list[Path] = []

    @property
    def done(self) -> bool:
        return self.packets_left == 0 and self.frames_left == 0

    def add_packet(self, packet: Any, template: Any, first_pts: int) -> None:
        import av

        if self.copy_out is None:
            self.copy_out = av.open(str(self.file), "w", options={"movflags": "+faststart"})
            self.copy_stream = self.copy_out.add_stream_from_template(template)
            self.copy_base = first_pts
        packet.pts -= self.copy_base
        packet.dts -= self.copy_base
        packet.stream = self.copy_stream
        self.copy_out.mux(packet)
        self.packets_left -= 1
        if self.packets_left == 0:
            self.copy_out.close()

    def add_frame(self, frame: Any) -> None:
        if self.copy is None:
            if self.forward is None:
                self.forward = _Encoder(self.file, *self.size, self.fps)
            self.forward.add(frame)
        self.frames_left -= 1
        if self.rev_file is not None:
            self.buffer.append(frame)
            if len(self.buffer) >= self.chunk or self.frames_left == 0:
                self._flush_chunk()
        if self.frames_left == 0:
            if self.forward is not None:
                self.forward.close()
            if self.rev_file is not None:
                self._finish_reverse()

    def _flush_chunk(self) -> None:
        assert self.rev_file is not None
        if not self.buffer:
            return
        path = self.rev_file.with_name(f".{self.rev_file.stem}.chunk{len(self.chunks):04d}.mp4")
        enc = _Encoder(path, *self.size, self.fps)
        for frame in reversed(self.buffer):
            enc.add(frame)
        enc.close()
        self.buffer = []
        self.chunks.append(path)

    def _finish_reverse(self) -> None:
        assert self.rev_file is not None
        if len(self.chunks) == 1:
            os.replace(self.chunks[0], self.rev_file)
        else:
            _join(self.chunks[::-1], self.rev_file, self.fps)
            for part in self.chunks:
                part.unlink(missing_ok=True)
        self.chunks = []


def cut_video(
    src: Path,
    spans: Sequence[tuple[int, int]],
    files: Sequence[Path],
    rev_files: Sequence[Path] | None,
    fps: Fraction | int | float,
    index: VideoIndex | None = None,
    chunk_bytes: int = CHUNK_BYTES,
) -> list[CutResult]:
    """Write ``files[i]`` (frames ``spans[i]`` of ``src``) and ``rev_files[i]`` (the same, last frame first).

    Parameters
    ----------
    src
        An H.264 video (the clip).
    spans
        ``(start, end)`` frame ranges, in order, not overlapping, each non-empty.
    files, rev_files
        Where each slide's forward and reversed video go (``.mp4``); their folders must exist.
        ``rev_files=None``: no reversed copies (and, when every slide can be copied, no decoding at all).
    fps
        Frame rate of the re-encoded files (the clip's nominal rate).
    index
        The clip's :func:`index_video` (read here if not given).
    chunk_bytes
        Raw-frame memory allowed while reversing.
    """
    import av

    revs: Sequence[Path | None] = [None] * len(spans) if rev_files is None else rev_files
    if not (len(spans) == len(files) == len(revs)):
        raise ValueError("one file and one reversed file per span")
    index = index or index_video(src)
    prev = 0
    for start, end in spans:
        if not (prev <= start < end <= index.frames):
            raise ValueError(f"frame spans must be ordered, non-empty and within the {index.frames} frames: {spans}")
        prev = end
    fps = Fraction(fps).limit_denominator(1001)
    chunk = max(2, chunk_bytes // max(1, int(index.width * index.height * 1.5)))
    slides = [
        _Slide(
            span,
            Path(f),
            None if r is None else Path(r),
            index.copy_range(*span),
            fps,
            (index.width, index.height),
            chunk,
        )
        for span, f, r in zip(spans, files, revs, strict=True)
    ]
    frame_owner: dict[int, _Slide] = {}
    packet_owner: dict[int, _Slide] = {}
    for slide in slides:
        if slide.needs_frames:
            for f in range(slide.start, slide.end):
                frame_owner[f] = slide
        if slide.copy is not None:
            for p in range(*slide.copy):
                packet_owner[p] = slide
    frame_of_pts = dict(zip(index.packet_pts, index.packet_frame, strict=True))
    first_pts = sorted(index.packet_pts)

    def feed(frames: Any) -> None:
        for frame in frames:
            slide = frame_owner.get(frame_of_pts[int(frame.pts)])
            if slide is not None:
                slide.add_frame(frame)

    decode = bool(frame_owner)
    with av.open(str(src)) as c:
        s = c.streams.video[0]
        s.thread_type = "AUTO"
        for i, packet in enumerate(_packets(c, s)):
            # Decode first: the copy below rebases the packet's timestamps.
            frames = s.codec_context.decode(packet) if decode else []
            owner = packet_owner.get(i)
            if owner is not None:
                owner.add_packet(packet, s, first_pts[owner.start])
            feed(frames)
        if decode:
            feed(s.codec_context.decode(None))
    unfinished = [s for s in slides if not s.done]
    if unfinished:
        raise RuntimeError(f"{src}: frames {unfinished[0].start}-{unfinished[0].end} were not all decoded")
    return [CutResult(s.file, s.rev_file, s.end - s.start, "encode" if s.copy is None else "copy") for s in slides]
