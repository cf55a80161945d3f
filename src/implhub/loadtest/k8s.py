"""Manifests for the k6 operator: one test over many pods, for loads one load generator cannot
produce. The operator splits the test by execution segment but merges neither thresholds nor
summaries; each pod writes its raw points to a shared volume under its own name, and `implhub
loadtest report` merges them (all pods share one run_id tag, so their time spans are one run).
"""

from __future__ import annotations

from typing import Any

from implhub.errors import ValidationError


def manifests(
    *,
    name: str,
    script: str,
    parallelism: int,
    run_id: str,
    namespace: str = "default",
    secret: str = "sourcegraph-load-test",
    claim: str = "k6-points",
) -> list[dict[str, Any]]:
    """[ConfigMap with the script, TestRun]. The Secret named `secret` must hold SRC_ENDPOINT and
    SRC_ACCESS_TOKEN; the PersistentVolumeClaim `claim` receives one NDJSON file per pod."""
    if parallelism < 1:
        raise ValidationError("expected at least 1 pod", field="--parallelism")
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
    return [configmap, testrun]
