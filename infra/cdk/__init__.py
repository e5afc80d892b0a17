"""The AWS parity module in AWS CDK (Python): `cd infra/cdk && ../../.tools/bin/cdk synth`.

The twin of `infra/terraform/aws`: the same bucket, secrets, repository, log group, roles, ECS
cluster and Fargate task definition, with names and tags from `infra.conventions`. Importing this
package imports aws-cdk-lib, which starts a Node.js process: `experiment` never imports it.
"""

from __future__ import annotations

from infra.cdk.regenlab_aws import RegenlabAwsStack, Settings, build

__all__ = ["RegenlabAwsStack", "Settings", "build"]
