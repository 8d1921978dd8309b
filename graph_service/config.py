"""Service settings: defaults, validation, and the one ``Settings`` object code receives.

Config flows one way: ``DEFAULTS`` → optional ``instance/config.py`` → environment
``FLASK_GRAPH_SERVICE_*`` → ``create_app(config)``. :func:`load_settings` validates once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from graph_service.errors import GraphServiceError
from graph_service.models import ONTOLOGY_DIR, QUERIES_DIR

__all__ = ["DEFAULTS", "ConfigError", "Settings", "load_settings"]

DEFAULTS: dict[str, Any] = {
    "GRAPH_SERVICE_STORE": "oxigraph",  # oxigraph | rdflib | remote
    "GRAPH_SERVICE_STORE_PATH": None,  # on-disk oxigraph directory; None = in memory
    "GRAPH_SERVICE_REMOTE_URL": None,  # SPARQL query endpoint of a remote server
    "GRAPH_SERVICE_REMOTE_UPDATE_URL": None,  # its update endpoint (writes, loads)
    "GRAPH_SERVICE_REMOTE_STORE_URL": None,  # its Graph Store Protocol endpoint
    "GRAPH_SERVICE_ONTOLOGY_DIR": str(ONTOLOGY_DIR),
    "GRAPH_SERVICE_QUERIES_DIR": str(QUERIES_DIR),
    "GRAPH_SERVICE_EXTRA_DATA": [],  # more RDF files loaded with the ontology
    "GRAPH_SERVICE_LOAD_ON_START": True,  # load the ontology into an empty store
    "GRAPH_SERVICE_VALIDATE_ON_LOAD": True,  # SHACL-validate what is loaded
    "GRAPH_SERVICE_ISOLATION": "process",  # process | none: where queries run
    "GRAPH_SERVICE_QUERY_TIMEOUT": 10.0,  # seconds
    "GRAPH_SERVICE_MAX_ROWS": 10_000,
    "GRAPH_SERVICE_MAX_RESPONSE_BYTES": 50 * 1024 * 1024,
    "GRAPH_SERVICE_MAX_BODY_BYTES": 1024 * 1024,
    "GRAPH_SERVICE_MAX_QUERY_DEPTH": 64,
    "GRAPH_SERVICE_MAX_IRI_LENGTH": 4096,
    "GRAPH_SERVICE_ADMIN_TOKEN": None,  # bearer token for updates; None = read-only
    "GRAPH_SERVICE_CORS_ORIGINS": "*",
    "GRAPH_SERVICE_RATE_LIMIT": 0,  # requests per minute per client; 0 = off
    "GRAPH_SERVICE_CACHE_SIZE": 1024,  # cached query results; 0 = off
    "GRAPH_SERVICE_WARM_UP": True,  # build name/label/safety indexes at start-up
    "GRAPH_SERVICE_STATIC_DIR": None,  # where the npm assets are; None = package static/
}

_STORES = ("oxigraph", "rdflib", "remote")
_ISOLATION = ("process", "none")


class ConfigError(GraphServiceError):
    """A setting has a value the service cannot run with."""

    code = "config_error"


@dataclass(frozen=True)
class Settings:
    """Validated settings; the only configuration lower layers see."""

    store: str
    store_path: Path | None
    remote_url: str | None
    remote_update_url: str | None
    remote_store_url: str | None
    ontology_dir: Path
    queries_dir: Path
    extra_data: tuple[Path, ...]
    load_on_start: bool
    validate_on_load: bool
    isolation: str
    query_timeout: float
    max_rows: int
    max_response_bytes: int
    max_body_bytes: int
    max_query_depth: int
    max_iri_length: int
    admin_token: str | None
    cors_origins: str
    rate_limit: int
    cache_size: int
    warm_up: bool
    static_dir: Path | None


def _path(value: Any) -> Path | None:
    return None if value in (None, "") else Path(str(value))


def _positive(name: str, value: Any, kind: type) -> Any:
    try:
        number = kind(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{name} must be a number, got {value!r}") from exc
    if number < 0:
        raise ConfigError(f"{name} must not be negative, got {value!r}")
    return number


def load_settings(config: Mapping[str, Any]) -> Settings:
    """Validate a Flask-style config mapping (``GRAPH_SERVICE_*`` keys) into ``Settings``.

    :raises ConfigError: naming the key whose value is unusable.

    >>> load_settings({"GRAPH_SERVICE_STORE": "rdflib"}).store
    'rdflib'
    """
    merged = {**DEFAULTS, **{k: v for k, v in config.items() if k.startswith("GRAPH_SERVICE_")}}
    store = str(merged["GRAPH_SERVICE_STORE"]).lower()
    if store not in _STORES:
        raise ConfigError(f"GRAPH_SERVICE_STORE must be one of {', '.join(_STORES)}, got {store!r}")
    isolation = str(merged["GRAPH_SERVICE_ISOLATION"]).lower()
    if isolation not in _ISOLATION:
        raise ConfigError(f"GRAPH_SERVICE_ISOLATION must be one of {', '.join(_ISOLATION)}")
    if store == "remote" and not merged["GRAPH_SERVICE_REMOTE_URL"]:
        raise ConfigError("GRAPH_SERVICE_STORE=remote needs GRAPH_SERVICE_REMOTE_URL")
    extra = merged["GRAPH_SERVICE_EXTRA_DATA"] or []
    if isinstance(extra, str):
        extra = [p for p in extra.split(",") if p]
    timeout = _positive("GRAPH_SERVICE_QUERY_TIMEOUT", merged["GRAPH_SERVICE_QUERY_TIMEOUT"], float)
    if timeout == 0:
        raise ConfigError("GRAPH_SERVICE_QUERY_TIMEOUT must be above 0")
    token = merged["GRAPH_SERVICE_ADMIN_TOKEN"]
    settings = Settings(
        store=store,
        store_path=_path(merged["GRAPH_SERVICE_STORE_PATH"]),
        remote_url=merged["GRAPH_SERVICE_REMOTE_URL"],
        remote_update_url=merged["GRAPH_SERVICE_REMOTE_UPDATE_URL"],
        remote_store_url=merged["GRAPH_SERVICE_REMOTE_STORE_URL"],
        ontology_dir=Path(str(merged["GRAPH_SERVICE_ONTOLOGY_DIR"])),
        queries_dir=Path(str(merged["GRAPH_SERVICE_QUERIES_DIR"])),
        extra_data=tuple(Path(str(p)) for p in extra),
        load_on_start=bool(merged["GRAPH_SERVICE_LOAD_ON_START"]),
        validate_on_load=bool(merged["GRAPH_SERVICE_VALIDATE_ON_LOAD"]),
        isolation=isolation,
        query_timeout=timeout,
        max_rows=_positive("GRAPH_SERVICE_MAX_ROWS", merged["GRAPH_SERVICE_MAX_ROWS"], int),
        max_response_bytes=_positive(
            "GRAPH_SERVICE_MAX_RESPONSE_BYTES", merged["GRAPH_SERVICE_MAX_RESPONSE_BYTES"], int),
        max_body_bytes=_positive(
            "GRAPH_SERVICE_MAX_BODY_BYTES", merged["GRAPH_SERVICE_MAX_BODY_BYTES"], int),
        max_query_depth=_positive(
            "GRAPH_SERVICE_MAX_QUERY_DEPTH", merged["GRAPH_SERVICE_MAX_QUERY_DEPTH"], int),
        max_iri_length=_positive(
            "GRAPH_SERVICE_MAX_IRI_LENGTH", merged["GRAPH_SERVICE_MAX_IRI_LENGTH"], int),
        admin_token=str(token) if token else None,
        cors_origins=str(merged["GRAPH_SERVICE_CORS_ORIGINS"]),
        rate_limit=_positive("GRAPH_SERVICE_RATE_LIMIT", merged["GRAPH_SERVICE_RATE_LIMIT"], int),
        cache_size=_positive("GRAPH_SERVICE_CACHE_SIZE", merged["GRAPH_SERVICE_CACHE_SIZE"], int),
        warm_up=bool(merged["GRAPH_SERVICE_WARM_UP"]),
        static_dir=_path(merged["GRAPH_SERVICE_STATIC_DIR"]),
    )
    return settings


def settings_fields() -> list[str]:
    """Names of the ``Settings`` fields (for docs and the CLI)."""
    return [f.name for f in fields(Settings)]
