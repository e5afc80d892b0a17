"""The GKE runner: an indexed Kubernetes Job per `experiment cloud run`, applied with kubectl.

Terraform makes the cluster; each run applies, in the deployment's namespace, the Kubernetes
service account that acts as the runner's Google service account (Workload Identity), the
SecretProviderClass that mounts the API keys from Secret Manager, and an indexed Job with one pod
per shard: Kubernetes gives each pod JOB_COMPLETION_INDEX, which `experiment cloud task` reads as
Cloud Run's task index. The bucket is mounted at /mnt/runs through the Cloud Storage FUSE CSI
driver, so a task runs exactly as on Cloud Run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra._errors import InfraError

SECRETS_MOUNT = "/var/run/secrets/regenlab"
"""Where the pods find one file per API key, named after its environment variable."""
KUBECTL_HINT = "install kubectl and gke-gcloud-auth-plugin (gcloud components install kubectl)"
POLL_S = 15.0
FINISHED_TTL_S = 7 * 24 * 3600
"""A finished Job and its pods (and so their logs) stay a week."""


@dataclass(frozen=True)
class JobShape:
    """What one execution runs: its name, the experiment file, and the task settings."""

    name: str
    """The Job's name, also the execution's folder in the bucket's runs/."""
    experiment: str
    """The experiment file as the pods see it, under the bucket mount."""
    tasks: int
    """Pods (shards) of the Job."""
    parallelism: int
    """Pods at once; 0 means all."""
    cpu: str
    memory: str
    timeout_s: int
    """Longest a pod may run."""
    retries: int
    """Retries of each shard (the Job's backoffLimitPerIndex)."""


def job_shape(variables: Mapping[str, Any], name: str, experiment: str, tasks: int) -> JobShape:
    """The Job for `tasks` shards, sized by the deployment's variables (as a Cloud Run task)."""
    timeout = str(variables.get("task_timeout", "3600s"))
    return JobShape(
        name=name,
        experiment=experiment,
        tasks=tasks,
        parallelism=int(variables.get("parallelism", 1)),
        cpu=str(variables.get("cpu", "2")),
        memory=str(variables.get("memory", "4Gi")),
        timeout_s=int(timeout.removesuffix("s")),
        retries=int(variables.get("max_retries", 1)),
    )


def manifests(found: Mapping[str, Any], shape: JobShape) -> list[dict[str, Any]]:
    """The Kubernetes objects of one execution, from the deployment's Terraform outputs."""
    namespace = found["namespace"]
    labels = {"app": "regenlab", "component": "experiment-runner", "execution": shape.name}
    return [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}},
        _service_account(found),
        _secret_provider(found),
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {"name": shape.name, "namespace": namespace, "labels": labels},
            "spec": _job_spec(found, shape, labels),
        },
    ]


def _service_account(found: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {
            "name": found["kubernetes_service_account"],
            "namespace": found["namespace"],
            # Workload Identity: the pods act as the runner's Google service account.
            "annotations": {"iam.gke.io/gcp-service-account": found["service_account_email"]},
        },
    }


def _secret_provider(found: Mapping[str, Any]) -> dict[str, Any]:
    secrets = [
        {"resourceName": f"{secret}/versions/latest", "path": env}
        for env, secret in sorted(found["secrets"].items())
    ]
    return {
        "apiVersion": "secrets-store.csi.x-k8s.io/v1",
        "kind": "SecretProviderClass",
        "metadata": {"name": "regenlab-api-keys", "namespace": found["namespace"]},
        "spec": {"provider": "gke", "parameters": {"secrets": json.dumps(secrets)}},
    }


def _job_spec(
    found: Mapping[str, Any], shape: JobShape, labels: Mapping[str, str]
) -> dict[str, Any]:
    return {
        "completionMode": "Indexed",
        "completions": shape.tasks,
        "parallelism": shape.parallelism or shape.tasks,
        # Each shard is retried on its own, as a Cloud Run task is; one failed shard does not
        # stop the others.
        "backoffLimitPerIndex": shape.retries,
        "maxFailedIndexes": shape.tasks,
        "ttlSecondsAfterFinished": FINISHED_TTL_S,
        "template": {
            "metadata": {"labels": dict(labels), "annotations": {"gke-gcsfuse/volumes": "true"}},
            "spec": {
                "serviceAccountName": found["kubernetes_service_account"],
                "restartPolicy": "Never",
                "activeDeadlineSeconds": shape.timeout_s,
                "containers": [_container(found, shape)],
                "volumes": _volumes(found),
            },
        },
    }


def _container(found: Mapping[str, Any], shape: JobShape) -> dict[str, Any]:
    from infra._task import (
        BUCKET_MOUNT,
        EXECUTION_ENV,
        RUNS_DIR_ENV,
        SECRETS_DIR_ENV,
        TASK_COUNT_ENV,
    )

    env = {
        RUNS_DIR_ENV: BUCKET_MOUNT,
        TASK_COUNT_ENV: str(shape.tasks),
        EXECUTION_ENV: shape.name,
        SECRETS_DIR_ENV: SECRETS_MOUNT,
    }
    if found.get("model_base_url"):
        env["OPENAI_COMPATIBLE_BASE_URL"] = found["model_base_url"]
    resources = {"cpu": shape.cpu, "memory": shape.memory}
    return {
        "name": "runner",
        "image": found["image"],
        "args": ["experiment", "cloud", "task", shape.experiment],
        "env": [{"name": key, "value": value} for key, value in env.items()],
        # Autopilot sizes the pod from its requests; limits equal to them keep it Guaranteed.
        "resources": {"requests": resources, "limits": resources},
        "volumeMounts": [
            {"name": "runs", "mountPath": BUCKET_MOUNT},
            {"name": "api-keys", "mountPath": SECRETS_MOUNT, "readOnly": True},
        ],
    }


def _volumes(found: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "name": "runs",
            "csi": {
                "driver": "gcsfuse.csi.storage.gke.io",
                "volumeAttributes": {
                    "bucketName": found["bucket"],
                    "mountOptions": "implicit-dirs",
                },
            },
        },
        {
            "name": "api-keys",
            "csi": {
                "driver": "secrets-store-gke.csi.k8s.io",
                "readOnly": True,
                "volumeAttributes": {"secretProviderClass": "regenlab-api-keys"},
            },
        },
    ]


# --- driving gcloud and kubectl ---


def find_kubectl() -> str:
    """The kubectl binary on PATH."""
    found = shutil.which("kubectl")
    if found is None:
        raise InfraError(f"kubectl not found on PATH; fix: {KUBECTL_HINT}")
    return found


def credentials_command(found: Mapping[str, Any]) -> list[str]:
    """gcloud's command that writes the cluster's credentials (through its DNS endpoint)."""
    return [
        "container",
        "clusters",
        "get-credentials",
        found["cluster"],
        f"--region={found['region']}",
        f"--project={found['project_id']}",
        "--dns-endpoint",
    ]


def apply_job(
    found: Mapping[str, Any],
    shape: JobShape,
    kubeconfig: Path,
    run_gcloud: Callable[[list[str], dict[str, str]], None],
) -> list[list[str]]:
    """Fetch the cluster's credentials into `kubeconfig`, then apply the execution's objects.

    The credentials go to the deployment's own kubeconfig, never the user's ~/.kube/config.
    """
    kubectl = find_kubectl()
    kubeconfig.parent.mkdir(parents=True, exist_ok=True)
    run_gcloud(credentials_command(found), dict(os.environ) | {"KUBECONFIG": str(kubeconfig)})
    document = "\n".join(json.dumps(item) for item in manifests(found, shape))
    apply = [kubectl, f"--kubeconfig={kubeconfig}", "apply", "-f", "-"]
    _kubectl(apply, document)
    return [credentials_command(found), apply[1:]]


def wait_for_job(
    found: Mapping[str, Any],
    name: str,
    kubeconfig: Path,
    sleep: Callable[[float], None] = time.sleep,
) -> str:
    """Poll the Job until it is Complete or Failed; InfraError when it failed."""
    kubectl = find_kubectl()
    command = [kubectl, f"--kubeconfig={kubeconfig}", "get", "job", name]
    command += [f"--namespace={found['namespace']}", "--output=json"]
    while True:
        status = json.loads(_kubectl(command)).get("status", {})
        ended = {c["type"] for c in status.get("conditions", []) if c.get("status") == "True"}
        if "Complete" in ended:
            return "Complete"
        if "Failed" in ended:
            failed = status.get("failedIndexes", "some")
            raise InfraError(
                f"job {name} failed (shards {failed}); fix: read its pods' logs with kubectl "
                f"logs --namespace={found['namespace']} --selector=execution={name}"
            )
        sleep(POLL_S)


def _kubectl(command: list[str], stdin: str | None = None) -> str:
    done = subprocess.run(command, input=stdin, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()] or ["no message"]
        raise InfraError(
            f"kubectl {command[2]} failed (exit {done.returncode}): {lines[-1].strip()}; fix: "
            "check the cluster with `experiment cloud outputs` and gcloud"
        )
    return done.stdout
