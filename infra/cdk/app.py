"""The CDK app's entry point (cdk.json runs it): one stack, settings from `-c key=value`."""

from __future__ import annotations

import sys

import aws_cdk as cdk

from infra._errors import InfraError
from infra.cdk.regenlab_aws import Settings, build

app = cdk.App()
try:
    build(app, Settings.from_context(app))
except InfraError as exc:
    # One line with the fix, as every regenlab command says a bad input.
    print(f"error: {exc}", file=sys.stderr)
    sys.exit(2)
app.synth()
