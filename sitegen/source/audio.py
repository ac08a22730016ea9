"""Facts about local audio files, read with mutagen."""
from __future__ import annotations

import logging
from pathlib import Path

import mutagen

log = logging.getLogger(__name__)

MIME_TYPES = {
    ".mp3": "audio/mpeg",
    ".m4a": "audio/x-m4a",
    ".mp4": "audio/mp4",
    ".aac": "audio/aac",
    ".ogg": "audio/ogg",
    ".oga": "audio/ogg",
    ".opus": "audio/opus",
    ".flac": "audio/flac",
    ".wav": "audio/wav",
}


class AudioError(ValueError):
    pass


def mime_for(name: str) -> str | None:
    return MIME_TYPES.get(Path(name.split("?")[0]).suffix.lower())


def probe(path: Path) -> tuple[int, float]:
    """(size in bytes, duration in seconds) of a local audio file."""
    size = path.stat().st_size
    if size == 0:
        raise AudioError("the audio file is empty")
    try:
        info = mutagen.File(path)
    except mutagen.MutagenError as exc:
        raise AudioError(f"cannot read the audio file: {exc}") from None
    if info is None or not getattr(info, "info", None) or not info.info.length:
        raise AudioError("not a readable audio file (mutagen found no audio stream)")
    return size, float(info.info.length)
