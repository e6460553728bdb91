"""Just enough of the MP3 format to check a file, measure it and join files frame by frame.

Joining works on whole MPEG audio frames: ID3 tags and a leading Xing/Info
frame are dropped, so the joined stream has one consistent set of frames that
every player (and duration reader) handles. Only Layer III is accepted.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

# Bit rates in kbit/s for Layer III, by MPEG version (1, or 2 and 2.5).
BITRATES_V1 = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
BITRATES_V2 = (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160)
SAMPLE_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}
MIN_AUDIO_SHARE = 0.9  # of the bytes after the tags; the rest may be a damaged tail
MIN_DURATION = 0.2  # seconds


class Mp3Error(ValueError):
    """The data is not a usable MP3 (Layer III) file."""


@dataclass(frozen=True)
class Frame:
    offset: int
    length: int
    sample_rate: int
    channels: int
    samples: int


@dataclass(frozen=True)
class Mp3Info:
    duration: float
    sample_rate: int
    channels: int
    audio: tuple[int, int]  # byte range of the frames, tags and Xing frame excluded

    @property
    def format(self) -> tuple[int, int]:
        """What must match for two files to be joined."""
        return self.sample_rate, self.channels


def _frame_at(data: bytes, offset: int) -> Frame | None:
    """Parse the frame header at `offset`, or None when there is none."""
    if offset + 4 > len(data) or data[offset] != 0xFF or data[offset + 1] & 0xE0 != 0xE0:
        return None
    b1, b2, b3 = data[offset + 1], data[offset + 2], data[offset + 3]
    version, layer = (b1 >> 3) & 3, (b1 >> 1) & 3
    bitrate_index, rate_index, padding = b2 >> 4, (b2 >> 2) & 3, (b2 >> 1) & 1
    if version == 1 or layer != 1 or bitrate_index in (0, 15) or rate_index == 3:
        return None
    sample_rate = SAMPLE_RATES[version][rate_index]
    mpeg1 = version == 3
    bitrate = (BITRATES_V1 if mpeg1 else BITRATES_V2)[bitrate_index] * 1000
    samples = 1152 if mpeg1 else 576
    length = samples // 8 * bitrate // sample_rate + padding
    channels = 1 if b3 >> 6 == 3 else 2
    return Frame(offset, length, sample_rate, channels, samples)


def _id3v2_size(data: bytes) -> int:
    if len(data) < 10 or data[:3] != b"ID3":
        return 0
    size = 0
    for byte in data[6:10]:
        size = (size << 7) | (byte & 0x7F)
    footer = 10 if data[5] & 0x10 else 0
    return 10 + size + footer


def _tail_tags(data: bytes) -> int:
    """Where trailing tags (ID3v1, APE) begin."""
    end = len(data)
    if end >= 128 and data[end - 128 : end - 125] == b"TAG":
        end -= 128
    return end


def _is_info_frame(data: bytes, frame: Frame) -> bool:
    """A Xing/Info/VBRI frame describes the file but holds no sound."""
    head = data[frame.offset : frame.offset + min(frame.length, 64)]
    return any(tag in head for tag in (b"Xing", b"Info", b"VBRI"))


def frames(data: bytes) -> Iterator[Frame]:
    """The audio frames, in order; stops at the first byte that is not a frame."""
    offset, end = _id3v2_size(data), _tail_tags(data)
    first = True
    while offset < end:
        frame = _frame_at(data, offset)
        if frame is None or frame.length < 4 or offset + frame.length > end:
            return
        if not (first and _is_info_frame(data, frame)):
            yield frame
        first = False
        offset += frame.length


def inspect(data: bytes) -> Mp3Info:
    """Check that `data` is a playable MP3 and measure it; raise Mp3Error if not."""
    if not data:
        raise Mp3Error("the file is empty")
    start, end = _id3v2_size(data), _tail_tags(data)
    found = list(frames(data))
    if not found:
        raise Mp3Error("no MP3 audio found (is it an MP3 file?)")
    audio_end = found[-1].offset + found[-1].length
    if audio_end - start < MIN_AUDIO_SHARE * (end - start):
        raise Mp3Error(f"the audio is damaged after byte {audio_end} of {len(data)}")
    formats = {(f.sample_rate, f.channels) for f in found}
    if len(formats) > 1:
        raise Mp3Error("the sample rate or channel count changes inside the file")
    duration = sum(f.samples / f.sample_rate for f in found)
    if duration < MIN_DURATION:
        raise Mp3Error(f"the audio is too short ({duration:.2f} s)")
    return Mp3Info(duration, found[0].sample_rate, found[0].channels, (found[0].offset, audio_end))


def join(parts: Iterable[bytes]) -> bytes:
    """One MP3 of the parts' frames in order; all parts must share one format."""
    chunks, formats = [], set()
    for data in parts:
        found = list(frames(data))
        if not found:
            raise Mp3Error("a part holds no MP3 audio")
        formats.update((f.sample_rate, f.channels) for f in found)
        chunks.append(data[found[0].offset : found[-1].offset + found[-1].length])
    if len(formats) > 1:
        raise Mp3Error("the parts have different sample rates or channel counts")
    return b"".join(chunks)


def format_of(data: bytes) -> tuple[int, int] | None:
    """(sample rate, channels) of the first frame, or None when there is no audio."""
    frame = next(frames(data), None)
    return (frame.sample_rate, frame.channels) if frame else None
