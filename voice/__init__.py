"""regenlab's streaming voice lab: where the time goes in a cascaded STT → LLM → TTS pipeline.

An offline Pipecat pipeline (Silero VAD, Smart Turn, faster-whisper, our LLM providers, piper)
with per-turn latency timelines, barge-in and turn-taking measurements, a latency-budget
simulator over pipeline designs and end-to-end speech models, and speaker diarization
(voice.diarization: offline and streaming, scored by DER, and speaker tags in the live loop).
Commands: `experiment voice …`.
"""
