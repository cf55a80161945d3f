"""The StorageClass of the deployment: the cloud's CSI driver and SSD class, shaped by the POC.

The chart's default (`kubernetes.io/gce-pd`, in-tree) works on GCE only and in-tree drivers are
gone from current Kubernetes; every cloud gets its CSI provisioner instead (AWS "Amazon EBS CSI
driver": `ebs.csi.aws.com`, gp3 with `iops` and `throughput`; Google "Persistent Disk CSI driver":
`pd.csi.storage.gke.io`, `pd-ssd` or `pd-balanced`; Azure "Azure Disk CSI driver":
`disk.csi.azure.com`, Premium SSD v2 `PremiumV2_LRS` with `DiskIOPSReadWrite` and
`DiskMBpsReadWrite`, which requires `cachingMode: None`). Sourcegraph asks for SSD at every size.
On-prem and other clouds keep the customer's class (`storageClass.create: false`).
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field

from implhub.sizing.deployment import DeploymentDesign

PROVISIONER = {"aws": "ebs.csi.aws.com", "gcp": "pd.csi.storage.gke.io", "azure": "disk.csi.azure.com"}
GP3_MAX_MBPS, GP3_MAX_IOPS = 1000, 16000
PV2_MAX_MBPS, PV2_MAX_IOPS = 1200, 80000
BASE_IOPS, BASE_MBPS = 3000, 125  # included in gp3 and Premium SSD v2
_MBPS = re.compile(r"(\d[\d,]*)\s*(?:MB|MiB)(?:/s|ps)", re.IGNORECASE)
_IOPS = re.compile(r"(\d[\d,]*)\s*IOPS", re.IGNORECASE)


class StorageClassPlan(BaseModel):
    """What the override sets under `storageClass`, and why."""

    model_config = ConfigDict(frozen=True)

    create: bool
    name: str
    provisioner: str | None = None
    type: str | None = None
    parameters: dict[str, str] = Field(default_factory=dict)
    #: the price-table class of every PVC (gp3, pd-ssd, PremiumV2_LRS), None when the customer's own
    volume_class: str | None = None
    iops: int | None = None
    throughput_mbps: int | None = None
    why: str
    missing: list[str] = Field(default_factory=list)


def _numbers(pattern: re.Pattern[str], lessons: tuple[str, ...]) -> list[int]:
    return [int(m.replace(",", "")) for text in lessons for m in pattern.findall(text)]


def storage_class(design: DeploymentDesign | None, cloud: str) -> StorageClassPlan:
    """The storage class for a design on `cloud` (the packing cloud when the design names none)."""
    design = design or DeploymentDesign()
    where = design.cloud or cloud
    lessons = design.poc_lessons
    if where not in PROVISIONER:
        name = design.storage_class
        missing = [] if name else [
            "the name of the customer's StorageClass (deployment.storage_class in the TDD): an SSD-backed class "
            "with volume expansion; the override keeps storageClass.create: false and names it"]
        return StorageClassPlan(
            create=False, name=name or "REPLACE-with-customer-storage-class",
            why=f"{where}: the cluster's own SSD StorageClass, not created by the chart", missing=missing)
    wanted_mbps = max(_numbers(_MBPS, lessons), default=0)
    wanted_iops = max(_numbers(_IOPS, lessons), default=0)
    slow_gp2 = any("gp2" in text.lower() for text in lessons)
    notes: list[str] = []
    if where == "aws":
        mbps = min(max(BASE_MBPS, wanted_mbps), GP3_MAX_MBPS)
        iops = min(max(BASE_IOPS, wanted_iops, 4 * mbps), GP3_MAX_IOPS)  # gp3: at most 0.25 MB/s per IOPS
        if slow_gp2:
            notes.append("POC lesson: gp2 was too slow, so gp3")
        if wanted_mbps or wanted_iops:
            notes.append(f"POC lesson: {mbps} MB/s and {iops} IOPS provisioned")
        return StorageClassPlan(
            create=True, name="sourcegraph", provisioner=PROVISIONER[where], type="gp3",
            parameters={"iops": str(iops), "throughput": str(mbps), "encrypted": "true"},
            volume_class="gp3", iops=iops, throughput_mbps=mbps,
            why="; ".join(["EBS CSI driver, gp3 SSD (3000 IOPS and 125 MB/s included)", *notes]))
    if where == "gcp":
        cls = "pd-balanced" if design.environment_kind == "dev" else "pd-ssd"
        return StorageClassPlan(
            create=True, name="sourcegraph", provisioner=PROVISIONER[where], type=cls, parameters={},
            volume_class=cls,
            why=(f"Persistent Disk CSI driver, {cls}: "
                 + ("SSD-backed and cheaper for dev" if cls == "pd-balanced"
                    else "the fastest zonal SSD for gitserver clones and zoekt shards")))
    mbps = min(max(BASE_MBPS, wanted_mbps), PV2_MAX_MBPS)
    iops = min(max(BASE_IOPS, wanted_iops, 4 * mbps), PV2_MAX_IOPS)
    if wanted_mbps or wanted_iops:
        notes.append(f"POC lesson: {mbps} MB/s and {iops} IOPS provisioned")
    return StorageClassPlan(
        create=True, name="sourcegraph", provisioner=PROVISIONER["azure"], type=None,
        parameters={"skuName": "PremiumV2_LRS", "cachingMode": "None", "DiskIOPSReadWrite": str(iops),
                    "DiskMBpsReadWrite": str(mbps)},
        volume_class="PremiumV2_LRS", iops=iops, throughput_mbps=mbps,
        why="; ".join(["Azure Disk CSI driver, Premium SSD v2 (3000 IOPS and 125 MB/s included)", *notes]))
