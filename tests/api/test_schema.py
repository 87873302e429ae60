"""The published contract: the schema the code builds is the one committed in
schema.graphql, so every change to it (a breaking one above all) shows in review."""

from __future__ import annotations

import difflib
import hashlib
from pathlib import Path

from api.graphql.schema import sdl
from tests.api.conftest import Api

COMMITTED = Path(__file__).resolve().parents[2] / "schema.graphql"


def test_the_code_builds_the_committed_schema() -> None:
    built, committed = sdl(), COMMITTED.read_text()
    diff = "".join(difflib.unified_diff(committed.splitlines(True), built.splitlines(True)))
    assert built == committed, (
        "schema.graphql differs from the code; if the change is intended, run "
        "`.venv/bin/python -m api.graphql.schema > schema.graphql`\n" + diff
    )


async def test_a_persisted_query_runs_by_its_hash_once_registered(api: Api) -> None:
    query = 'query Levels { storeStock(locationId: "AMS-ZUID", first: 1) { nodes { sku } } }'
    digest = hashlib.sha256(query.encode()).hexdigest()
    by_hash = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest}}}

    unknown = (await api.client.post("/graphql", json=by_hash)).json()
    registered = (await api.client.post("/graphql", json={"query": query, **by_hash})).json()
    again = (await api.client.post("/graphql", json=by_hash)).json()
    forged = await api.client.post(
        "/graphql", json={"query": query, "extensions": {"persistedQuery": {"sha256Hash": "0f"}}}
    )

    assert unknown["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert again == registered and "errors" not in again
    assert forged.status_code == 400 and "does not match" in forged.text
