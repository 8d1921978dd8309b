"""The check API over the default build: the curated graph plus the ANSM thesaurus.

Answers come in English with the thesaurus as source; where the thesaurus and a curated label
fact disagree, the most severe non-contradicted claim leads and the other is listed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from graph_service import create_app
from graph_service.importers import default_import_files
from graph_service.models import PROJECT_ROOT

ID = "https://w3id.org/dikg/id/"
ANSM_TITLE = "ANSM"


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    """The service with ANSM loaded (validated by the importer tests; not again here)."""
    app = create_app({"TESTING": True, "GRAPH_SERVICE_ISOLATION": "none",
                      "GRAPH_SERVICE_VALIDATE_ON_LOAD": False,
                      "GRAPH_SERVICE_EXTRA_DATA": [str(p) for p in
                                                   default_import_files(PROJECT_ROOT)]})
    yield app.test_client()


def check(client: Any, drugs: list[str]) -> dict[str, Any]:
    response = client.post("/api/v1/check", json={"drugs": drugs})
    assert response.status_code == 200, response.get_json()
    answer: dict[str, Any] = response.get_json()
    assert not answer["unresolved"], answer["unresolved"]
    return answer


def ansm_cited(claim: dict[str, Any]) -> bool:
    return any(ANSM_TITLE in (s.get("title") or "") for s in claim["sources"])


@pytest.mark.parametrize(("drugs", "labels"), [
    (["simvastatin", "clarithromycin"], {"simvastatin", "clarithromycin"}),
    (["warfarin", "miconazole"], {"warfarin", "miconazole"}),
])
def test_thesaurus_pairs_answer_in_english(client: Any, drugs: list[str],
                                           labels: set[str]) -> None:
    (alert,) = check(client, drugs)["alerts"]
    assert alert["severity"] == "contraindicated"
    assert {alert["subject"]["label"], alert["object"]["label"]} == labels
    assert alert["summary"].startswith("ANSM 2020:") and ansm_cited(alert)
    assert alert["inferred"] is True  # CYP3A4 / vitamin K antagonist class rules


@pytest.mark.parametrize(("drugs", "curated"), [
    (["disulfiram", "metronidazole"], "ci-disulfiram-metronidazole"),
    (["naltrexone", "tramadol"], "ix-naltrexone-tramadol"),
])
def test_sources_that_disagree_are_both_reported(client: Any, drugs: list[str],
                                                 curated: str) -> None:
    (alert,) = check(client, drugs)["alerts"]
    assert alert["claim"] == ID + curated and alert["severity"] == "contraindicated"
    imported = [c for c in alert["other_claims"] if ansm_cited(c)]
    assert imported and all(c["severity"] == "major" for c in imported)


def test_conflicts_lists_severity_disagreements(client: Any) -> None:
    body = client.get("/api/v1/conflicts").get_json()
    pairs = {frozenset((c["claim"]["claim"], c["conflicts_with"]["claim"])): c
             for c in body["severity_conflicts"]}
    curated = ID + "ci-disulfiram-metronidazole"
    (entry,) = [c for key, c in pairs.items() if curated in key]
    severities = {entry["claim"]["severity"], entry["conflicts_with"]["severity"]}
    assert severities == {"contraindicated", "major"}
    assert any(ansm_cited(side) for side in (entry["claim"], entry["conflicts_with"]))
