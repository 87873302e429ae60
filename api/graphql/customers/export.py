"""The right of access: `myData` for the customer, `customerData(id)` for the service desk;
the whole document as JSON, and a signed link that downloads it as a file for 15 minutes
(GET /customer-data, api/rest/customer_data.py)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import cast
from urllib.parse import quote

import strawberry
from strawberry.scalars import JSON

from adapters.catalog_files import CUSTOMER_ID_PATTERN as CUSTOMER_ID
from api.auth import EXPORT_LINK_SECONDS, Role
from api.graphql.context import Info, RequestContext
from api.graphql.customers.queries import exists, looks_anyone_up
from api.graphql.errors import BadInput, Forbidden, NotFoundError
from api.graphql.limits import BoundedArguments

DOWNLOAD_PATH = "/customer-data"


@strawberry.type(
    description="Everything the system holds about one customer: who they are, their "
    "consents and their history, carts, orders, pickups, returns, till sales, the lookups "
    "that identified them, the messages sent to them, and their timeline."
)
class CustomerData:
    customer_id: str

    @strawberry.field(
        description="The whole export (format `omnicommerce.customer-data/1`): each cart, "
        "order, pickup, return and sale with every event as recorded, who recorded it and "
        "from where. Large histories: use `downloadUrl`."
    )
    async def document(self, info: Info) -> JSON:
        return cast(JSON, await info.context.services.customer_data(self.customer_id))

    @strawberry.field(
        description=f"A path (on this server) that downloads the same document as a file, "
        f"without a token, for {EXPORT_LINK_SECONDS // 60} minutes; it names this customer only."
    )
    def download_url(self, info: Info) -> str:
        link, _ = info.context.services.tokens.mint_export_link(
            self.customer_id, info.context.minted_at
        )
        return f"{DOWNLOAD_PATH}?token={quote(link)}"

    @strawberry.field(description="When a link asked for now stops working.")
    def link_expires_at(self) -> datetime:
        return datetime.fromtimestamp(int(time.time()) + EXPORT_LINK_SECONDS, UTC)


@strawberry.type
class CustomerDataQueries:
    @strawberry.field(description="Everything the system holds about the signed-in customer.")
    def my_data(self, info: Info) -> CustomerData:
        caller = info.context.require()
        if caller.role is not Role.CUSTOMER:
            raise Forbidden("only a signed-in customer has their own data; see customerData")
        return CustomerData(customer_id=caller.subject)

    @strawberry.field(
        description="Everything the system holds about a customer, for the service desk and "
        "admins. Anyone else is refused alike, whether or not the customer exists.",
        extensions=[BoundedArguments()],
    )
    async def customer_data(self, info: Info, id: str) -> CustomerData:
        await _require_export(info.context, id)
        return CustomerData(customer_id=id)


async def _require_export(context: RequestContext, customer_id: str) -> None:
    caller = context.require()
    if not looks_anyone_up(caller):
        raise Forbidden("only the service desk exports a customer's data")
    if not CUSTOMER_ID.fullmatch(customer_id):
        raise BadInput("id: not a customer id")
    if not await exists(context, customer_id):
        raise NotFoundError(f"no customer {customer_id}")
