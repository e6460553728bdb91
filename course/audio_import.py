"""A recording made in a browser (or any audio file) → the MP3 the course serves.

PyAV (FFmpeg in its wheels) decodes whatever the recorder made (WebM/Opus
from Chromium, Ogg, MP4/AAC from Safari, WAV, MP3), mixes it to mono at the
synthetic voices' rate and encodes it the way they do, so a recorded section
joins the synthetic parts frame by frame. What is not audio, too short, too
long or silent is refused with a reason the page can put into words.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass

from course.tts.espeak import encode_mp3

log = logging.getLogger(__name__)

RATE = 22050  # the rate eSpeak NG and the packaged Piper voice speak at
MIN_SECONDS = 1.0
MAX_SECONDS = 30 * 60
SILENCE_PEAK = 0.01  # of full scale: below this everywhere, nothing was heard
TARGET_PEAK = 0.89  # about -1 dBFS: quiet recordings are raised to it
MAX_GAIN = 8.0

# Why a recording was refused (the page says it in the speaker's language).
NOT_AUDIO, TOO_SHORT, TOO_LONG, SILENT = "not-audio", "too-short", "too-long", "silent"


class RecordingRefused(Exception):
    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


@dataclass(frozen=True)
class Imported:
    mp3: bytes
    seconds: float


def import_recording(data: bytes, max_seconds: float = MAX_SECONDS) -> Imported:
    """Decode, check and encode one recording; raises RecordingRefused."""
    import numpy as np

    samples = _decode(data, max_seconds)
    seconds = len(samples) / RATE
    if seconds < MIN_SECONDS:
        raise RecordingRefused(TOO_SHORT, f"{seconds:.1f} s")
    peak = float(np.abs(samples).max()) if len(samples) else 0.0
    if peak < SILENCE_PEAK:
        raise RecordingRefused(SILENT, f"peak {peak:.4f}")
    gain = min(MAX_GAIN, TARGET_PEAK / peak) if peak < TARGET_PEAK else 1.0
    pcm = np.clip(samples * gain * 32767, -32768, 32767).astype("<i2").tobytes()
    return Imported(encode_mp3(pcm, RATE), round(seconds, 3))


def _decode(data: bytes, max_seconds: float):
    """Mono float samples at RATE; stops (refusing) once longer than `max_seconds`."""
    import av
    import numpy as np

    chunks = []
    total = 0
    limit = int(max_seconds * RATE)
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            if not container.streams.audio:
                raise RecordingRefused(NOT_AUDIO, "no audio stream")
            stream = container.streams.audio[0]
            resampler = av.AudioResampler(format="flt", layout="mono", rate=RATE)
            for frame in container.decode(stream):
                for mono in resampler.resample(frame):
                    chunk = mono.to_ndarray().reshape(-1)
                    chunks.append(chunk)
                    total += len(chunk)
                if total > limit:
                    raise RecordingRefused(TOO_LONG, f"over {max_seconds:.0f} s")
            for mono in resampler.resample(None):
                chunks.append(mono.to_ndarray().reshape(-1))
    except RecordingRefused:
        raise
    except (av.FFmpegError, ValueError, IndexError, EOFError) as error:
        raise RecordingRefused(NOT_AUDIO, str(error)[:200]) from error
    samples = np.concatenate(chunks) if chunks else np.zeros(0, dtype="float32")
    if len(samples) > limit:
        raise RecordingRefused(TOO_LONG, f"over {max_seconds:.0f} s")
    return samples
