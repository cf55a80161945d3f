"""JSON API of the replica capability (under /api)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
