"""The export command: graph files for visualization tools."""

from __future__ import annotations
