"""Manifests for the k6 operator: one test over many pods, for loads one load generator cannot
produce. The operator splits the test by execution segment but merges neither thresholds nor
summaries; each pod writes its raw points to a shared volume under its own name, and `implhub
loadtest report` merges them (all pods share one run_id tag, so their time spans are one run).
"""

from __future__ import annotations

import re
from typing import Any

from implhub.errors import ValidationError

_IMAGE = re.compile(r"^[a-z0-9][a-z0-9._:/-]*(?::[\w][\w.-]{0,127})?(?:@sha256:[0-9a-f]{64})?$")
_NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")


def manifests(
    *,
    name: str,
    script: str,
    parallelism: int,
    run_id: str,
    namespace: str = "default",
    secret: str = "sourcegraph-load-test",
    claim: str = "k6-points",
    image: str | None = None,
    storage_class: str | None = None,
    storage: str = "10Gi",
) -> list[dict[str, Any]]:
    """[ConfigMap with the script, TestRun, PersistentVolumeClaim]. The Secret named `secret` must
    hold SRC_ENDPOINT and SRC_ACCESS_TOKEN; the claim `claim` receives one NDJSON file per pod, so
    it is ReadWriteMany (the runner pods may land on different nodes). `image` names the runner
    image for a mirrored registry (the operator's default, grafana/k6:latest, needs Docker Hub)."""
    if parallelism < 1:
        raise ValidationError("expected at least 1 pod", field="--parallelism")
    if image is not None and not _IMAGE.match(image):
        raise ValidationError(f"expected an image reference such as registry.example.com/grafana/k6:0.49.0, got {image!r}",
                              field="--image")
    if storage_class is not None and not _NAME.match(storage_class):
        raise ValidationError(f"expected a StorageClass name (lower-case letters, digits, dashes, dots), got {storage_class!r}",
                              field="--storage-class")
    configmap = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": f"{name}-script", "namespace": namespace, "labels": {"app.kubernetes.io/managed-by": "implhub"}},
        "data": {"test.js": script},
    }
    testrun = {
        "apiVersion": "k6.io/v1alpha1",
        "kind": "TestRun",
        "metadata": {"name": name, "namespace": namespace, "labels": {"app.kubernetes.io/managed-by": "implhub"}},
        "spec": {
            "parallelism": parallelism,
            "script": {"configMap": {"name": f"{name}-script", "file": "test.js"}},
            # Kubernetes expands $(POD_NAME) from the runner's environment: one file per pod
            "arguments": f"--tag run_id={run_id} --out json=/points/$(POD_NAME).ndjson.gz",
            "runner": {
                "env": [
                    {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                    {"name": "IMPLHUB_SUMMARY", "value": "/points/$(POD_NAME).summary.json"},
                ],
                "envFrom": [{"secretRef": {"name": secret}}],
                "volumes": [{"name": "points", "persistentVolumeClaim": {"claimName": claim}}],
                "volumeMounts": [{"name": "points", "mountPath": "/points"}],
                "resources": {"requests": {"cpu": "2", "memory": "2Gi"}, "limits": {"cpu": "4", "memory": "4Gi"}},
            },
        },
    }
    if image is not None:
        testrun["spec"]["runner"]["image"] = image  # type: ignore[index]
    claim_spec: dict[str, Any] = {"accessModes": ["ReadWriteMany"], "resources": {"requests": {"storage": storage}}}
    if storage_class is not None:
        claim_spec["storageClassName"] = storage_class
    pvc = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": claim, "namespace": namespace, "labels": {"app.kubernetes.io/managed-by": "implhub"}},
        "spec": claim_spec,
    }
    return [configmap, testrun, pvc]
