"""JSON API of the exit capability (under /api)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
