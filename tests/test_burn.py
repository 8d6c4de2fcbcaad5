"""Captions drawn into the frames (``style.captions: burn``): a band kept empty, and the cue's words in it."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import av
import numpy as np
import pytest

pytest.importorskip("manim")

from scene_checks import config_dict, dry_run_scene  # noqa: E402

from explainer.cli import main  # noqa: E402
from explainer.config import from_dict  # noqa: E402
from explainer.runs import build_spec  # noqa: E402
from explainer.scene_kinds import SCENE_KINDS  # noqa: E402


def _box_bottom(mob) -> float:
    members = mob.family_members_with_points()
    return min(float(m.points[:, 1].min()) for m in members) if members else float(mob.get_center()[1])


@pytest.mark.scene
@pytest.mark.parametrize("scene", ["unrolled", "compare", "memory", "gradients"])
def test_nothing_is_drawn_in_the_caption_band(scene: str, tmp_path: Path) -> None:
    data = config_dict(scene=scene, length=4, fast_after=2)
    data["style"]["captions"] = "burn"
    if scene == "memory":
        data["memory"] = {"perturb_step": 2}
    spec = build_spec(from_dict(data))
    assert spec.caption_band > 0
    lowest: list[float] = []

    def at_section_end(s, record) -> None:
        frame = s.camera.frame
        band_top = frame.get_bottom()[1] + spec.caption_band * frame.height
        lowest.append(min(_box_bottom(m) for m in s.mobjects) - band_top)

    dry_run_scene(SCENE_KINDS[scene].load_class(), spec, on_section=at_section_end, media_dir=tmp_path)
    assert lowest and min(lowest) >= -0.02, min(lowest)


@pytest.mark.slow
def test_a_burned_clip_shows_each_cue_in_the_band(tmp_path: Path) -> None:
    cfg = tmp_path / "burned.yaml"
    cfg.write_text(
        "sequence: {kind: custom, values: [0.5, -0.2, 0.3]}\nstyle: {captions: burn, fast_after: 1}\n"
        "output: {quality: l}\n",
        encoding="utf-8",
    )
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert main(["render", str(cfg), "-o", str(tmp_path / "out")]) == 0
    clip = tmp_path / "out" / "burned"
    meta = json.loads((clip / "burned.json").read_text())
    cues = meta["captions"]
    with av.open(str(clip / "burned.mp4")) as c:
        frames = [(float(f.time), f.to_ndarray(format="rgb24")) for f in c.decode(c.streams.video[0])]
    height = frames[0][1].shape[0]
    band = slice(int(height * 0.86), height)
    background = frames[0][1][-2, 2]
    for cue in cues[:6]:
        t = (cue["start"] + cue["end"]) / 2
        _, img = min(frames, key=lambda p: abs(p[0] - t))
        text_pixels = np.abs(img[band].astype(int) - background.astype(int)).sum(axis=2) > 60
        assert text_pixels.mean() > 0.01, cue["text"]  # the words are drawn there
    # Two different cues draw different bands.
    a = min(frames, key=lambda p: abs(p[0] - (cues[0]["start"] + cues[0]["end"]) / 2))[1][band]
    b = min(frames, key=lambda p: abs(p[0] - (cues[1]["start"] + cues[1]["end"]) / 2))[1][band]
    assert np.abs(a.astype(int) - b.astype(int)).mean() > 1.0
