# runner = "gke": an Autopilot cluster with private nodes in its own network. `experiment cloud run`
# applies an indexed Job (one pod per shard, JOB_COMPLETION_INDEX as the shard index) whose pods act
# as the runner's service account through Workload Identity, mount the bucket through the Cloud
# Storage FUSE CSI driver and read the API keys through the Secret Manager add-on.

resource "google_compute_network" "gke" {
  #checkov:skip=CKV2_GCP_18:Nothing listens on the network: the implied deny-all ingress rule stays in force, and GKE adds the control-plane rules it needs itself.
  count = local.gke ? 1 : 0

  project                 = var.project_id
  name                    = local.names.network
  auto_create_subnetworks = false

  depends_on = [google_project_service.enabled]
}

resource "google_compute_subnetwork" "gke" {
  count = local.gke ? 1 : 0

  project       = var.project_id
  name          = local.names.network
  region        = var.region
  network       = google_compute_network.gke[0].id
  ip_cidr_range = module.conventions.gke_ip_ranges.nodes
  # Private nodes reach Google APIs (Artifact Registry, Cloud Storage, Vertex AI) without NAT.
  private_ip_google_access = true

  secondary_ip_range {
    range_name    = "pods"
    ip_cidr_range = module.conventions.gke_ip_ranges.pods
  }

  secondary_ip_range {
    range_name    = "services"
    ip_cidr_range = module.conventions.gke_ip_ranges.services
  }

  log_config {
    aggregation_interval = "INTERVAL_10_MIN"
    flow_sampling        = 0.5
    metadata             = "INCLUDE_ALL_METADATA"
  }
}

# Private nodes have no public address: the model providers' APIs are reached through Cloud NAT.
resource "google_compute_router" "gke" {
  count = local.gke ? 1 : 0

  project = var.project_id
  name    = local.names.router
  region  = var.region
  network = google_compute_network.gke[0].id
}

resource "google_compute_router_nat" "gke" {
  count = local.gke ? 1 : 0

  project                            = var.project_id
  name                               = local.names.nat
  region                             = var.region
  router                             = google_compute_router.gke[0].name
  nat_ip_allocate_option             = "AUTO_ONLY"
  source_subnetwork_ip_ranges_to_nat = "ALL_SUBNETWORKS_ALL_IP_RANGES"

  log_config {
    enable = true
    filter = "ERRORS_ONLY"
  }
}

# The nodes' identity instead of the Compute Engine default account (which holds Editor): it pulls
# the runner image and, with gke_node_logging, writes the nodes' logs and metrics. Pods never act as
# it: Workload Identity gives them the runner's account.
resource "google_service_account" "gke_nodes" {
  count = local.gke ? 1 : 0

  project      = var.project_id
  account_id   = local.names.nodes_service_account
  display_name = "regenlab GKE nodes (${module.conventions.prefix})"
  description  = "The regenlab runner's GKE nodes: pull its image, write node logs."

  depends_on = [google_project_service.enabled]
}

# The one project-level grant of the module (logs and metrics are written to the project): GKE's
# least-privilege node role, to the nodes' account only.
resource "google_project_iam_member" "gke_nodes_default" {
  count = local.gke && var.gke_node_logging ? 1 : 0

  project = var.project_id
  role    = module.conventions.nodes_project_role
  member  = "serviceAccount:${google_service_account.gke_nodes[0].email}"
}

resource "google_artifact_registry_repository_iam_member" "gke_nodes_reader" {
  count = local.gke ? 1 : 0

  project    = var.project_id
  location   = google_artifact_registry_repository.runner.location
  repository = google_artifact_registry_repository.runner.name
  role       = local.roles.repository
  member     = "serviceAccount:${google_service_account.gke_nodes[0].email}"
}

resource "google_container_cluster" "runner" {
  #checkov:skip=CKV_GCP_66:Binary Authorization needs an attestor pipeline this project does not run; the runner image comes from the deployment's own Artifact Registry repository, which only its deployer can push to.
  #checkov:skip=CKV_GCP_24:PodSecurityPolicy was removed from Kubernetes in 1.25; Autopilot enforces its own pod security baseline (no privileged pods, no host access).
  #checkov:skip=CKV_GCP_12:Autopilot runs GKE Dataplane V2 (datapath_provider below), which enforces network policies; the network_policy block this check reads is for Calico, which Autopilot refuses.
  #checkov:skip=CKV_GCP_61:Autopilot does not offer intranode visibility; the subnet's VPC flow logs are on.
  #checkov:skip=CKV_GCP_69:Autopilot always runs the GKE metadata server (Workload Identity cannot be turned off), and takes no node_config to say so.
  #checkov:skip=CKV_GCP_21:The labels are the conventions module's output (resource_labels = local.labels), which checkov cannot evaluate; tests/infra/test_policy.py checks them.
  #checkov:skip=CKV_GCP_65:Google Groups for RBAC needs a Google Workspace domain; the cluster's only user is the deployer, through IAM.
  count = local.gke ? 1 : 0

  project             = var.project_id
  name                = local.names.cluster
  location            = var.region
  enable_autopilot    = true
  deletion_protection = local.deletion_protection
  resource_labels     = local.labels
  # Dataplane V2 (Autopilot's default) enforces Kubernetes network policies.
  datapath_provider = "ADVANCED_DATAPATH"

  network    = google_compute_network.gke[0].id
  subnetwork = google_compute_subnetwork.gke[0].id

  release_channel {
    channel = var.gke_release_channel
  }

  master_auth {
    client_certificate_config {
      issue_client_certificate = false
    }
  }

  private_cluster_config {
    enable_private_nodes    = true
    enable_private_endpoint = false
  }

  # kubectl reaches the control plane through its DNS endpoint, where IAM decides, not an address.
  control_plane_endpoints_config {
    dns_endpoint_config {
      allow_external_traffic = true
    }
  }

  master_authorized_networks_config {
    gcp_public_cidrs_access_enabled = false

    dynamic "cidr_blocks" {
      for_each = var.gke_authorized_networks
      content {
        cidr_block   = cidr_blocks.value
        display_name = "authorized-${cidr_blocks.key}"
      }
    }
  }

  ip_allocation_policy {
    cluster_secondary_range_name  = "pods"
    services_secondary_range_name = "services"
  }

  workload_identity_config {
    workload_pool = "${var.project_id}.svc.id.goog"
  }

  secret_manager_config {
    enabled = true
  }

  addons_config {
    gcs_fuse_csi_driver_config {
      enabled = true
    }
  }

  cluster_autoscaling {
    auto_provisioning_defaults {
      service_account = google_service_account.gke_nodes[0].email
      oauth_scopes    = ["https://www.googleapis.com/auth/cloud-platform"]
    }
  }

  depends_on = [google_project_service.enabled]
}

# The Job's Kubernetes service account may act as the runner's service account, and nothing else
# may: the grant is on that one account.
resource "google_service_account_iam_member" "runner_workload_identity" {
  count = local.gke ? 1 : 0

  service_account_id = google_service_account.runner.name
  role               = local.roles.workload_identity
  member             = "serviceAccount:${var.project_id}.svc.id.goog[${local.names.namespace}/${local.names.kubernetes_service_account}]"

  # The workload pool exists once the first cluster with Workload Identity does.
  depends_on = [google_container_cluster.runner]
}
