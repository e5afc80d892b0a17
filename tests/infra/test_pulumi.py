"""The Pulumi program, run offline under Pulumi's mocks: what it creates and what it refuses."""

from __future__ import annotations

import runpy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

from infra import InfraError
from infra.conventions import RUNNER_ROLES, SECRET_ENV, SERVICES
from infra.pulumi.mocks import MOCK_ENDPOINT_ID, Created, Recorded, RecordingMocks, record
from infra.pulumi.regenlab_gcp import CONFIG_KEYS, Settings

PROJECT_DIR = Path(__file__).resolve().parents[2] / "infra" / "pulumi"
PRIMITIVE_ROLES = {"roles/owner", "roles/editor", "roles/viewer"}
RUNNER_MEMBER = "serviceAccount:regenlab-dev-runner@my-project-1.iam.gserviceaccount.com"
NODES_GRANT = (
    "roles/container.defaultNodeServiceAccount",
    "serviceAccount:regenlab-dev-nodes@my-project-1.iam.gserviceaccount.com",
)

BUCKET = "gcp:storage/bucket:Bucket"
JOB = "gcp:cloudrunv2/job:Job"
SERVICE = "gcp:cloudrunv2/service:Service"
ACCOUNT = "gcp:serviceaccount/account:Account"

# Each IAM member kind, the input naming the one resource it grants on, and the conventions role.
CLUSTER = "gcp:container/cluster:Cluster"
ENDPOINT = "gcp:vertex/aiEndpointWithModelGardenDeployment:AiEndpointWithModelGardenDeployment"
GRANTS = {
    "gcp:storage/bucketIAMMember:BucketIAMMember": ("bucket", RUNNER_ROLES["bucket"]),
    "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember": (
        "repository",
        RUNNER_ROLES["repository"],
    ),
    "gcp:secretmanager/secretIamMember:SecretIamMember": ("secretId", RUNNER_ROLES["secrets"]),
    "gcp:cloudrunv2/serviceIamMember:ServiceIamMember": ("name", RUNNER_ROLES["model_server"]),
    "gcp:vertex/aiEndpointIamMember:AiEndpointIamMember": (
        "endpoint",
        "projects/my-project-1/roles/regenlab_dev_vertex_predictor",
    ),
}
LABELLED = {BUCKET, JOB, SERVICE, "gcp:artifactregistry/repository:Repository"}
LABELLED |= {"gcp:secretmanager/secret:Secret"}

CUSTOM = Settings(
    project_id="my-project-1",
    region="europe-west4",
    task_count=8,
    parallelism=4,
    cpu="4",
    memory="8Gi",
    task_timeout="7200s",
    max_retries=2,
    run_retention_days=30,
    labels={"team": "evals"},
)


@pytest.fixture(scope="module")
def default() -> Recorded:
    return record(Settings(project_id="my-project-1"))


@pytest.fixture(scope="module")
def custom() -> Recorded:
    return record(CUSTOM)


@pytest.fixture(scope="module")
def with_model_server() -> Recorded:
    return record(Settings(project_id="my-project-1", model_serving="cloud_run"))


@pytest.fixture(scope="module")
def gke_vertex() -> Recorded:
    return record(Settings(project_id="my-project-1", runner="gke", model_serving="vertex"))


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _container(recorded: Recorded) -> dict[str, Any]:
    containers: list[dict[str, Any]] = recorded.one(JOB).inputs["template"]["template"][
        "containers"
    ]
    assert len(containers) == 1
    return containers[0]


def _env(recorded: Recorded) -> dict[str, dict[str, Any]]:
    return {env["name"]: env for env in _container(recorded)["envs"]}


def _iam_resources(recorded: Recorded) -> list[Created]:
    return [r for r in recorded.resources if "iam" in r.token.lower()]


def test_bucket_is_private_versioned_expiring_and_destroyable(custom: Recorded) -> None:
    bucket = custom.one(BUCKET).inputs
    assert bucket["name"] == "my-project-1-regenlab-dev-runs"
    assert bucket["location"] == "europe-west4"
    assert bucket["uniformBucketLevelAccess"] is True
    assert bucket["publicAccessPrevention"] == "enforced"
    assert bucket["versioning"] == {"enabled": True}
    assert bucket["forceDestroy"] is True
    rules = [(rule["action"]["type"], rule["condition"]) for rule in bucket["lifecycleRules"]]
    assert ("Delete", {"age": CUSTOM.run_retention_days}) in rules


@pytest.mark.parametrize("fixture", ["default", "with_model_server", "gke_vertex"])
def test_no_primitive_role_and_no_project_level_grant_but_the_nodes_role(
    fixture: str, request: pytest.FixtureRequest
) -> None:
    recorded: Recorded = request.getfixturevalue(fixture)
    roles = {s for r in recorded.resources for s in _strings(r.inputs) if s.startswith("roles/")}
    assert roles, "the program grants no role at all"
    assert not roles & PRIMITIVE_ROLES
    project_grants = [r for r in recorded.resources if r.token.startswith("gcp:projects/iAM")]
    project_grants = [
        r for r in project_grants if r.token != "gcp:projects/iAMCustomRole:IAMCustomRole"
    ]
    expected = [NODES_GRANT] if fixture == "gke_vertex" else []
    assert [(r.inputs["role"], r.inputs["member"]) for r in project_grants] == expected


@pytest.mark.parametrize("fixture", ["default", "with_model_server", "gke_vertex"])
def test_every_grant_gives_the_runner_its_role_on_one_resource(
    fixture: str, request: pytest.FixtureRequest
) -> None:
    recorded: Recorded = request.getfixturevalue(fixture)
    names = {r.inputs.get(key) for r in recorded.resources for key in ("name", "secretId")}
    names.add(MOCK_ENDPOINT_ID)
    grants = [
        grant
        for grant in _iam_resources(recorded)
        if grant.inputs.get("member") == RUNNER_MEMBER
        and grant.token != "gcp:projects/iAMCustomRole:IAMCustomRole"
    ]
    assert len(grants) >= 4
    for grant in grants:
        # Only *IamMember kinds: bindings and policies are authoritative and would evict others.
        assert grant.token in GRANTS, f"{grant.name}: {grant.token} is not a known IAM member"
        target, role = GRANTS[grant.token]
        assert grant.inputs["role"] == role
        assert grant.inputs["member"] == RUNNER_MEMBER
        assert grant.inputs[target] in names, f"{grant.name} grants on an unknown resource"


def test_the_runner_can_read_each_secret_and_pull_images(default: Recorded) -> None:
    kinds = [grant.token for grant in _iam_resources(default)]
    assert kinds.count("gcp:secretmanager/secretIamMember:SecretIamMember") == len(SECRET_ENV)
    assert "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember" in kinds
    assert "gcp:storage/bucketIAMMember:BucketIAMMember" in kinds


def test_job_takes_its_shape_from_the_settings(custom: Recorded) -> None:
    job = custom.one(JOB).inputs
    assert job["name"] == "regenlab-dev-runner"
    assert job["deletionProtection"] is False
    assert job["template"]["taskCount"] == CUSTOM.task_count
    assert job["template"]["parallelism"] == CUSTOM.parallelism
    task = job["template"]["template"]
    assert task["timeout"] == CUSTOM.task_timeout
    assert task["maxRetries"] == CUSTOM.max_retries
    assert task["serviceAccount"] == RUNNER_MEMBER.removeprefix("serviceAccount:")
    limits = _container(custom)["resources"]["limits"]
    assert limits == {"cpu": CUSTOM.cpu, "memory": CUSTOM.memory}


def test_job_mounts_the_bucket_and_runs_the_default_experiment(default: Recorded) -> None:
    task = default.one(JOB).inputs["template"]["template"]
    container = _container(default)
    assert task["volumes"] == [
        {"name": "runs", "gcs": {"bucket": default.one(BUCKET).inputs["name"], "readOnly": False}}
    ]
    assert container["volumeMounts"] == [{"name": "runs", "mountPath": "/mnt/runs"}]
    assert container["args"] == [
        "experiment",
        "cloud",
        "task",
        "/mnt/runs/experiments/experiment.yaml",
    ]
    assert _env(default)["REGENLAB_RUNS_DIR"]["value"] == "/mnt/runs"
    image = "us-central1-docker.pkg.dev/my-project-1/regenlab-dev-runner/runner:latest"
    assert container["image"] == image


def test_job_reads_the_api_keys_from_secret_manager(default: Recorded) -> None:
    env = _env(default)
    secret_ids = {s.inputs["secretId"] for s in default.of("gcp:secretmanager/secret:Secret")}
    for name in SECRET_ENV:
        assert "value" not in env[name]
        ref = env[name]["valueSource"]["secretKeyRef"]
        assert ref["version"] == "latest"
        assert ref["secret"] in secret_ids
    assert {env[name]["valueSource"]["secretKeyRef"]["secret"] for name in SECRET_ENV} == secret_ids


def test_secrets_are_declared_without_values(default: Recorded) -> None:
    assert len(default.of("gcp:secretmanager/secret:Secret")) == len(SECRET_ENV)
    assert not [r for r in default.resources if "secretVersion" in r.token]


def test_the_apis_are_enabled_and_left_on_at_destroy(default: Recorded) -> None:
    services = default.of("gcp:projects/service:Service")
    assert sorted(s.inputs["service"] for s in services) == sorted(SERVICES)
    assert all(s.inputs["disableOnDestroy"] is False for s in services)


@pytest.mark.parametrize("fixture", ["custom", "with_model_server"])
def test_every_labelled_resource_carries_the_conventions_labels(
    fixture: str, request: pytest.FixtureRequest
) -> None:
    recorded: Recorded = request.getfixturevalue(fixture)
    settings = (
        CUSTOM
        if fixture == "custom"
        else Settings(project_id="my-project-1", model_serving="cloud_run")
    )
    expected = settings.conventions().labels(managed_by="pulumi")
    assert expected["managed-by"] == "pulumi"
    labelled = [r for r in recorded.resources if "labels" in r.inputs]
    assert {r.token for r in labelled} >= LABELLED - ({SERVICE} if fixture == "custom" else set())
    for resource in labelled:
        assert resource.inputs["labels"] == expected, resource.name
        template = resource.inputs.get("template", {})
        if "labels" in template:
            assert template["labels"] == expected, f"{resource.name}'s template"


def test_model_server_is_off_by_default(default: Recorded) -> None:
    assert not default.of(SERVICE)
    assert not default.of("gcp:cloudrunv2/serviceIamMember:ServiceIamMember")
    assert not default.of(ENDPOINT)
    assert not default.of(CLUSTER)
    assert len(default.of(ACCOUNT)) == 1
    assert "OPENAI_COMPATIBLE_BASE_URL" not in _env(default)
    assert default.outputs["model_base_url"] is None


def test_model_server_when_enabled(with_model_server: Recorded) -> None:
    service = with_model_server.one(SERVICE).inputs
    assert service["name"] == "regenlab-dev-vllm"
    assert service["deletionProtection"] is False
    assert service["template"]["nodeSelector"] == {"accelerator": "nvidia-l4"}
    assert service["template"]["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == "1"
    assert service["template"]["serviceAccount"].startswith("regenlab-dev-vllm@")
    invoker = with_model_server.one("gcp:cloudrunv2/serviceIamMember:ServiceIamMember").inputs
    assert (invoker["name"], invoker["role"]) == (service["name"], "roles/run.invoker")
    assert invoker["member"] == RUNNER_MEMBER
    url = with_model_server.outputs["model_base_url"]
    assert url.startswith("https://") and url.endswith(".run.app/v1")
    assert _env(with_model_server)["OPENAI_COMPATIBLE_BASE_URL"]["value"] == url


def test_the_gke_runner_replaces_the_job_with_a_private_autopilot_cluster(
    gke_vertex: Recorded,
) -> None:
    assert not gke_vertex.of(JOB)
    cluster = gke_vertex.one(CLUSTER).inputs
    assert cluster["name"] == "regenlab-dev-runner"
    assert cluster["enableAutopilot"] is True
    assert cluster["deletionProtection"] is False
    assert cluster["privateClusterConfig"]["enablePrivateNodes"] is True
    assert cluster["releaseChannel"] == {"channel": "REGULAR"}
    assert cluster["workloadIdentityConfig"] == {"workloadPool": "my-project-1.svc.id.goog"}
    assert cluster["secretManagerConfig"] == {"enabled": True}
    assert cluster["addonsConfig"]["gcsFuseCsiDriverConfig"] == {"enabled": True}
    defaults = cluster["clusterAutoscaling"]["autoProvisioningDefaults"]
    assert defaults["serviceAccount"] == "regenlab-dev-nodes@my-project-1.iam.gserviceaccount.com"
    assert cluster["resourceLabels"]["runner"] == "gke"
    subnet = gke_vertex.one("gcp:compute/subnetwork:Subnetwork").inputs
    assert subnet["privateIpGoogleAccess"] is True
    (workload,) = gke_vertex.of("gcp:serviceaccount/iAMMember:IAMMember")
    assert (
        workload.inputs["member"] == "serviceAccount:my-project-1.svc.id.goog[regenlab-dev/runner]"
    )
    assert workload.inputs["role"] == RUNNER_ROLES["workload_identity"]
    assert gke_vertex.outputs["job"] is None and gke_vertex.outputs["run_command"] is None
    assert gke_vertex.outputs["cluster"] == "regenlab-dev-runner"


def test_the_vertex_endpoint_serves_the_model_to_the_runner_only(gke_vertex: Recorded) -> None:
    endpoint = gke_vertex.one(ENDPOINT).inputs
    assert endpoint["huggingFaceModelId"] == "Qwen/Qwen2.5-Coder-7B-Instruct"
    resources = endpoint["deployConfig"]["dedicatedResources"]
    assert resources["machineSpec"] == {
        "machineType": "g2-standard-12",
        "acceleratorType": "NVIDIA_L4",
        "acceleratorCount": 1,
    }
    assert (resources["minReplicaCount"], resources["maxReplicaCount"]) == (1, 1)
    role = gke_vertex.one("gcp:projects/iAMCustomRole:IAMCustomRole").inputs
    assert role["permissions"] == ["aiplatform.endpoints.predict"]
    grant = gke_vertex.one("gcp:vertex/aiEndpointIamMember:AiEndpointIamMember").inputs
    assert (grant["endpoint"], grant["member"]) == (MOCK_ENDPOINT_ID, RUNNER_MEMBER)
    url = gke_vertex.outputs["model_base_url"]
    assert url == (
        "https://us-central1-aiplatform.googleapis.com/v1/projects/my-project-1/locations/"
        f"us-central1/endpoints/{MOCK_ENDPOINT_ID}"
    )


def test_prod_is_protected_from_destroy_unless_told_otherwise() -> None:
    prod = record(
        Settings(project_id="my-project-1", environment="prod", model_serving="cloud_run")
    )
    assert prod.one(JOB).inputs["deletionProtection"] is True
    assert prod.one(SERVICE).inputs["deletionProtection"] is True
    assert prod.one(BUCKET).inputs["forceDestroy"] is False
    unprotected = record(
        Settings(project_id="my-project-1", environment="prod", deletion_protection=False)
    )
    assert unprotected.one(JOB).inputs["deletionProtection"] is False
    assert unprotected.one(BUCKET).inputs["forceDestroy"] is True


def test_outputs_match_the_terraform_modules(default: Recorded) -> None:
    outputs = default.outputs
    assert outputs["bucket"] == "my-project-1-regenlab-dev-runs"
    assert (
        outputs["repository_url"] == "us-central1-docker.pkg.dev/my-project-1/regenlab-dev-runner"
    )
    assert outputs["image"] == f"{outputs['repository_url']}/runner:latest"
    assert outputs["job"] == "regenlab-dev-runner"
    assert outputs["service_account_email"] == RUNNER_MEMBER.removeprefix("serviceAccount:")
    assert outputs["run_command"] == (
        "gcloud run jobs execute regenlab-dev-runner --region us-central1 --project my-project-1"
        " --wait --args=experiment,cloud,task,/mnt/runs/experiments/experiment.yaml"
    )
    assert outputs["pull_command"] == (
        "gcloud storage rsync --recursive gs://my-project-1-regenlab-dev-runs/runs runs"
    )


def test_an_explicit_image_is_used_as_is() -> None:
    image = "europe-docker.pkg.dev/elsewhere/runner:v1"
    recorded = record(Settings(project_id="my-project-1", image=image))
    assert _container(recorded)["image"] == image
    assert recorded.outputs["image"] == image


@pytest.mark.parametrize(
    ("settings", "key"),
    [
        (Settings(), "gcp:project"),
        (Settings(project_id="my-project-1", region="mars-north1"), "gcp:region"),
        (Settings(project_id="My_Project"), "gcp:project"),
        (Settings(project_id="my-project-1", environment="test"), "regenlab:environment"),
        (Settings(project_id="my-project-1", labels={"Team": "x"}), "regenlab:labels"),
        (Settings(project_id="my-project-1", task_count=0), "regenlab:taskCount"),
        (Settings(project_id="my-project-1", parallelism=-1), "regenlab:parallelism"),
        (Settings(project_id="my-project-1", cpu="3"), "regenlab:cpu"),
        (Settings(project_id="my-project-1", memory="4GB"), "regenlab:memory"),
        (Settings(project_id="my-project-1", task_timeout="1h"), "regenlab:taskTimeout"),
        (Settings(project_id="my-project-1", max_retries=11), "regenlab:maxRetries"),
        (Settings(project_id="my-project-1", run_retention_days=0), "regenlab:runRetentionDays"),
        (Settings(project_id="my-project-1", runner="lambda"), "regenlab:runner"),
        (Settings(project_id="my-project-1", model_serving="sagemaker"), "regenlab:modelServing"),
        (
            Settings(project_id="my-project-1", region="us-west1", model_serving="cloud_run"),
            "regenlab:modelServing",
        ),
        (
            Settings(project_id="my-project-1", vertex_machine_type="n1-standard-4"),
            "regenlab:vertexMachineType",
        ),
        (
            Settings(project_id="my-project-1", vertex_min_replicas=2, vertex_max_replicas=1),
            "regenlab:vertexMaxReplicas",
        ),
        (
            Settings(project_id="my-project-1", gke_release_channel="NIGHTLY"),
            "regenlab:gkeReleaseChannel",
        ),
    ],
)
def test_invalid_settings_raise_one_line_naming_the_config_key(
    settings: Settings, key: str
) -> None:
    with pytest.raises(InfraError) as caught:
        record(settings)
    message = str(caught.value)
    assert message.startswith(f"{key}: ")
    assert "\n" not in message
    assert "use " in message or "pass " in message, "the message names no fix"


@pytest.fixture
def stack_config() -> Iterator[None]:
    pulumi.runtime.set_all_config(
        {
            "gcp:project": "my-project-1",
            "gcp:region": "asia-southeast1",
            "regenlab:taskCount": "5",
            "regenlab:parallelism": "0",
            "regenlab:modelServing": "cloud_run",
            "regenlab:runner": "gke",
            "regenlab:gkeAuthorizedNetworks": '["203.0.113.0/24"]',
            "regenlab:labels": '{"team": "evals"}',
        }
    )
    yield
    pulumi.runtime.set_all_config({})


@pytest.mark.usefixtures("stack_config")
def test_settings_come_from_the_stack_config() -> None:
    settings = Settings.from_config()
    assert (settings.project_id, settings.region) == ("my-project-1", "asia-southeast1")
    assert (settings.task_count, settings.parallelism) == (5, 0)
    assert (settings.runner, settings.model_serving) == ("gke", "cloud_run")
    assert settings.gke_authorized_networks == ("203.0.113.0/24",)
    assert settings.labels == {"team": "evals"}
    assert settings.cpu == Settings().cpu


@pytest.mark.usefixtures("stack_config")
def test_the_entry_point_deploys_the_stack_and_exports_the_outputs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    mocks = RecordingMocks()
    pulumi.runtime.set_mocks(mocks, project="regenlab-gcp", stack="dev", preview=False)
    exported: dict[str, Any] = {}
    monkeypatch.setattr(pulumi, "export", exported.__setitem__)

    def program() -> None:
        runpy.run_path(str(PROJECT_DIR / "__main__.py"), run_name="__main__")

    pulumi.runtime.test(program)()  # type: ignore[no-untyped-call]  # the decorator is untyped
    assert set(exported) >= {"bucket", "cluster", "run_command", "model_base_url"}
    tokens = {created.token for created in mocks.created}
    assert {CLUSTER, SERVICE} <= tokens, "the stack config picks GKE and the Cloud Run server"


def test_the_example_stack_config_documents_every_key() -> None:
    project = yaml.safe_load((PROJECT_DIR / "Pulumi.yaml").read_text())
    assert project["name"] == "regenlab-gcp"
    assert project["runtime"]["name"] == "python"
    example = (PROJECT_DIR / "Pulumi.dev.yaml.example").read_text()
    assert yaml.safe_load(example)["config"]["gcp:project"]
    missing = [key for key in CONFIG_KEYS.values() if f"{key}:" not in example]
    assert not missing, f"Pulumi.dev.yaml.example does not mention {missing}"
