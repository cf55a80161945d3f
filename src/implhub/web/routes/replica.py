"""Web pages (and the project tab) of the replica capability."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
