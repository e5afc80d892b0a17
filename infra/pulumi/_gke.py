"""runner = "gke": a GKE Autopilot cluster with private nodes, as in the Terraform module.

Its own network (Private Google Access, flow logs), Cloud NAT for the model providers' APIs, a
nodes' service account that pulls the runner image, and the Workload Identity grant that lets the
Job's Kubernetes service account act as the runner's service account.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp
from pulumi_gcp import compute, container

from infra.conventions import GKE_IP_RANGES, NODES_PROJECT_ROLE, RUNNER_ROLES
from infra.pulumi._context import Context

__all__ = ["GkeRunner", "gke_runner"]


@dataclass(frozen=True)
class GkeRunner:
    """The cluster, its network and the identities and grants around it."""

    network: compute.Network
    subnetwork: compute.Subnetwork
    router: compute.Router
    nat: compute.RouterNat
    nodes: gcp.serviceaccount.Account
    cluster: container.Cluster
    grants: list[pulumi.CustomResource]
    """The nodes' repository reader (and node role), the runner's Workload Identity user."""


def gke_runner(
    ctx: Context,
    runner: gcp.serviceaccount.Account,
    repository: gcp.artifactregistry.Repository,
    release_channel: str,
    options: tuple[bool, tuple[str, ...]],
) -> GkeRunner:
    """Declare the cluster; `options` are (node logging, authorized networks)."""
    node_logging, authorized = options
    network, subnetwork = _network(ctx)
    router, nat = _nat(ctx, network)
    nodes = gcp.serviceaccount.Account(
        "gke-nodes",
        project=ctx.project,
        account_id=ctx.names["nodes_service_account"],
        display_name=f"regenlab GKE nodes ({ctx.prefix})",
        description="The regenlab runner's GKE nodes: pull its image, write node logs.",
    )
    cluster = _cluster(ctx, network, subnetwork, nodes, (release_channel, authorized))
    grants = _grants(ctx, runner, repository, nodes, cluster, node_logging)
    return GkeRunner(network, subnetwork, router, nat, nodes, cluster, grants)


def _network(ctx: Context) -> tuple[compute.Network, compute.Subnetwork]:
    network = compute.Network(
        "gke", project=ctx.project, name=ctx.names["network"], auto_create_subnetworks=False
    )
    subnetwork = compute.Subnetwork(
        "gke",
        project=ctx.project,
        name=ctx.names["network"],
        region=ctx.region,
        network=network.id,
        ip_cidr_range=GKE_IP_RANGES["nodes"],
        # Private nodes reach Google APIs (Artifact Registry, Cloud Storage, Vertex AI) without NAT.
        private_ip_google_access=True,
        secondary_ip_ranges=[
            compute.SubnetworkSecondaryIpRangeArgs(
                range_name=name, ip_cidr_range=GKE_IP_RANGES[name]
            )
            for name in ("pods", "services")
        ],
        log_config=compute.SubnetworkLogConfigArgs(
            aggregation_interval="INTERVAL_10_MIN",
            flow_sampling=0.5,
            metadata="INCLUDE_ALL_METADATA",
        ),
    )
    return network, subnetwork


def _nat(ctx: Context, network: compute.Network) -> tuple[compute.Router, compute.RouterNat]:
    # Private nodes have no public address: the model providers' APIs are reached through NAT.
    router = compute.Router(
        "gke", project=ctx.project, name=ctx.names["router"], region=ctx.region, network=network.id
    )
    nat = compute.RouterNat(
        "gke",
        project=ctx.project,
        name=ctx.names["nat"],
        region=ctx.region,
        router=router.name,
        nat_ip_allocate_option="AUTO_ONLY",
        source_subnetwork_ip_ranges_to_nat="ALL_SUBNETWORKS_ALL_IP_RANGES",
        log_config=compute.RouterNatLogConfigArgs(enable=True, filter="ERRORS_ONLY"),
    )
    return router, nat


def _cluster(
    ctx: Context,
    network: compute.Network,
    subnetwork: compute.Subnetwork,
    nodes: gcp.serviceaccount.Account,
    control: tuple[str, tuple[str, ...]],
) -> container.Cluster:
    release_channel, authorized = control
    return container.Cluster(
        "runner",
        project=ctx.project,
        name=ctx.names["cluster"],
        location=ctx.region,
        enable_autopilot=True,
        deletion_protection=ctx.protected,
        resource_labels=ctx.labels,
        # Dataplane V2 (Autopilot's default) enforces Kubernetes network policies.
        datapath_provider="ADVANCED_DATAPATH",
        master_auth=container.ClusterMasterAuthArgs(
            client_certificate_config=container.ClusterMasterAuthClientCertificateConfigArgs(
                issue_client_certificate=False
            )
        ),
        network=network.id,
        subnetwork=subnetwork.id,
        release_channel=container.ClusterReleaseChannelArgs(channel=release_channel),
        private_cluster_config=container.ClusterPrivateClusterConfigArgs(
            enable_private_nodes=True, enable_private_endpoint=False
        ),
        # kubectl reaches the control plane through its DNS endpoint, where IAM decides.
        control_plane_endpoints_config=container.ClusterControlPlaneEndpointsConfigArgs(
            dns_endpoint_config=container.ClusterControlPlaneEndpointsConfigDnsEndpointConfigArgs(
                allow_external_traffic=True
            )
        ),
        master_authorized_networks_config=container.ClusterMasterAuthorizedNetworksConfigArgs(
            gcp_public_cidrs_access_enabled=False,
            cidr_blocks=[
                container.ClusterMasterAuthorizedNetworksConfigCidrBlockArgs(
                    cidr_block=cidr, display_name=f"authorized-{index}"
                )
                for index, cidr in enumerate(authorized)
            ],
        ),
        ip_allocation_policy=container.ClusterIpAllocationPolicyArgs(
            cluster_secondary_range_name="pods", services_secondary_range_name="services"
        ),
        workload_identity_config=container.ClusterWorkloadIdentityConfigArgs(
            workload_pool=f"{ctx.project}.svc.id.goog"
        ),
        secret_manager_config=container.ClusterSecretManagerConfigArgs(enabled=True),
        addons_config=container.ClusterAddonsConfigArgs(
            gcs_fuse_csi_driver_config=container.ClusterAddonsConfigGcsFuseCsiDriverConfigArgs(
                enabled=True
            )
        ),
        cluster_autoscaling=container.ClusterClusterAutoscalingArgs(
            auto_provisioning_defaults=container.ClusterClusterAutoscalingAutoProvisioningDefaultsArgs(
                service_account=nodes.email,
                oauth_scopes=["https://www.googleapis.com/auth/cloud-platform"],
            )
        ),
    )


def _grants(
    ctx: Context,
    runner: gcp.serviceaccount.Account,
    repository: gcp.artifactregistry.Repository,
    nodes: gcp.serviceaccount.Account,
    cluster: container.Cluster,
    node_logging: bool,
) -> list[pulumi.CustomResource]:
    nodes_member = ctx.account_member(nodes.email)
    namespace, account = ctx.names["namespace"], ctx.names["kubernetes_service_account"]
    grants: list[pulumi.CustomResource] = [
        gcp.artifactregistry.RepositoryIamMember(
            "gke-nodes-reader",
            project=ctx.project,
            location=repository.location,
            repository=repository.name,
            role=RUNNER_ROLES["repository"],
            member=nodes_member,
        ),
        # The Job's Kubernetes service account may act as the runner's account, and only that.
        gcp.serviceaccount.IAMMember(
            "runner-workload-identity",
            service_account_id=runner.name,
            role=RUNNER_ROLES["workload_identity"],
            member=f"serviceAccount:{ctx.project}.svc.id.goog[{namespace}/{account}]",
            # The workload pool exists once the first cluster with Workload Identity does.
            opts=pulumi.ResourceOptions(depends_on=[cluster]),
        ),
    ]
    if node_logging:
        # The one project-level grant: GKE's node role (write logs and metrics), nodes only.
        grants.append(
            gcp.projects.IAMMember(
                "gke-nodes-default",
                project=ctx.project,
                role=NODES_PROJECT_ROLE,
                member=nodes_member,
            )
        )
    return grants
