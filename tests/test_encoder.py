"""``output.encoder``: the setting, its options, the cache key, and that the video really is encoded so."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from explainer.clip import clip_hash, render_clip
from explainer.config import ConfigError, load_config, load_config_text, with_overrides
from explainer.media import ENCODERS, encoder_options, reproducible

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _no_encoder_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RNN_EXPLAINER_X264_THREADS", raising=False)
    monkeypatch.delenv("RNN_EXPLAINER_REPRODUCIBLE", raising=False)


def test_standard_is_the_default_and_is_manims_own_setting() -> None:
    assert load_config(ROOT / "configs/default.yaml").output.encoder == "standard"
    assert encoder_options("standard", "mp4") == {}  # Manim's crf 23, preset medium


def test_fast_sets_x264_options_for_mp4_only() -> None:
    fast = encoder_options("fast", "mp4")
    assert fast == dict(ENCODERS["fast"]) and fast["preset"] != "medium"
    for fmt in ("webm", "mov", "gif"):
        assert encoder_options("fast", fmt) == {}


def test_the_thread_variable_adds_to_either_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RNN_EXPLAINER_X264_THREADS", "1")
    assert encoder_options("standard", "mp4") == {"threads": "1"}
    assert encoder_options("fast", "mp4")["threads"] == "1"
    monkeypatch.setenv("RNN_EXPLAINER_X264_THREADS", "auto")  # not digits: x264 decides
    assert "threads" not in encoder_options("standard", "mp4")


def test_reproducible_turns_mbtree_off_for_mp4_only(monkeypatch: pytest.MonkeyPatch) -> None:
    assert not reproducible()
    for value in ("0", "yes", ""):
        monkeypatch.setenv("RNN_EXPLAINER_REPRODUCIBLE", value)
        assert not reproducible() and encoder_options("standard", "mp4") == {}
    monkeypatch.setenv("RNN_EXPLAINER_REPRODUCIBLE", "1")
    assert reproducible()
    assert encoder_options("standard", "mp4") == {"x264-params": "mbtree=0"}
    assert encoder_options("fast", "mp4") == {**ENCODERS["fast"], "x264-params": "mbtree=0"}
    assert encoder_options("standard", "webm") == {}
    monkeypatch.setenv("RNN_EXPLAINER_X264_THREADS", "2")  # the two add up
    assert encoder_options("standard", "mp4") == {"x264-params": "mbtree=0", "threads": "2"}


def test_an_unknown_encoder_is_one_line_naming_the_field() -> None:
    with pytest.raises(ConfigError) as info:
        load_config_text("sequence: {kind: sine}\noutput:\n  encoder: quick\n")
    text = str(info.value)
    assert "\n" not in text
    assert ":3:" in text or "line 3" in text, text
    assert "output.encoder" in text and "standard, fast" in text, text


def test_the_encoder_is_part_of_the_cache_key() -> None:
    cfg = load_config(ROOT / "configs/default.yaml")
    fast = with_overrides(cfg, {"output.encoder": "fast"}, origin="test")
    assert clip_hash(cfg) != clip_hash(fast)
    assert clip_hash(cfg, encoder={"crf": "0"}) not in (clip_hash(cfg), clip_hash(fast))


@pytest.mark.slow
def test_the_video_is_encoded_with_the_settings_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # x264 writes the settings it ran with into the stream (an SEI message): preset medium
    # searches with subme=7 and 3 reference frames, veryfast with subme=2 and 1.
    base = with_overrides(
        load_config(ROOT / "configs/default.yaml"),
        {"narration.voice": "none", "sequence.length": 2},
        origin="test",
    )
    seen = {}
    for name in ("standard", "fast"):
        cfg = with_overrides(base, {"output.encoder": name}, origin="test")
        res = render_clip(cfg, tmp_path / name, quality="l", quiet=True)
        data = Path(res.files["video"]).read_bytes()
        seen[name] = data
        meta = json.loads(Path(res.files["metadata"]).read_text(encoding="utf-8"))
        assert meta["encoder"] == {"name": name, "options": dict(ENCODERS[name])}
    assert b"subme=7" in seen["standard"] and b" ref=3 " in seen["standard"]
    assert b"subme=2" in seen["fast"] and b" ref=1 " in seen["fast"]
    assert b"crf=23.0" in seen["standard"]
    assert f"crf={float(ENCODERS['fast'].get('crf', '23')):.1f}".encode() in seen["fast"]
    assert b"mbtree=1" in seen["standard"] and b"mbtree=1" in seen["fast"]
    monkeypatch.setenv("RNN_EXPLAINER_REPRODUCIBLE", "1")
    res = render_clip(base, tmp_path / "reproducible", quality="l", quiet=True)
    data = Path(res.files["video"]).read_bytes()
    assert b"mbtree=0" in data and b"subme=7" in data  # still Manim's setting, less mbtree
