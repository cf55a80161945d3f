"""JSON API of the documents capability (under /api)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
