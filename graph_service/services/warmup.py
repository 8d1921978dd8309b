"""Build the per-graph-version caches before the first request instead of during it."""

from __future__ import annotations

import logging
from collections.abc import MutableMapping
from typing import Any

from graph_service.backends import GraphBackend
from graph_service.errors import GraphServiceError
from graph_service.named_queries import Catalog
from graph_service.services.citation_index import get_citation_index
from graph_service.services.explanations import get_labels
from graph_service.services.reach_graph import get_reach_graph
from graph_service.services.resolution import get_index
from graph_service.services.safety_index import get_safety_index
from graph_service.services.sources import consulted_sources

__all__ = ["warm_caches"]

log = logging.getLogger(__name__)


def warm_caches(backend: GraphBackend, catalog: Catalog, *, version: str,
                cache: MutableMapping[str, Any]) -> None:
    """The name index, labels, safety-claim index, consulted sources, reach graph and citations
    of ``version``: loaded from the version's index file when the app has one (an on-disk
    store), else built from the store.

    A cache that cannot be built now (a slow store hitting the query time limit) is left for
    the first request that needs it; start-up goes on.
    """
    for build in (get_index, get_labels, get_safety_index, consulted_sources, get_reach_graph,
                  get_citation_index):
        try:
            build(backend, catalog, version=version, cache=cache)
        except GraphServiceError as exc:
            log.warning("warm-up: %s not built at start-up: %s", build.__name__, exc.message)
