"""The whole offline pipeline, in real time (slow): a 5-turn conversation with 2 barge-ins through
each design, with a scripted LLM (a test double). The embedded model and the paused speech run
in test_bench.py, through `experiment voice bench`."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import pytest

from tests.voice.pipeline_support import (
    REPLIES,
    VOICE_MODULES,
    require,
    scripted_llm,
    word_recall,
)

require(*VOICE_MODULES)

from voice import DESIGNS, ConversationRun  # noqa: E402
from voice._audio import read_wav  # noqa: E402
from voice._conversation import run_conversation  # noqa: E402
from voice._observer import stages_in_order  # noqa: E402
from voice._types import STAGES, Design  # noqa: E402

pytestmark = pytest.mark.slow

CONVERSATIONS = Path(__file__).parents[2] / "voice" / "conversations"
FIVE_TURNS = CONVERSATIONS / "five_turns.yaml"
INTERRUPTED = (1, 3)  # the replies the script's barge-ins cut
# In the preemptive design the LLM may start (and answer) before the turn has ended.
PREEMPTIVE_ORDER = tuple(s for s in STAGES if s != "llm_first_token")


class Played(NamedTuple):
    run: ConversationRun
    out: Path


@pytest.fixture(scope="module", params=DESIGNS)
def played(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Played:
    design: Design = request.param
    out = tmp_path_factory.mktemp(design)
    return Played(run_conversation(FIVE_TURNS, design, llm=scripted_llm(), out_dir=out), out)


@pytest.fixture
def run(played: Played) -> ConversationRun:
    return played.run


def completed(run: ConversationRun) -> list[int]:
    return [t.index for t in run.turns if "playback_start" in t.events]


def test_every_turn_is_transcribed_and_answered(run: ConversationRun) -> None:
    assert [t.index for t in run.turns] == [0, 1, 2, 3, 4]
    for turn in run.turns:
        assert word_recall(turn.user_text, turn.transcript) >= 0.75, (
            turn.user_text,
            turn.transcript,
        )
    assert completed(run) == [0, 1, 2, 3, 4]
    assert set(run.models) == {"stt", "llm", "tts", "vad", "turn"}


def test_every_timeline_is_in_causal_order(run: ConversationRun) -> None:
    order = PREEMPTIVE_ORDER if run.design == "preemptive" else STAGES
    for turn in run.turns:
        assert set(STAGES) <= set(turn.events), (turn.index, turn.events)
        assert stages_in_order(turn.events, order), (turn.index, turn.events)
        assert turn.events["llm_start"] <= turn.events["llm_first_token"]
        assert turn.events["llm_first_token"] <= turn.events["first_sentence"]
        assert turn.voice_to_voice_s is not None and turn.voice_to_voice_s > 0


def test_barge_ins_stop_the_bot_and_cancel_what_was_queued(run: ConversationRun) -> None:
    assert [b.turn for b in run.barge_ins] == list(INTERRUPTED)
    turns = {t.index: t for t in run.turns}
    for barge_in in run.barge_ins:
        assert barge_in.bot_audio_stopped is not None and barge_in.stop_time_s is not None
        assert barge_in.bot_audio_stopped >= barge_in.user_speech_start
        # Nothing more was played until the answer to the interrupting question.
        assert turns[barge_in.turn + 1].events["playback_start"] > barge_in.bot_audio_stopped
        assert barge_in.tts_cleared, "queued TTS audio was dropped"
        # Streaming replies were still being generated; a non-streaming one was complete before
        # TTS started, so there was nothing left to cancel.
        assert barge_in.llm_cancelled is (run.design != "non_streaming")
    assert [t.index for t in run.turns if t.interrupted] == list(INTERRUPTED)


def test_an_interrupted_reply_is_cut_where_the_generation_stopped(run: ConversationRun) -> None:
    if run.design == "non_streaming":
        pytest.skip("the whole reply is generated before TTS: nothing is cut")
    for index, key in zip(INTERRUPTED, ("moon", "cat"), strict=True):
        reply = next(t.reply for t in run.turns if t.index == index)
        full = REPLIES[key]["text"]
        assert reply and full.startswith(reply) and len(reply) < len(full)
    assert any("cancelled, worker thread stopped" in note for note in run.notes)


def test_the_audio_of_both_sides_is_recorded(played: Played) -> None:
    run, out = played
    user, user_rate = read_wav(out / "user.wav")
    bot, bot_rate = read_wav(out / "bot.wav")
    assert (user_rate, bot_rate) == (16_000, 22_050)
    assert len(user) / user_rate > 10 and abs(len(bot) / bot_rate - len(user) / user_rate) < 1.0
    first = run.turns[0].events["playback_start"]
    assert not bot[: int(first * bot_rate) - 50].any(), "the bot is silent before its first reply"
    assert bot[int(first * bot_rate) : int((first + 0.5) * bot_rate)].any()
