"""DrugCentral 2016 (CC BY 4.0) -> dikg: target actions and indications, matched by identifier."""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

from graph_service.importers.common import ImportResult, Progress, TripleBuffer, lit, no_progress
from graph_service.importers.curated import CuratedIndex, load_curated
from graph_service.importers.minting import Minter
from graph_service.importers.model import add_claim

__all__ = ["ACTIONS", "ATTRIBUTION", "MINTED", "SOURCE", "build_drugcentral", "input_files"]

SOURCE = "id:src-drugcentral-2016"  # defined in ontology/sources.ttl (key DC-2016)
ATTRIBUTION = (
    "DrugCentral (2016 snapshot, github.com/olegursu/drugtarget @ 64630f7), University of "
    "New Mexico; Ursu O et al. DrugCentral: online drug compendium. Nucleic Acids Res. "
    "2017;45(D1):D932-D939; CC BY 4.0; converted to RDF by dikg"
)
MINTED = (
    "id:dc2016-",
    "id:mech-dc2016-",
    "id:ind-dc2016-",
    "id:cit-mech-dc2016-",
    "id:cit-ind-dc2016-",
)
FILES = ("drug_target.tsv", "drug_indication.tsv", "identifiers.tsv")

#: DrugCentral ACTION_TYPE -> (relation, action); other action types are not in the model.
ACTIONS = {
    "AGONIST": ("agonistOf", "Agonist"),
    "PARTIAL AGONIST": ("partialAgonistOf", "PartialAgonist"),
    "ANTAGONIST": ("antagonistOf", "Antagonist"),
    "ALLOSTERIC ANTAGONIST": ("antagonistOf", "Antagonist"),
    "INHIBITOR": ("inhibitorOf", "Inhibitor"),
    "BLOCKER": ("inhibitorOf", "Inhibitor"),
    "POSITIVE ALLOSTERIC MODULATOR": ("modulatorOf", "PositiveModulator"),
    "POSITIVE MODULATOR": ("modulatorOf", "PositiveModulator"),
}
_PHRASE = {
    "agonistOf": "an agonist",
    "partialAgonistOf": "a partial agonist",
    "antagonistOf": "an antagonist",
    "inhibitorOf": "an inhibitor",
    "modulatorOf": "a positive modulator",
}
_ID_IRIS = {
    "RXNORM": "http://purl.bioontology.org/ontology/RXNORM/",
    "UNII": "https://precision.fda.gov/uniisearch/srs/unii/",
    "DRUGBANK_ID": "https://go.drugbank.com/drugs/",
    "CHEBI": "http://purl.obolibrary.org/obo/CHEBI_",
}
_FAMILY = {
    "GPCR": "dikg:Receptor",
    "Nuclear hormone receptor": "dikg:Receptor",
    "Membrane receptor": "dikg:Receptor",
    "Enzyme": "dikg:Enzyme",
    "Kinase": "dikg:Enzyme",
}


def input_files(data_dir: Path) -> list[Path]:
    """The three DrugCentral files in ``data_dir``.

    :raises FileNotFoundError: naming the first missing file.
    """
    paths = [Path(data_dir) / name for name in FILES]
    for path in paths:
        if not path.is_file():
            raise FileNotFoundError(f"{path} not found")
    return paths


def _rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as stream:
        reader = csv.DictReader(stream, delimiter="\t", quoting=csv.QUOTE_NONE)
        for number, row in enumerate(reader, start=2):
            yield number, {k: (v or "").strip().strip('"') for k, v in row.items()}


def _identifiers(path: Path) -> dict[str, list[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for _, row in _rows(path):
        prefix = _ID_IRIS.get(row["ID_TYPE"])
        value = row["IDENTIFIER"].removeprefix("CHEBI:")
        if prefix and value:
            found[row["DRUG_ID"]].add(prefix + value)
    return {k: sorted(v) for k, v in found.items()}


class _Builder:
    def __init__(self, curated: CuratedIndex, ids: dict[str, list[str]]) -> None:
        self.buf, self.counts, self.ids = TripleBuffer(), Counter[str](), ids
        self.drugs = Minter(self.buf, curated, prefix="dc2016-", noun="drugs", counts=self.counts)
        self.targets = Minter(
            self.buf, curated, prefix="dc2016-target-", noun="targets", counts=self.counts
        )
        self.conditions = Minter(
            self.buf, curated, prefix="dc2016-condition-", noun="conditions", counts=self.counts
        )

    def drug(self, row: dict[str, str]) -> str:
        struct = row["DRUG_ID"]
        return self.drugs.resolve(
            struct,
            label=row["DRUG_NAME"],
            identifiers=self.ids.get(struct, []),
            kinds=("https://w3id.org/dikg/Drug",),
            types=("dikg:Drug",),
            definition=f"Drug '{row['DRUG_NAME']}' of DrugCentral 2016 (structure {struct}), "
            "not matched to a curated dikg entity.",
            record_note=f"DrugCentral struct_id {struct}",
        )

    def target(self, row: dict[str, str]) -> str:
        accessions = sorted(a for a in row["UNIPROT"].split("|") if a)
        single = len(accessions) == 1
        return self.targets.resolve(
            "|".join(accessions) or row["TARGET_NAME"],
            label=row["TARGET_NAME"],
            identifiers=[f"http://purl.uniprot.org/uniprot/{a}" for a in accessions]
            if single
            else [],
            kinds=("https://w3id.org/dikg/Target",),
            types=(_FAMILY.get(row["TARGET_FAMILY"], "dikg:Target"),),
            definition=f"{row['TARGET_FAMILY'] or 'Target'} '{row['TARGET_NAME']}' (genes "
            f"{row['GENE'].replace('|', ', ')}) from DrugCentral 2016.",
            record_note=f"DrugCentral target UniProt {row['UNIPROT']}",
        )

    def condition(self, row: dict[str, str]) -> str:
        ids = [f"https://identifiers.org/umls:{row['UMLS_CUI']}"] if row["UMLS_CUI"] else []
        if row["DOID"].startswith("DOID:"):
            ids.append("http://purl.obolibrary.org/obo/DOID_" + row["DOID"][5:])
        return self.conditions.resolve(
            row["UMLS_CUI"] or row["DOID"] or row["INDICATION_FDB"].casefold(),
            label=row["INDICATION_FDB"],
            identifiers=ids,
            kinds=("https://w3id.org/dikg/Condition",),
            types=("dikg:Condition",),
            definition=f"Indication '{row['INDICATION_FDB']}' (OMOP/FDB), DrugCentral 2016.",
            record_note=f"DrugCentral indication {row['INDICATION_FDB']}",
        )


def _local(node: str) -> str:
    return node.rsplit("/", 1)[-1]


def build_drugcentral(
    data_dir: Path, *, ontology_dir: Path, progress: Progress = no_progress
) -> ImportResult:
    """Target actions (drug_target.tsv) and indications (drug_indication.tsv) as claims."""
    targets, indications, identifiers = input_files(data_dir)
    b = _Builder(load_curated(ontology_dir), _identifiers(identifiers))
    mech: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    with progress(list(_rows(targets)), "DrugCentral targets") as rows:
        for number, row in rows:
            if row["ACTION_TYPE"] not in ACTIONS:
                b.counts["target rows skipped: action type not in the model"] += 1
                continue
            key = (b.drug(row), ACTIONS[row["ACTION_TYPE"]][0], b.target(row))
            mech[key].append(
                f"drug_target.tsv line {number}: DRUG_ID {row['DRUG_ID']}, "
                f"{row['GENE']}, {row['ACTION_TYPE']}, annotation {row['SOURCE']}"
            )
    for (drug, relation, target), locators in sorted(mech.items()):
        action = next(a for r, a in ACTIONS.values() if r == relation)
        add_claim(
            b.buf,
            f"mech-dc2016-{_local(drug)}-{_local(target)}",
            cls="dikg:TargetAction",
            subject=drug,
            relation="dikg:" + relation,
            obj=target,
            source=SOURCE,
            summary=f"DrugCentral 2016: {b.drugs.labels[drug]} is {_PHRASE[relation]} of "
            f"{b.targets.labels[target]}.",
            locators=locators,
            extra=[("dikg:action", "dikg:" + action)],
        )
        b.counts["claims TargetAction"] += 1
    ind: dict[tuple[str, str], list[str]] = defaultdict(list)
    with progress(list(_rows(indications)), "DrugCentral indications") as rows:
        for number, row in rows:
            ind[(b.drug(row), b.condition(row))].append(
                f"drug_indication.tsv line {number}: DRUG_ID {row['DRUG_ID']}, "
                f"{row['INDICATION_FDB']}"
            )
    for (drug, condition), locators in sorted(ind.items()):
        add_claim(
            b.buf,
            f"ind-dc2016-{_local(drug)}-{_local(condition)}",
            cls="dikg:Indication",
            subject=drug,
            relation="dikg:indicatedFor",
            obj=condition,
            source=SOURCE,
            summary=f"DrugCentral 2016 lists {b.conditions.labels[condition]} as an indication "
            f"of {b.drugs.labels[drug]} (per active ingredient; may come from a "
            "combination product).",
            locators=locators,
            extra=[
                (
                    "dikg:qualifier",
                    lit(
                        "DrugCentral indication per active ingredient, "
                        "including combination products; review before use"
                    ),
                )
            ],
        )
        b.counts["claims Indication"] += 1
    return ImportResult("drugcentral", b.buf, b.counts, MINTED)
