"""Web pages (and the project tab) of the plan capability."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
