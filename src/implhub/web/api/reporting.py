"""JSON API of the reporting capability (under /api)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
