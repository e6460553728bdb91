"""Read-along timings: which sentence is spoken when, as WebVTT.

A synthetic voice speaks a part sentence by sentence, so each sentence's start
and end are known exactly (its samples are counted). An engine that returns a
whole file only (gTTS) or a human recording gets timings spread over the part
by the length of each sentence, or one cue for the part. Cue ids are
`<part>-<n>`, so a player knows which section a sentence belongs to.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

HEADER = "WEBVTT"
# A sentence ends at . ! ? … (with any closing quote or bracket) before a space or the end of
# the line, or at a full-width stop (Chinese), which needs no space after it.
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*(?=\s|$)|[。！？；][”’」』）]*")
_TIMESTAMP = re.compile(r"(?:(\d+):)?(\d{2}):(\d{2})\.(\d{3})")


@dataclass(frozen=True)
class Cue:
    start: float  # seconds
    end: float
    text: str
    part: str = ""  # the part (section id, or the intro or key points) it belongs to


def split_sentences(text: str) -> list[str]:
    """`text` (speech text: one paragraph or item per line) as its sentences, in order."""
    sentences = []
    for line in text.splitlines():
        start = 0
        for end in _SENTENCE_END.finditer(line):
            sentences.append(line[start : end.end()].strip())
            start = end.end()
        sentences.append(line[start:].strip())
    return [sentence for sentence in sentences if sentence]


def spread(sentences: Sequence[str], duration: float, part: str = "") -> list[Cue]:
    """Cues for `sentences` spoken over `duration`, each as long as its share of the letters."""
    weights = [max(1, len(sentence)) for sentence in sentences]
    total, start, cues = sum(weights), 0.0, []
    for sentence, weight in zip(sentences, weights, strict=True):
        end = start + duration * weight / total
        cues.append(Cue(round(start, 3), round(end, 3), sentence, part))
        start = end
    return cues


def with_part(cues: Iterable[Cue], part: str, offset: float = 0.0) -> list[Cue]:
    """`cues` moved by `offset` seconds and assigned to `part`."""
    return [
        replace(cue, start=round(cue.start + offset, 3), end=round(cue.end + offset, 3), part=part)
        for cue in cues
    ]


def _timestamp(seconds: float) -> str:
    millis = max(0, round(seconds * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"


def to_webvtt(cues: Sequence[Cue]) -> str:
    """The cues as a WebVTT file, ids `<part>-<n>` counting from 1 within each part."""
    blocks, counts = [HEADER], {}
    for cue in cues:
        counts[cue.part] = counts.get(cue.part, 0) + 1
        text = " ".join(cue.text.split()).replace("-->", "→")  # one line, never a timing
        identifier = f"{cue.part}-{counts[cue.part]}" if cue.part else str(len(blocks))
        timing = f"{_timestamp(cue.start)} --> {_timestamp(cue.end)}"
        blocks.append(f"{identifier}\n{timing}\n{text}")
    return "\n\n".join(blocks) + "\n"


def _seconds(stamp: str) -> float:
    match = _TIMESTAMP.fullmatch(stamp.strip())
    if not match:
        raise ValueError(f"not a WebVTT timestamp: {stamp!r}")
    hours, minutes, seconds, millis = (int(group or 0) for group in match.groups())
    return hours * 3600 + minutes * 60 + seconds + millis / 1000


def parse_webvtt(text: str) -> list[Cue]:
    """Cues of a WebVTT file as `to_webvtt` writes it (part from the id); ValueError if broken."""
    blocks = [block.strip() for block in text.replace("\r\n", "\n").split("\n\n")]
    if not blocks or not blocks[0].startswith(HEADER):
        raise ValueError("not a WebVTT file")
    cues = []
    for block in blocks[1:]:
        if not block:
            continue
        lines = block.split("\n")
        if "-->" not in lines[0]:
            identifier, lines = lines[0], lines[1:]
        else:
            identifier = ""
        if not lines or "-->" not in lines[0]:
            raise ValueError(f"a cue without timing: {block[:40]!r}")
        start, _, end = lines[0].partition("-->")
        part = identifier.rpartition("-")[0] if "-" in identifier else ""
        cues.append(Cue(_seconds(start), _seconds(end.split()[0]), " ".join(lines[1:]), part))
    return cues
