"""Narration that becomes ready section by section while the caller goes on (renders, say).

Manim builds and renders a scene one section at a time, and a section needs only its own
speech's length to be timed. :func:`start_narration` synthesises the script in a
background thread, section by section in script order, and :meth:`PendingNarration.section`
waits only for the section asked for. piper runs in its own process, so on two cores its
synthesis overlaps the render instead of coming before it; a section whose clips are all
cached is ready at once.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

from explainer.voice.audio import SAMPLE_RATE
from explainer.voice.cache import SpeechCache
from explainer.voice.script import Narration, Pauses, Speaker, SpokenSection, cleaned_script, lay_out
from explainer.voice.synth import Synthesizer

__all__ = ["PendingNarration", "start_narration"]


class PendingNarration:
    """A narration being synthesised in the background; see :func:`start_narration`."""

    def __init__(self, texts: dict[str, list[str]], speaker: Speaker, pauses: Pauses) -> None:
        self._texts = texts
        self._speaker = speaker
        self._pauses = pauses
        self._ready: dict[str, SpokenSection] = {}
        self._error: BaseException | None = None
        self._finished = False
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="narration", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            for name, texts in self._texts.items():
                self._speaker.fill(texts)
                section = lay_out(name, texts, self._speaker.clips_for(texts), self._pauses)
                with self._changed:
                    self._ready[name] = section
                    self._changed.notify_all()
        except BaseException as e:  # handed to whoever waits, in their thread
            with self._changed:
                self._error = e
        finally:
            with self._changed:
                self._finished = True
                self._changed.notify_all()

    def section(self, name: str, timeout: float | None = None) -> SpokenSection:
        """The section ``name``, waiting until it is synthesised.

        Raises ``KeyError`` for a name the script does not have, the synthesis error (a
        :class:`~explainer.voice.errors.VoiceError`) if it failed before reaching this section,
        and ``TimeoutError`` after ``timeout`` seconds.
        """
        if name not in self._texts:
            raise KeyError(name)
        with self._changed:
            if not self._changed.wait_for(lambda: name in self._ready or self._finished, timeout):
                raise TimeoutError(f"section {name!r} was not synthesised within {timeout} s")
            if name in self._ready:
                return self._ready[name]
            assert self._error is not None
            raise self._error

    def result(self, timeout: float | None = None) -> Narration:
        """The whole narration, once every section is synthesised."""
        sections = tuple(self.section(name, timeout) for name in self._texts)
        speaker = self._speaker
        return Narration(sections, speaker.sample_rate, speaker.voice.identity, True, speaker.synthesized)

    def done(self) -> bool:
        """Whether the background work has finished (successfully or not)."""
        with self._changed:
            return self._finished


def start_narration(
    script: Mapping[str, Sequence[str]],
    voice: Synthesizer,
    *,
    speed: float = 1.0,
    cache: SpeechCache | Path | str | None = None,
    pauses: Pauses | None = None,
    sample_rate: int = SAMPLE_RATE,
) -> PendingNarration:
    """Start speaking ``script`` in the background; same arguments and result as :func:`narrate`.

    The script and speed are checked here, before anything starts (``ValueError`` as in
    :func:`narrate`). Sections are synthesised in script order, each in one batch.
    """
    speaker = Speaker(voice, speed, cache, sample_rate)
    return PendingNarration(cleaned_script(script), speaker, pauses or Pauses())
