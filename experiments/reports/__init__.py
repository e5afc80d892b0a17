"""Reports of runs: the per-trial report (HTML and Markdown), the experiment summary with
statistics and plots, and the post draft whose every number is checked against the results."""

from experiments.reports._all import write_reports
from experiments.reports._post import PostRejected, check_numbers, draft_post, write_post
from experiments.reports._summary import ExperimentSummary, experiment_report
from experiments.reports._summary_files import SummaryFiles, write_experiment_report
from experiments.reports._trial import TrialReport, trial_report, write_trial_report

__all__ = [
    "ExperimentSummary",
    "PostRejected",
    "SummaryFiles",
    "TrialReport",
    "check_numbers",
    "draft_post",
    "experiment_report",
    "trial_report",
    "write_experiment_report",
    "write_post",
    "write_reports",
    "write_trial_report",
]
