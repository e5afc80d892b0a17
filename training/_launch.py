"""Launching a run: torchrun (torch.distributed.run) with c10d rendezvous on a free local port.

`train` runs one configuration; `train_with_failure` also has one rank SIGKILL itself mid-run,
lets torchrun (`--max-restarts`) restart the group, and the restarted ranks resume from the
newest complete checkpoint. Each rank writes a JSON report; this module merges them.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import uuid
from contextlib import suppress
from pathlib import Path

from training._checkpoint import POINTER
from training._types import TrainConfig, TrainingError, TrainResult
from training._worker import KILL_MARKER, LaunchPlan, RankReport, checkpoint_root

REPO_ROOT = Path(__file__).resolve().parent.parent
TIMEOUT_S = 3600
"""A run that takes longer than this is stopped (its processes killed) and reported."""
LOG_TAIL_LINES = 15


def train(config: TrainConfig, out_dir: Path, *, resume_from: Path | None = None) -> TrainResult:
    """Train `config` in `world_size` processes (one for single) and return what it measured.

    `resume_from` starts from that checkpoint (saved at any world size) instead of the newest
    one under the checkpoint directory.
    """
    plan = LaunchPlan(
        config=config, out_dir=str(out_dir), resume_from=str(resume_from) if resume_from else None
    )
    return _launch(plan, max_restarts=0)


def train_with_failure(
    config: TrainConfig, out_dir: Path, *, kill_rank: int, kill_at_step: int, max_restarts: int
) -> TrainResult:
    """Train, SIGKILL rank `kill_rank` at step `kill_at_step` once, restart and resume."""
    _check_failure(config, kill_rank, kill_at_step, max_restarts)
    plan = LaunchPlan(
        config=config, out_dir=str(out_dir), kill_rank=kill_rank, kill_at_step=kill_at_step
    )
    result = _launch(plan, max_restarts=max_restarts)
    if result.restarts < 1:
        raise TrainingError(f"{out_dir}: rank {kill_rank} was to be killed but nothing restarted")
    return result


def _check_failure(config: TrainConfig, kill_rank: int, kill_at_step: int, restarts: int) -> None:
    problems = [
        (config.strategy == "single", "single has no group to restart; fix: use ddp or fsdp2"),
        (not 0 <= kill_rank < config.world_size, f"kill_rank {kill_rank} is not a rank"),
        (not 0 < kill_at_step <= config.steps, f"kill_at_step {kill_at_step} is not a step"),
        (restarts < 1, "max_restarts must be at least 1 to restart"),
        (
            not config.checkpoint_every or config.checkpoint_every >= kill_at_step,
            "no checkpoint before the kill; fix: set checkpoint_every below kill_at_step",
        ),
    ]
    for found, message in problems:
        if found:
            raise TrainingError(f"train_with_failure: {message}")


def _launch(plan: LaunchPlan, *, max_restarts: int) -> TrainResult:
    out_dir = Path(plan.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    # A fresh run: no reports, kill marker or "newest checkpoint" of an earlier run may count.
    pointer = checkpoint_root(plan) / POINTER
    for stale in [*out_dir.glob("rank-*.json"), *out_dir.glob("pid-*"), out_dir / KILL_MARKER]:
        stale.unlink(missing_ok=True)
    pointer.unlink(missing_ok=True)
    plan_path = out_dir / "plan.json"
    plan_path.write_text(plan.model_dump_json(indent=2), encoding="utf-8")
    processes = 1 if plan.config.strategy == "single" else plan.config.world_size
    log_path = out_dir / "launch.log"
    with log_path.open("w", encoding="utf-8") as log:
        process = subprocess.Popen(
            _command(plan_path, processes, max_restarts),
            stdout=log,
            stderr=subprocess.STDOUT,
            env=_environment(),
            cwd=REPO_ROOT,
            start_new_session=True,
        )
        code = _wait(process, out_dir)
    if code != 0:
        raise TrainingError(
            f"{plan.config.strategy}: training failed (exit {code}); see {log_path}:\n"
            + _tail(log_path)
        )
    return merge(plan.config, [_report(out_dir, rank) for rank in range(processes)])


def _command(plan_path: Path, processes: int, max_restarts: int) -> list[str]:
    return [
        sys.executable, "-m", "torch.distributed.run",
        "--nnodes", "1",
        "--nproc-per-node", str(processes),
        "--max-restarts", str(max_restarts),
        "--rdzv-backend", "c10d",
        "--rdzv-endpoint", f"127.0.0.1:{free_port()}",
        "--rdzv-id", uuid.uuid4().hex,
        "--local-addr", "127.0.0.1",
        "-m", "training._worker", str(plan_path),
    ]  # fmt: skip


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("OMP_NUM_THREADS", "1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    # Offline and quiet: nothing is downloaded, DeepSpeed does not probe for GPUs.
    env.update(
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        TRANSFORMERS_VERBOSITY="error",
        TOKENIZERS_PARALLELISM="false",
        DS_ACCELERATOR="cpu",
        # torch's own collectives warn that they are deprecated hundreds of times per run.
        PYTHONWARNINGS="ignore::FutureWarning",
    )
    return env


def _wait(process: subprocess.Popen[bytes], out_dir: Path) -> int:
    try:
        return process.wait(timeout=TIMEOUT_S)
    except BaseException:
        _stop(process, out_dir)
        raise


def _stop(process: subprocess.Popen[bytes], out_dir: Path) -> None:
    """Stop torchrun and the ranks it started (they run in sessions of their own)."""
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    for pid_file in out_dir.glob("pid-*"):
        with suppress(ProcessLookupError, ValueError, PermissionError):
            os.kill(int(pid_file.read_text(encoding="utf-8")), signal.SIGKILL)


def _tail(path: Path) -> str:
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join(lines[-LOG_TAIL_LINES:])


def _report(out_dir: Path, rank: int) -> RankReport:
    path = out_dir / f"rank-{rank}.json"
    if not path.exists():
        raise TrainingError(f"{path}: rank {rank} finished without a report; see launch.log")
    return RankReport.model_validate_json(path.read_text(encoding="utf-8"))


def merge(config: TrainConfig, reports: list[RankReport]) -> TrainResult:
    """One TrainResult from the ranks' reports (steps and eval losses from rank 0)."""
    lead = reports[0]
    seconds = sum(step.step_time_s for step in lead.steps)
    tokens = sum(step.tokens for step in lead.steps)
    return TrainResult(
        config=config,
        parameters=lead.parameters,
        steps=lead.steps,
        eval_losses=lead.eval_losses,
        first_step_loss=lead.steps[0].loss if lead.steps else float("nan"),
        final_eval_loss=lead.eval_losses[-1][1] if lead.eval_losses else float("nan"),
        tokens_per_s=tokens / seconds if seconds > 0 else 0.0,
        mean_step_time_s=seconds / len(lead.steps) if lead.steps else 0.0,
        ranks=[report.memory for report in reports],
        restarts=lead.restart_count,
        resumed_from_step=lead.resumed_from_step,
        notes=lead.notes,
    )
