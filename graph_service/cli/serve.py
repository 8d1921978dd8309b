"""The serve command: the service under gunicorn."""

from __future__ import annotations
