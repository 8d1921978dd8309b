"""Data commands: validate, stats, load."""

from __future__ import annotations
