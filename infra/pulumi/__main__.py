"""Pulumi's entry point: deploy with the current stack's config and export the outputs."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pulumi

# Pulumi puts only this folder on sys.path; the repository root makes `infra` importable
# when regenlab is not installed into the virtual environment.
if importlib.util.find_spec("infra") is None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from infra.pulumi.regenlab_gcp import Settings, deploy

deployment = deploy(Settings.from_config())
for key, value in deployment.outputs.items():
    pulumi.export(key, value)
