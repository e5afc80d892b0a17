"""model_serving = "vertex": the open model on a Vertex AI endpoint, callable by the runner only.

As in the Terraform module: the Model Garden deployment uploads the Hugging Face model with the
serving container Model Garden verified for it, creates the endpoint and deploys the model on
dedicated GPU replicas; a custom role of one permission (predict) is granted on that endpoint to
the runner's service account, and to no one else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp
from pulumi_gcp import vertex

from infra.conventions import VERTEX_MACHINES, VERTEX_PREDICTOR_PERMISSIONS
from infra.pulumi._context import Context

__all__ = ["VertexServer", "vertex_server"]


@dataclass(frozen=True)
class VertexServer:
    """The endpoint with its deployed model, the predict-only role and the runner's grant."""

    deployment: vertex.AiEndpointWithModelGardenDeployment
    role: gcp.projects.IAMCustomRole
    predictor: vertex.AiEndpointIamMember


def vertex_server(
    ctx: Context,
    model: str,
    shape: tuple[str, int, int, bool],
    runner_member: pulumi.Output[str],
    services: Sequence[pulumi.Resource],
) -> VertexServer:
    """Deploy `model` on `shape` (machine type, min and max replicas, EULA accepted)."""
    machine_type, min_replicas, max_replicas, accept_eula = shape
    gpu = VERTEX_MACHINES[machine_type]
    resources = vertex.AiEndpointWithModelGardenDeploymentDeployConfigDedicatedResourcesArgs(
        machine_spec=vertex.AiEndpointWithModelGardenDeploymentDeployConfigDedicatedResourcesMachineSpecArgs(
            machine_type=machine_type,
            accelerator_type=gpu["accelerator_type"],
            accelerator_count=gpu["accelerator_count"],
        ),
        min_replica_count=min_replicas,
        max_replica_count=max_replicas,
    )
    deployment = vertex.AiEndpointWithModelGardenDeployment(
        "model",
        project=ctx.project,
        location=ctx.region,
        hugging_face_model_id=model,
        model_config=vertex.AiEndpointWithModelGardenDeploymentModelConfigArgs(
            model_display_name=ctx.names["model_server"], accept_eula=accept_eula
        ),
        # The OpenAI-compatible chat API of a self-deployed model is served on the shared
        # regional domain, which a dedicated endpoint turns off.
        endpoint_config=vertex.AiEndpointWithModelGardenDeploymentEndpointConfigArgs(
            endpoint_display_name=ctx.names["model_server"], dedicated_endpoint_enabled=False
        ),
        deploy_config=vertex.AiEndpointWithModelGardenDeploymentDeployConfigArgs(
            dedicated_resources=resources
        ),
        opts=pulumi.ResourceOptions(depends_on=list(services)),
    )
    role = gcp.projects.IAMCustomRole(
        "vertex-predictor",
        project=ctx.project,
        role_id=ctx.names["vertex_predictor_role"],
        title=f"regenlab Vertex AI predictor ({ctx.prefix})",
        description="Call predict on the one Vertex AI endpoint it is granted on.",
        permissions=list(VERTEX_PREDICTOR_PERMISSIONS),
    )
    predictor = vertex.AiEndpointIamMember(
        "runner-predictor",
        project=ctx.project,
        location=ctx.region,
        endpoint=deployment.endpoint,
        role=role.name,
        member=runner_member,
    )
    return VertexServer(deployment, role, predictor)
