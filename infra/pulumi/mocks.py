"""Run the Pulumi program offline, under Pulumi's mocks, and see what it would create.

No Pulumi CLI, engine, credentials or network: `record(settings)` runs `deploy` with a mock
resource monitor that records each resource's type token and inputs, answers with plausible
outputs (a service account's email, a service's URL), and returns the resolved stack outputs.
The unit tests and the Terraform parity test are built on it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi

from infra.pulumi.regenlab_gcp import Settings, deploy

__all__ = ["MOCK_ENDPOINT_ID", "Created", "Recorded", "RecordingMocks", "record"]

MOCK_ENDPOINT_ID = "1234567890123456789"
"""The id the mocks give the Vertex AI endpoint (Vertex AI numbers its endpoints)."""


@dataclass(frozen=True)
class Created:
    """One resource the program registered."""

    token: str
    """Its Pulumi type token, such as `gcp:storage/bucket:Bucket`."""
    name: str
    """Its logical (Pulumi) name."""
    inputs: dict[str, Any]
    """Its inputs as the engine receives them: camelCase keys, numbers as floats."""


@dataclass
class Recorded:
    """What one run of the program created and exported."""

    resources: list[Created] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)

    def of(self, token: str) -> list[Created]:
        """The resources of one type token, in registration order."""
        return [resource for resource in self.resources if resource.token == token]

    def one(self, token: str) -> Created:
        """The only resource of a type token; AssertionError when there are none or several."""
        found = self.of(token)
        assert len(found) == 1, f"expected one {token}, found {[r.name for r in found]}"
        return found[0]


def _email(inputs: Mapping[str, Any]) -> dict[str, Any]:
    email = f"{inputs['accountId']}@{inputs['project']}.iam.gserviceaccount.com"
    name = f"projects/{inputs['project']}/serviceAccounts/{email}"
    return {"email": email, "member": f"serviceAccount:{email}", "name": name}


def _uri(inputs: Mapping[str, Any]) -> dict[str, Any]:
    return {"uri": f"https://{inputs['name']}-mock.a.run.app"}


# The outputs Google computes that the program reads; everything else echoes the inputs.
COMPUTED: dict[str, Callable[[Mapping[str, Any]], dict[str, Any]]] = {
    "gcp:serviceaccount/account:Account": _email,
    "gcp:cloudrunv2/service:Service": _uri,
    "gcp:artifactregistry/repository:Repository": lambda inputs: {"name": inputs["repositoryId"]},
    "gcp:projects/iAMCustomRole:IAMCustomRole": lambda inputs: {
        "name": f"projects/{inputs['project']}/roles/{inputs['roleId']}"
    },
    "gcp:vertex/aiEndpointWithModelGardenDeployment:AiEndpointWithModelGardenDeployment": (
        lambda inputs: {"endpoint": MOCK_ENDPOINT_ID}
    ),
}

# The ids Google gives that the program reads (a secret's id is its full resource name).
IDS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "gcp:secretmanager/secret:Secret": lambda inputs: (
        f"projects/{inputs['project']}/secrets/{inputs['secretId']}"
    ),
}


class RecordingMocks(pulumi.runtime.Mocks):
    """Pulumi mocks that record every resource and echo its inputs as its outputs."""

    def __init__(self) -> None:
        self.created: list[Created] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        """Record the resource; its state is its inputs plus the computed outputs it needs."""
        inputs = dict(args.inputs)
        self.created.append(Created(args.typ, args.name, inputs))
        computed = COMPUTED.get(args.typ)
        state = {**inputs, **(computed(inputs) if computed else {})}
        identity = IDS.get(args.typ)
        return (identity(inputs) if identity else f"{args.name}-id"), state

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], None]:
        """The program calls no functions (data sources); answer any with nothing."""
        return {}, None


def record(settings: Settings) -> Recorded:
    """Run `deploy(settings)` under mocks; the resources it created and its resolved outputs."""
    mocks = RecordingMocks()
    pulumi.runtime.set_mocks(mocks, project="regenlab-gcp", stack="offline", preview=False)
    recorded = Recorded(resources=mocks.created)

    def program() -> pulumi.Output[None]:
        outputs = deploy(settings).outputs
        return pulumi.Output.all(**outputs).apply(recorded.outputs.update)

    # pulumi.runtime.test runs the program and waits for every registration and output.
    pulumi.runtime.test(program)()  # type: ignore[no-untyped-call]  # the decorator is untyped
    return recorded
