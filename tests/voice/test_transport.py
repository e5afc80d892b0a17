"""The audio-file transport's pieces that need no pipeline: framing, and the live option."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from tests.voice.pipeline_support import VOICE_MODULES, require

require(*VOICE_MODULES)

from voice._audio import FRAME_S, USER_RATE, silence  # noqa: E402
from voice._errors import VoiceError  # noqa: E402
from voice._observer import Recorder  # noqa: E402
from voice._transport import RUN_GAP_S, RecordingSpeaker, Take, _split, live_transport  # noqa: E402


def test_frames_are_20ms_and_padded() -> None:
    frames = _split(np.ones(700, np.int16))
    assert [len(f) for f in frames] == [round(FRAME_S * USER_RATE)] * 3
    assert frames[-1][-1] == 0
    assert _split(silence(0)) == []


def test_contiguous_chunks_make_one_playback_run() -> None:
    from pipecat.transports.base_transport import TransportParams

    recorder = Recorder()
    speaker = RecordingSpeaker(recorder, Take(), params=TransportParams())
    speaker._note_run(1.0, 1.04)
    speaker._note_run(1.04, 1.08)
    speaker._note_run(1.08 + RUN_GAP_S * 2, 1.3)  # after a silence: the next reply
    assert [(r.start, r.stop) for r in recorder.runs] == [(1.0, 1.08), (1.08 + RUN_GAP_S * 2, 1.3)]


@pytest.mark.skipif(
    importlib.util.find_spec("pyaudio") is not None, reason="PyAudio is installed here"
)
def test_the_live_microphone_needs_pyaudio_and_says_so() -> None:
    with pytest.raises(VoiceError, match="PyAudio"):
        live_transport()
