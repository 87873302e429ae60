"""Whether a server already holds orders someone else placed: `omni simulate` drives such a
server only when asked to (`--allow-shared`), and then works only its own orders."""

from __future__ import annotations

from datetime import datetime, timedelta

from simulate.client import Api

CLOCK = "{ serverClock { now } }"
CHECKED_OUT = """query($first: Date!, $last: Date!, $after: String) {
  journeyStats(firstDay: $first, lastDay: $last, chainWide: true, first: 100, after: $after) {
    nodes { funnel { step reached } } pageInfo { hasNextPage endCursor } } }"""
LOOK_BACK_DAYS = 364  # the widest range journeyStats takes, with tomorrow (366 days)


async def orders_on(api: Api, admin: str) -> int:
    """Journeys checked out on the server in the last year (by its clock), chain-wide."""
    now = datetime.fromisoformat((await api.query(CLOCK, admin))["serverClock"]["now"])
    first = (now - timedelta(days=LOOK_BACK_DAYS)).date().isoformat()
    last = (now + timedelta(days=1)).date().isoformat()
    found, after = 0, None
    while True:
        page = (await api.query(CHECKED_OUT, admin, first=first, last=last, after=after))[
            "journeyStats"
        ]
        found += sum(
            step["reached"]
            for node in page["nodes"]
            for step in node["funnel"]
            if step["step"] == "CHECKED_OUT"
        )
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]


def refusal(url: str, orders: int) -> str:
    """One sentence: what the server holds, and the two ways on."""
    return (
        f"the server at {url} already has {orders} orders this simulation did not create; "
        "run with --allow-shared to drive it anyway (its pickers then work only the "
        "simulation's own orders), or with --own-server for a private one"
    )
