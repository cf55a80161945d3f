"""Web pages (and the project tab) of the rightsize capability."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
