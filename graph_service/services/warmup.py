"""Build the per-graph-version caches before the first request instead of during it."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from graph_service.backends import GraphBackend
from graph_service.named_queries import Catalog
from graph_service.services.explanations import get_labels
from graph_service.services.resolution import get_index
from graph_service.services.safety_index import get_safety_index
from graph_service.services.sources import consulted_sources

__all__ = ["warm_caches"]


def warm_caches(backend: GraphBackend, catalog: Catalog, *, version: str,
                cache: MutableMapping[str, Any]) -> None:
    """The name index, labels, safety-claim index and consulted sources of ``version``."""
    get_index(backend, catalog, version=version, cache=cache)
    get_labels(backend, catalog, version=version, cache=cache)
    get_safety_index(backend, catalog, version=version, cache=cache)
    consulted_sources(backend, catalog, version=version, cache=cache)
