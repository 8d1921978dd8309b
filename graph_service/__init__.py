"""dikg: a drug-interaction knowledge graph service around naltrexone.

The package serves an RDF/OWL graph over a SPARQL 1.1 endpoint, a JSON contraindication API,
named queries and graph exports. Build an app with :func:`create_app`.
"""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["__version__", "create_app"]


def __getattr__(name: str) -> object:
    """Import the Flask factory lazily, so lower layers can be used without Flask."""
    if name == "create_app":
        from graph_service.app import create_app

        return create_app
    raise AttributeError(name)
