"""The errors the voice package raises on purpose, each with a one-line message.

:class:`VoiceError` is the base: a command line catches it, prints ``str(error)`` and exits
with code 2 (bad input: a missing take) or 1 (a voice that stopped). :class:`TakeError` is
always bad input and carries the section and the expected file, so the message needs no
traceback to be acted on.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["TakeError", "VoiceError", "VoiceUnavailable"]


class VoiceError(Exception):
    """Something about sound went wrong; ``str()`` is one readable line."""


class VoiceUnavailable(VoiceError):
    """The chosen voice is not installed here (the message says what to install)."""


class TakeError(VoiceError):
    """A recorded take is missing, empty, corrupt or unreadable.

    Parameters
    ----------
    section
        The script's name for the section whose take it is.
    path
        Where the take was expected.
    problem
        What is wrong, as a short phrase ("is missing", "is empty", ...).
    """

    def __init__(self, section: str, path: Path, problem: str) -> None:
        self.section = section
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"recorded take for section {section!r}: {self.path} {problem}")
