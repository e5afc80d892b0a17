"""What diarization costs on this machine, against Resemblyzer's own embed_utterance of the same
recording measured in the same run (the library's one pass over the audio).

Cases, on a bundled conversation (synthesized once, cached):
  - the shared features (webrtcvad, mel frames, a 1.6 s window embedding every 0.2 s);
  - each pipeline on those features, and end to end (features + pipeline);
  - one window embedded alone (what a streaming step pays) and in a batch of 64;
  - the window embeddings on one torch thread and on two (the library default here).
The real-time factor is compute time over audio time. The last line is the offline pipeline end
to end as a ratio to embed_utterance.

Usage: .venv/bin/python benchmarks/diarization_speed.py [--conversation NAME] [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from functools import partial


def median_seconds(action: Callable[[], object], repeat: int) -> float:
    """Median wall time of `action` over `repeat` runs, after one warm-up run."""
    action()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--conversation", default="two_speakers")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ["HF_HUB_OFFLINE"] = "1"

    import torch

    from agents.models import cache_dir
    from voice.diarization._config import DiarizeConfig
    from voice.diarization._embed import Mel, embed_windows, encoder, to_float
    from voice.diarization._pipelines import features, pipelines
    from voice.diarization._run import BUNDLED
    from voice.diarization._synth import load_conversation, synthesize_conversation

    spec = load_conversation(BUNDLED / f"{args.conversation}.yaml")
    conversation = synthesize_conversation(spec, cache_dir() / "voice-diarization")
    audio = to_float(conversation.samples)
    config = DiarizeConfig()
    speakers = len({t.speaker for t in conversation.reference})
    seconds = conversation.duration_s
    model = encoder()

    def utterance() -> object:
        with torch.no_grad():
            return model.embed_utterance(audio)

    baseline = median_seconds(utterance, args.repeat)
    feats = features(conversation.samples, config)
    shared = median_seconds(lambda: features(conversation.samples, config), args.repeat)
    mel = Mel.of(audio)
    ends = list(range(160, mel.n, 20))[:64]
    one = median_seconds(lambda: embed_windows(mel, ends[:1]), args.repeat * 5)
    batch = median_seconds(lambda: embed_windows(mel, ends), args.repeat) / len(ends)
    torch_threads = torch.get_num_threads()

    def two_threads() -> object:
        torch.set_num_threads(2)
        try:
            with torch.no_grad():
                import numpy as np

                return model(torch.from_numpy(np.stack([mel.window(e) for e in ends])))
        finally:
            torch.set_num_threads(torch_threads)

    two = median_seconds(two_threads, args.repeat) / len(ends)

    print(f"{args.conversation}: {seconds:.1f} s of audio, {speakers} speakers")
    print(f"{'case':<42} {'median s':>9} {'RTF':>7} {'x embed_utterance':>18}")
    row = "{:<42} {:>9.3f} {:>7.3f} {:>18.2f}"
    print(row.format("resemblyzer embed_utterance", baseline, baseline / seconds, 1.0))
    print(row.format("features (VAD, mel, windows)", shared, shared / seconds, shared / baseline))
    totals = {}
    for pipeline in pipelines(config, speakers):
        alone = median_seconds(partial(pipeline.diarize, feats), args.repeat)
        totals[pipeline.name] = shared + alone
        name = f"{pipeline.name} (on the features)"
        print(row.format(name, alone, alone / seconds, alone / baseline))
    print(f"one window alone (a streaming step): {one * 1000:.1f} ms")
    print(f"one window in a batch of {len(ends)}: {batch * 1000:.1f} ms")
    print(f"the same on 2 torch threads: {two * 1000:.1f} ms ({two / batch:.2f} x 1 thread)")
    end_to_end = totals["offline-spectral"]
    print(f"offline-spectral end to end / embed_utterance: {end_to_end / baseline:.2f}")


if __name__ == "__main__":
    main()
