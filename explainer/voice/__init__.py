"""Narration sound: synthetic or recorded speech, timed per clause, made into a video's track.

The pipeline, one module per step::

    script (section -> clauses) --narrate / narrate_recorded--> Narration (clips, clause times)
        (or start_narration: the same, section by section in the background, while rendering)
        --Narration.placements(section starts)--> assemble_track --> normalize_loudness
        --> mux_track(silent video, track) --> narrated video

Voices: ``piper`` (:class:`NeuralVoice`, piper-tts run as a separate program: the optional
``voice`` extra), ``espeak`` (:class:`EspeakVoice`, Debian's espeak-ng), ``recorded`` (the
lecturer's takes, :func:`narrate_recorded`) and ``none`` (no narration). Synthesised clips
are cached on disk (:class:`SpeechCache`). Everything takes and returns plain data: texts,
floats, numpy arrays and paths. Importing this package starts no process and imports
neither PyAV nor piper.
"""

from __future__ import annotations

from explainer.voice.audio import SAMPLE_RATE, AudioClip, decode_audio
from explainer.voice.cache import SpeechCache
from explainer.voice.errors import TakeError, VoiceError, VoiceUnavailable
from explainer.voice.espeak import EspeakVoice
from explainer.voice.loudness import TARGET_LUFS, TARGET_TRUE_PEAK, normalize_loudness
from explainer.voice.meter import Loudness, frame_rms_dbfs, measure_loudness, rms_dbfs, window_rms_dbfs
from explainer.voice.mux import AUDIO_CODECS, mux_track, video_duration
from explainer.voice.neural import NeuralVoice
from explainer.voice.pending import PendingNarration, start_narration
from explainer.voice.recorded import load_take, load_takes, narrate_recorded
from explainer.voice.script import Narration, Pauses, SectionLevel, SpokenClause, SpokenSection, narrate
from explainer.voice.synth import MAX_SPEED, MIN_SPEED, Synthesizer
from explainer.voice.track import assemble_track
from explainer.voice.voices import SYNTHESIZERS, VOICE_KINDS, open_voice

__all__ = [
    "AUDIO_CODECS",
    "MAX_SPEED",
    "MIN_SPEED",
    "SAMPLE_RATE",
    "SYNTHESIZERS",
    "TARGET_LUFS",
    "TARGET_TRUE_PEAK",
    "VOICE_KINDS",
    "AudioClip",
    "EspeakVoice",
    "Loudness",
    "Narration",
    "NeuralVoice",
    "Pauses",
    "PendingNarration",
    "SectionLevel",
    "SpeechCache",
    "SpokenClause",
    "SpokenSection",
    "Synthesizer",
    "TakeError",
    "VoiceError",
    "VoiceUnavailable",
    "assemble_track",
    "decode_audio",
    "frame_rms_dbfs",
    "load_take",
    "load_takes",
    "measure_loudness",
    "mux_track",
    "narrate",
    "narrate_recorded",
    "normalize_loudness",
    "open_voice",
    "rms_dbfs",
    "start_narration",
    "video_duration",
    "window_rms_dbfs",
]
