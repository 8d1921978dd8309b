"""The per-graph-version cache of the service's indexes, filled from a provider when one is set.

Each index (names, labels, safety claims, consulted sources, reach graph, citations) is kept in
the app's cache as ``key: (version, value)``: a value is only ever returned for the version it
was built for. An app serving an on-disk store sets a *provider*
(:mod:`~graph_service.services.index_store`) that returns every index of a version at once,
loaded from the file built for that version, so a worker does not query the whole graph itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping
from typing import Any, TypeVar

from graph_service.backends import GraphBackend
from graph_service.named_queries import Catalog

__all__ = ["INDEX_KEYS", "PROVIDER_KEY", "Provider", "get_or_build", "lookup", "remember"]

#: the cache keys of the per-version indexes (a provider returns all of them)
INDEX_KEYS = ("resolution_index", "term_labels", "safety_index", "safety_sources", "reach_graph",
              "citation_index")
PROVIDER_KEY = "index_provider"

# provider(backend, catalog, version) -> {key: index} for every key of INDEX_KEYS, or None
# when it cannot provide them (the caller then builds the one it needs in memory)
Provider = Callable[[GraphBackend, Catalog, str], Mapping[str, Any] | None]

T = TypeVar("T")


def remember(cache: MutableMapping[str, Any], key: str, version: str, value: Any) -> Any:
    """Keep ``value`` as the ``key`` index of ``version``; return it."""
    cache[key] = (version, value)
    return value


def lookup(cache: MutableMapping[str, Any], key: str, backend: GraphBackend, catalog: Catalog,
           version: str) -> Any | None:
    """The ``key`` index of ``version``: cached, else from the provider; ``None`` when neither.

    >>> cache = {"term_labels": ("v1", {"a": "A"})}
    >>> [lookup(cache, "term_labels", None, None, v) for v in ("v1", "v2")]
    [{'a': 'A'}, None]
    """
    cached = cache.get(key)
    if cached is not None and cached[0] == version:
        return cached[1]
    provider: Provider | None = cache.get(PROVIDER_KEY)
    if provider is None:
        return None
    found = provider(backend, catalog, version)
    if found is None:
        return None
    for name in INDEX_KEYS:
        remember(cache, name, version, found[name])
    return found[key]


def get_or_build(cache: MutableMapping[str, Any], key: str, backend: GraphBackend,
                 catalog: Catalog, version: str, build: Callable[[], T]) -> T:
    """The ``key`` index of ``version``: cached, from the provider, else ``build()`` (kept)."""
    found: T | None = lookup(cache, key, backend, catalog, version)
    if found is not None:
        return found
    built = build()
    remember(cache, key, version, built)
    return built
