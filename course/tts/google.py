"""Online speech with gTTS (Google Translate's voice): natural, but needs the network.

Text goes out in chunks of whole sentences with a pause between them; a 429
(too many requests) is retried with a growing back-off; any other failure is
raised at once so the chain falls through without waiting.
"""

from __future__ import annotations

import logging
import re
import socket
import time
from collections.abc import Callable, Iterator

from course import audio_mp3
from course.tts import EngineError

log = logging.getLogger(__name__)

HOST = "translate.google.com"
PROBE_TIMEOUT = 3.0  # seconds to wait for a connection before calling the service offline
REQUEST_TIMEOUT = (3.0, 15.0)  # connect, read
CHUNK_CHARS = 400  # gTTS splits further into requests of about 100 characters
PAUSE = 0.3  # seconds between chunks, to stay polite
RETRIES = 4
BACKOFF = 2.0  # seconds before the first retry; doubles each time
SENTENCE_END = re.compile(r"(?<=[.!?。！？;:])\s+|\n")


def chunks(text: str, limit: int = CHUNK_CHARS) -> Iterator[str]:
    """Split `text` into pieces of at most about `limit` characters, at sentence ends."""
    piece = ""
    for sentence in filter(None, (s.strip() for s in SENTENCE_END.split(text))):
        if piece and len(piece) + 1 + len(sentence) > limit:
            yield piece
            piece = ""
        piece = f"{piece} {sentence}".strip()
    if piece:
        yield piece


class GoogleEngine:
    """gTTS with retries on 429; after any other failure it is not asked again this build."""

    name = "gtts"
    settings = "tld=com"

    def __init__(self, sleep: Callable[[float], None] | None = None, host: str = HOST) -> None:
        self.sleep = sleep or time.sleep
        self.host = host
        self._reachable: bool | None = None

    def voice(self, locale: str) -> str | None:
        from gtts.lang import tts_langs

        languages = {code.lower(): code for code in tts_langs()}
        code = locale.replace("_", "-").lower()
        return languages.get(code) or languages.get(code.split("-")[0])

    def available(self) -> bool:
        """Whether the service's host answers; asked once, remembered for this engine's life."""
        if self._reachable is None:
            try:
                socket.create_connection((self.host, 443), timeout=PROBE_TIMEOUT).close()
            except OSError as error:
                log.info("gTTS is not reachable (%s); using the next engine", error)
                self._reachable = False
            else:
                self._reachable = True
        return self._reachable

    def synthesize(self, text: str, voice: str) -> bytes:
        if self._reachable is False:
            raise EngineError("gTTS is not reachable")
        parts: list[bytes] = []
        try:
            for index, piece in enumerate(chunks(text)):
                if index:
                    self.sleep(PAUSE)
                parts.extend(self._speak(piece, voice))
            return audio_mp3.join(parts)
        except (EngineError, audio_mp3.Mp3Error) as error:
            # Whatever went wrong (no network, blocked, rate-limited for good) would
            # go wrong for the next text too: let the rest of the build skip gTTS.
            self._reachable = False
            raise EngineError(f"gTTS failed: {error}") from error

    def _speak(self, piece: str, voice: str) -> list[bytes]:
        """The MP3 of each request gTTS makes for `piece`."""
        from gtts import gTTS, gTTSError

        delay = BACKOFF
        for attempt in range(RETRIES + 1):
            try:
                parts = list(gTTS(piece, lang=voice, timeout=REQUEST_TIMEOUT).stream())
            except gTTSError as error:
                status = getattr(error.rsp, "status_code", None)
                if status == 429 and attempt < RETRIES:
                    log.info("gTTS says too many requests; retrying in %.0f s", delay)
                    self.sleep(delay)
                    delay *= 2
                    continue
                raise EngineError(str(error)) from error
            if not parts:
                raise EngineError("gTTS returned no audio")
            return parts
        raise AssertionError("unreachable")  # the loop always returns or raises
