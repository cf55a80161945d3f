"""Sizing engine: the official estimator reproduced, implhub's recommended sizing, node packing,
and exports (Helm values override, Docker Compose override, Markdown). Pure: data in, data out.

The function other areas call to price a set of pods is `implhub.sizing.packing.pack`.
"""

from implhub.sizing.packing import PodSpec, pack

__all__ = ["PodSpec", "pack"]
