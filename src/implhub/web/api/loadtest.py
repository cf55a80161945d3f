"""JSON API of the loadtest capability (under /api)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
