"""A document the spec's validation refuses gets the spec's errors: the depth, alias and text
limits run only on documents that passed it. Before, the depth limit ran beside the spec's
rules and crashed on an undefined fragment (`KeyError: 'Nope'`, HTTP 500)."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api
from tests.api.unharmed import assert_unharmed, committed_head

UNDEFINED = '{ product(sku: "LAVA-LAMP") { ...Nope } }'
CYCLE = """{ product(sku: "LAVA-LAMP") { ...A } }
fragment A on Product { sku ...B }
fragment B on Product { name ...A ...Nope }"""
UNKNOWN_IN_FRAGMENT = """{ product(sku: "LAVA-LAMP") { ...F } }
fragment F on Product { sku ...Nope colour }"""


@pytest.mark.parametrize(
    ("document", "messages"),
    [
        (UNDEFINED, ["Unknown fragment 'Nope'."]),
        (
            CYCLE,
            ["Cannot spread fragment 'A' within itself via 'B'.", "Unknown fragment 'Nope'."],
        ),
        (
            UNKNOWN_IN_FRAGMENT,
            ["Unknown fragment 'Nope'.", "Cannot query field 'colour' on type 'Product'."],
        ),
    ],
    ids=["undefined fragment", "fragment cycle", "unknown field"],
)
async def test_a_document_the_spec_refuses_gets_the_specs_errors(
    api: Api, document: str, messages: list[str]
) -> None:
    head = await committed_head(api.client)

    response = await api.client.post("/graphql", json={"query": document})

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["data"] is None
    assert [error["message"] for error in body["errors"]] == messages
    await assert_unharmed(api.client, head)


async def test_the_limits_still_refuse_a_valid_document(api: Api) -> None:
    aliases = " ".join(f"a{n}: __typename" for n in range(21))
    body = await api.gql(f"{{ {aliases} }}")
    assert [error["message"] for error in body["errors"]] == ["21 aliases found. Allowed: 20"], body
    # The same aliases with an undefined fragment: the spec's error alone.
    spread = await api.gql(f'{{ {aliases} product(sku: "LAVA-LAMP") {{ ...Nope }} }}')
    assert [error["message"] for error in spread["errors"]] == ["Unknown fragment 'Nope'."]
