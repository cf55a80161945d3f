"""Each evidence kind is read back as its engine's model, rows stored by earlier releases
included, and a producer that writes the wrong shape fails when it stores."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from implhub.app import evidence
from implhub.app.context import Ctx
from implhub.app.evidence import MODELS, EvidenceShapeError
from implhub.rightsize.evidence import VersionCheck
from implhub.settings import load_settings
from implhub.sizing.evidence import SizeEstimate
from implhub.store import open_store
from implhub.store.models import Evidence, Project
from implhub.vocab import EvidenceKind

FIXTURE = Path(__file__).parent / "fixtures" / "store-0010.sqlite"


def test_every_row_of_a_store_made_at_revision_0010_reads_as_its_model(tmp_path: Path, env: dict[str, str]) -> None:
    path = tmp_path / "old.db"
    shutil.copy(FIXTURE, path)
    store = open_store(f"sqlite:///{path}")
    try:
        with store.session() as session:
            ctx = Ctx(session=session, settings=load_settings(), actor="t")
            rows = list(session.scalars(select(Evidence)))
            assert {r.kind for r in rows} >= set(MODELS) - {EvidenceKind.codehost_inventory}
            for row in rows:
                model = evidence.as_model(row, MODELS[EvidenceKind(row.kind)])
                # nothing of the stored row is lost in the model (extend, never drop)
                assert model.as_dict().keys() >= row.data.keys()
            project = session.scalars(select(Project)).one()
            est = evidence.latest(ctx, project=project, kind=SizeEstimate, environment="prod")
            assert est is not None and est.recommended is not None and est.recommended.totals
            vc = evidence.latest(ctx, project=project, kind=VersionCheck, environment="prod")
            assert vc is not None and vc.running == "6.4.0"
            assert evidence.latest(ctx, project=project, kind=SizeEstimate, environment="nowhere") is None
    finally:
        store.dispose()


def test_a_wrong_shape_is_refused_when_stored(ctx: Ctx, tdd_text: str) -> None:
    from implhub.app import projects

    project = projects.create(ctx, text=tdd_text, filename="t.yaml").project
    with pytest.raises(EvidenceShapeError, match="version_check"):
        # the exit engine once read `running_version`; the producer writes `running`
        evidence.add(ctx, project=project, kind="version_check", data={"running_version": "6.4.0"}, source="t")
    assert evidence.list_evidence(ctx, project=project) == []


def test_the_handoff_record_of_a_store_made_at_revision_0010_reads_as_its_model(tmp_path: Path, env: dict[str, str]) -> None:
    from implhub.app import documents
    from implhub.documents.handoff_record import HandoffRecord

    path = tmp_path / "old.db"
    shutil.copy(FIXTURE, path)
    store = open_store(f"sqlite:///{path}")
    try:
        with store.session() as session:
            ctx = Ctx(session=session, settings=load_settings(), actor="t")
            project = session.scalars(select(Project)).one()
            raw = documents.handoff_record(ctx, project=project)
            record = HandoffRecord.model_validate(raw)
            assert record.customer == "Northwind Logistics"
            assert record.production_deployment.instance_types  # the demo's prod node plan
            assert record.model_dump(exclude_unset=True).keys() >= raw.keys()
    finally:
        store.dispose()
