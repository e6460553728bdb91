"""Offline speech with eSpeak NG (library and voices from the espeakng-loader wheel), MP3 by LAME.

eSpeak NG keeps global state, so one process loads it once and a lock keeps
one synthesis at a time.
"""

from __future__ import annotations

import ctypes
import threading
from functools import cache

import lameenc

from course.tts import EngineError

SYNCHRONOUS = 0x02  # espeak_AUDIO_OUTPUT: hand samples to our callback, return when done
DONT_EXIT = 0x8000  # espeakINITIALIZE_DONT_EXIT: report errors instead of exiting
CHARS_UTF8 = 1
RATE = 1  # espeak_PARAMETER espeakRATE
WORDS_PER_MINUTE = 165  # a little slower than eSpeak's 175, for learners
BITRATE_KBPS = 32  # plenty for a mono synthetic voice
LAME_QUALITY = 7  # fast; higher quality settings make no audible difference here
PAUSE_SECONDS = 0.7  # silence after each text, so joined parts do not run together


class _Voice(ctypes.Structure):
    _fields_ = [
        ("name", ctypes.c_char_p),
        ("languages", ctypes.c_void_p),  # (priority byte, "code\0") pairs, then a 0 byte
        ("identifier", ctypes.c_char_p),
        ("gender", ctypes.c_ubyte),
        ("age", ctypes.c_ubyte),
        ("variant", ctypes.c_ubyte),
        ("xx1", ctypes.c_ubyte),
        ("score", ctypes.c_int),
        ("spare", ctypes.c_void_p),
    ]


_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)


class _Library:
    """The loaded libespeak-ng, its sample rate and the voices it has, by language code."""

    def __init__(self) -> None:
        import espeakng_loader

        lib = ctypes.CDLL(espeakng_loader.get_library_path())
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_ListVoices.restype = ctypes.POINTER(ctypes.POINTER(_Voice))
        lib.espeak_ListVoices.argtypes = [ctypes.c_void_p]
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_Synth.argtypes = [
            ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
            ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p,
        ]  # fmt: skip
        data_path = espeakng_loader.get_data_path().encode()
        self.sample_rate = lib.espeak_Initialize(SYNCHRONOUS, 0, data_path, DONT_EXIT)
        if self.sample_rate <= 0:
            raise EngineError("eSpeak NG could not start (voice data missing?)")
        self.chunks: list[bytes] = []
        self._callback = _CALLBACK(self._collect)  # kept alive as long as the library
        lib.espeak_SetSynthCallback(self._callback)
        self.lib = lib
        self.voices = self._list_voices()
        self.lock = threading.Lock()

    def _collect(self, samples, count: int, events) -> int:
        if count > 0:
            self.chunks.append(ctypes.string_at(samples, count * 2))
        return 0  # go on

    def _list_voices(self) -> dict[str, str]:
        best: dict[str, tuple[int, str]] = {}
        voices = self.lib.espeak_ListVoices(None)
        index = 0
        while voices[index]:
            voice = voices[index].contents
            pointer = voice.languages
            while priority := ctypes.string_at(pointer, 1)[0]:
                code = ctypes.string_at(pointer + 1).decode("ascii", "replace").lower()
                identifier = voice.identifier.decode()
                if code not in best or priority < best[code][0]:
                    best[code] = (priority, identifier)
                pointer += len(code) + 2
            index += 1
        return {code: identifier for code, (_, identifier) in best.items()}

    def speak(self, text: str, voice: str) -> bytes:
        """16-bit mono PCM of `text` read by `voice`."""
        with self.lock:
            self.chunks = []
            if self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
                raise EngineError(f"eSpeak NG has no voice '{voice}'")
            self.lib.espeak_SetParameter(RATE, WORDS_PER_MINUTE, 0)
            data = text.encode("utf-8") + b"\0"
            if self.lib.espeak_Synth(data, len(data), 0, 0, 0, CHARS_UTF8, None, None) != 0:
                raise EngineError("eSpeak NG could not synthesise the text")
            pcm, self.chunks = b"".join(self.chunks), []
        return pcm


@cache
def _library() -> _Library:
    return _Library()


class EspeakEngine:
    """eSpeak NG, offline: robotic but understandable, in about a hundred languages."""

    name = "espeak"
    settings = f"wpm={WORDS_PER_MINUTE};kbps={BITRATE_KBPS};pause={PAUSE_SECONDS};by=sentence"

    def voice(self, locale: str) -> str | None:
        voices = _library().voices
        code = locale.replace("_", "-").lower()
        return voices.get(code) or voices.get(code.split("-")[0])

    def available(self) -> bool:
        try:
            _library()
        except (OSError, EngineError):
            return False
        return True

    def pcm(self, text: str, voice: str) -> tuple[bytes, int]:
        """16-bit mono samples of `text` and their sample rate."""
        library = _library()
        return library.speak(text, voice), library.sample_rate

    def synthesize(self, text: str, voice: str) -> bytes:
        samples, rate = self.pcm(text, voice)
        if not samples:
            raise EngineError("eSpeak NG produced no sound")
        return encode_mp3(samples, rate)


def encode_mp3(samples: bytes, rate: int) -> bytes:
    """16-bit mono samples → MP3, with a pause at the end so joined parts do not run together.

    Every offline engine encodes this way, so their parts join frame by frame."""
    samples += b"\0\0" * int(rate * PAUSE_SECONDS)
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(BITRATE_KBPS)
    encoder.set_in_sample_rate(rate)
    encoder.set_channels(1)
    encoder.set_quality(LAME_QUALITY)
    return bytes(encoder.encode(samples) + encoder.flush())
