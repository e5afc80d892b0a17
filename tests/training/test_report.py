"""The comparison report: its numbers come from the results, its figures are real PNGs."""

from __future__ import annotations

from pathlib import Path

from tests.training.report_fakes import fake_compare, fake_result
from training import TrainConfig, scaling_table
from training._formulas import checks
from training._report import LIMITS, render_markdown, write_report
from training._types import CompareResult, FailureRun

PNG = b"\x89PNG\r\n\x1a\n"


def test_write_report_writes_markdown_pngs_and_json(tmp_path: Path) -> None:
    result = fake_compare()
    paths = write_report(result, tmp_path / "out")
    assert paths.markdown.read_text(encoding="utf-8") == render_markdown(result)
    for png in (paths.throughput_png, paths.memory_png, paths.loss_png, paths.formula_png):
        data = png.read_bytes()
        assert data.startswith(PNG) and data[12:16] == b"IHDR" and len(data) > 5_000
    assert CompareResult.model_validate_json(paths.compare_json.read_text()) == result


def test_figures_are_deterministic(tmp_path: Path) -> None:
    first = write_report(fake_compare(), tmp_path / "a")
    second = write_report(fake_compare(), tmp_path / "b")
    assert first.loss_png.read_bytes() == second.loss_png.read_bytes()


def test_performance_rows_come_from_the_results() -> None:
    text = render_markdown(fake_compare())
    # single: 10,000 tokens/s, 1 rank of 400 MB; ddp: 8,000 (0.80x), ranks of 400 and 401 MB.
    assert "| single | 1 | 10,000 | 1.00x | 100.0 ms | 400.0 MB | 1.00x | 6.0000 |" in text
    assert "| ddp | 2 | 8,000 | 0.80x | 100.0 ms | 401.0 MB | 1.00x | 6.0000 |" in text
    assert "| 6.1000 → 5.1000 | 0 |" in text


def test_changing_one_number_changes_the_report() -> None:
    result = fake_compare()
    before = render_markdown(result)
    result.results[1].tokens_per_s = 5_000.0
    after = render_markdown(result)
    assert "| ddp | 2 | 5,000 | 0.50x |" in after
    assert before != after


def test_model_state_table_compares_measured_with_the_formula() -> None:
    # ZeRO-3, Ψ = 1M, N = 2: 16Ψ/2 = 8 MB per rank, split 1 + 1 + 6 MB.
    text = render_markdown(fake_compare())
    assert (
        "| zero3 | ZeRO-3 (P_os+g+p) | 1.0 MB | 1.0 MB | 6.0 MB | 8.0 MB | 8.0 MB | 1.000 | yes |"
    ) in text
    assert "3 of 3 strategies lie within 10 % of the formula." in text


def test_a_run_off_the_formula_is_flagged() -> None:
    runs = [fake_result(TrainConfig(strategy="zero2"), scale=1.25)]
    text = render_markdown(CompareResult(results=runs, formula_checks=checks(runs)))
    assert "| 1.250 | **no** |" in text
    assert "0 of 1 strategies lie within 10 %" in text


def test_first_step_losses_are_compared_across_strategies() -> None:
    result = fake_compare()
    result.results[2].first_step_loss = 6.25
    assert "6.0000 to 6.2500 (spread 0.25)" in render_markdown(result)


def test_without_a_single_run_ratios_are_dashes() -> None:
    text = render_markdown(fake_compare(("ddp", "zero1")))
    assert "| ddp | 2 | 10,000 | n/a |" in text


def test_fault_tolerance_section_compares_with_the_uninterrupted_run() -> None:
    result = fake_compare()
    killed = fake_result(TrainConfig(strategy="ddp", steps=60, eval_every=10))
    killed.restarts, killed.resumed_from_step, killed.final_eval_loss = 1, 25, 3.05
    result.failure = FailureRun(result=killed, kill_rank=1, kill_at_step=30, max_restarts=2)
    text = render_markdown(result)
    assert "ddp: rank 1 was SIGKILLed at step 30 of 60 (torchrun --max-restarts 2)" in text
    assert "restarted 1 time(s) and resumed from the checkpoint of step 25" in text
    assert "ended at 5.1000 (difference -2.0500)" in text


def test_gguf_finding_notes_and_limits_are_printed() -> None:
    result = fake_compare()
    result.results[0].notes.append("bf16 autocast is slow on this CPU")
    text = render_markdown(result)
    assert "gemma3 GGUF: not supported." in text
    assert "- single: bf16 autocast is slow on this CPU" in text
    assert all(limit in text for limit in LIMITS)
    assert "Not checked in this run." in render_markdown(CompareResult(results=result.results))


def test_empty_comparison_still_renders(tmp_path: Path) -> None:
    paths = write_report(CompareResult(results=[]), tmp_path)
    assert "No run recorded model-state bytes." in paths.markdown.read_text()
    assert paths.throughput_png.read_bytes().startswith(PNG)


def test_scaling_table_divides_by_the_single_run() -> None:
    lines = scaling_table(fake_compare().results).splitlines()
    assert lines[0].split()[:3] == ["strategy", "ranks", "tokens/s"]
    assert "peak RSS/rank" in lines[0]
    # zero3: 6,667 tokens/s (0.67x single), 8 MB of model states against single's 16 MB.
    assert lines[3].split() == [
        "zero3", "2", "6,667", "0.67x", "100.0", "ms", "401.0", "MB", "1.00x", "8.0", "MB", "0.50x"
    ]  # fmt: skip


def test_scaling_table_uses_gpu_memory_when_a_gpu_ran() -> None:
    runs = fake_compare(("single", "zero2")).results
    runs[1].config.cpu_offload = True
    for run, peak in zip(runs, (8_000_000_000, 2_000_000_000), strict=True):
        for rank in run.ranks:
            rank.peak_device_bytes = peak
    table = scaling_table(runs)
    assert "peak GPU mem/rank" in table
    assert "zero2 +offload" in table and "2.0 GB" in table and "0.25x" in table
