"""PharmacotherapyDB 1.0 (CC0) -> dikg: curated indications (DM, SYM) and non-indications (NOT)."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

from graph_service.importers.common import ImportResult, Progress, TripleBuffer, lit, no_progress
from graph_service.importers.curated import load_curated
from graph_service.importers.minting import Minter
from graph_service.importers.model import SourceInfo, add_claim, add_source

__all__ = ["CATEGORIES", "MINTED", "PTDB_SOURCE", "build_pharmacotherapydb", "input_files"]

PTDB_SOURCE = SourceInfo(
    iri="id:src-pharmacotherapydb-1-0",
    key="PTDB-1.0",
    title="PharmacotherapyDB 1.0: physician-curated drug-disease indications",
    version="1.0 (github.com/dhimmel/indications @ 11d535b; doi:10.6084/m9.figshare.3103054)",
    license="https://creativecommons.org/publicdomain/zero/1.0/",
    url="https://github.com/dhimmel/indications",
    attribution="PharmacotherapyDB 1.0 (CC0): Himmelstein DS et al. Systematic integration of "
    "biomedical knowledge prioritizes drugs for repurposing. eLife 2017;6:e26726",
    description=(
        "Three physicians classified candidate drug-disease pairs as disease-modifying (DM), "
        "symptomatic (SYM) or non-indication (NOT). NOT means 'not an indication', never "
        "'contraindicated'. Converted to RDF by dikg."
    ),
    citation=(
        "Himmelstein DS, Lizee A, Hessler C, et al. eLife 2017;6:e26726. PharmacotherapyDB 1.0, "
        "doi:10.6084/m9.figshare.3103054."
    ),
)
MINTED = ("id:ptdb-", "id:ind-ptdb-", "id:cit-ind-ptdb-", "id:src-pharmacotherapydb-")
FILES = ("indications.tsv",)

#: category -> (relation, qualifier, summary verb)
CATEGORIES = {
    "DM": ("indicatedFor", "disease-modifying (DM)", "a disease-modifying treatment for"),
    "SYM": ("indicatedFor", "symptomatic (SYM)", "a symptomatic treatment for"),
    "NOT": (
        "notIndicatedFor",
        "non-indication (NOT): the physicians rejected this candidate pair; "
        "it is not a contraindication",
        "not an indication for",
    ),
}


def input_files(data_dir: Path) -> list[Path]:
    """``indications.tsv`` in ``data_dir``.

    :raises FileNotFoundError: if it is missing.
    """
    path = Path(data_dir) / FILES[0]
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found")
    return [path]


def build_pharmacotherapydb(
    data_dir: Path, *, ontology_dir: Path, progress: Progress = no_progress
) -> ImportResult:
    """One Indication claim per row of ``indications.tsv``."""
    (path,) = input_files(data_dir)
    curated, buf, counts = load_curated(ontology_dir), TripleBuffer(), Counter[str]()
    add_source(buf, PTDB_SOURCE)
    drugs = Minter(buf, curated, prefix="ptdb-", noun="drugs", counts=counts)
    diseases = Minter(buf, curated, prefix="ptdb-condition-", noun="conditions", counts=counts)
    with path.open(encoding="utf-8", newline="") as stream:
        rows = list(enumerate(csv.DictReader(stream, delimiter="\t"), start=2))
    with progress(rows, "PharmacotherapyDB indications") as items:
        for number, row in items:
            if row["category"] not in CATEGORIES:
                counts["rows skipped: unknown category"] += 1
                continue
            relation, qualifier, verb = CATEGORIES[row["category"]]
            drug = drugs.resolve(
                row["drugbank_id"],
                label=row["drug"],
                identifiers=[f"https://go.drugbank.com/drugs/{row['drugbank_id']}"],
                kinds=("https://w3id.org/dikg/Drug",),
                types=("dikg:Drug",),
                definition=f"Drug '{row['drug']}' ({row['drugbank_id']}) of PharmacotherapyDB 1.0, "
                "not matched to a curated dikg entity.",
                record_note=f"PharmacotherapyDB drug {row['drugbank_id']}",
            )
            doid = row["doid_id"].removeprefix("DOID:")
            disease = diseases.resolve(
                row["doid_id"],
                label=row["disease"],
                identifiers=[f"http://purl.obolibrary.org/obo/DOID_{doid}"],
                kinds=("https://w3id.org/dikg/Condition",),
                types=("dikg:Condition",),
                definition=f"Disease '{row['disease']}' ({row['doid_id']}, Disease Ontology) of "
                "PharmacotherapyDB 1.0, not matched to a curated dikg entity.",
                record_note=f"PharmacotherapyDB disease {row['doid_id']}",
            )
            add_claim(
                buf,
                f"ind-ptdb-{drug.rsplit('/', 1)[-1]}-{disease.rsplit('/', 1)[-1]}",
                cls="dikg:Indication",
                subject=drug,
                relation="dikg:" + relation,
                obj=disease,
                source=PTDB_SOURCE.iri,
                summary=f"PharmacotherapyDB 1.0: physicians classified {drugs.labels[drug]} as "
                f"{verb} {diseases.labels[disease]}.",
                locators=[
                    f"indications.tsv line {number}: {row['doid_id']}, {row['drugbank_id']}, "
                    f"{row['category']}, {row['n_curators']} of 3 curators, "
                    f"{row['n_resources']} resources"
                ],
                extra=[("dikg:qualifier", lit(qualifier))],
            )
            counts[f"claims {row['category']}"] += 1
    return ImportResult("pharmacotherapydb", buf, counts, MINTED)
