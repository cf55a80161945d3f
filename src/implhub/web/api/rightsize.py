"""JSON API of the rightsize capability (under /api)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
