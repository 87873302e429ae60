"""GET /customer-data?token=…: a customer's data as a downloadable JSON file, through the
signed link `myData { downloadUrl }` or `customerData(id) { downloadUrl }` hands out. The link
is the only credential: it names one customer and expires 15 minutes after it was made
(api/auth.py, EXPORT_LINK_SECONDS); a forged, altered or expired one is a 401."""

from __future__ import annotations

import re
import time

import msgspec
from litestar import get
from litestar.datastructures import State
from litestar.params import FromQuery
from litestar.response import Response

from api.auth import InvalidToken
from api.http_errors import error_body
from domain.errors import ErrorCode

UNSAFE_IN_FILE_NAME = re.compile(r"[^A-Za-z0-9._-]")
encode_json = msgspec.json.Encoder().encode


@get("/customer-data", tags=["customers"])
async def download_customer_data(state: State, token: FromQuery[str]) -> Response[bytes]:
    """Everything held about the link's customer, as `customer-data-<id>.json`."""
    services = state.services
    try:
        customer_id = services.tokens.verify_export_link(token, time.time())
    except InvalidToken as refusal:
        body = error_body(str(refusal), ErrorCode.NOT_AUTHENTICATED)
        return Response(body, status_code=401, media_type="application/json")
    document = await services.customer_data(customer_id)
    name = UNSAFE_IN_FILE_NAME.sub("_", customer_id)
    return Response(
        encode_json(document),
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="customer-data-{name}.json"',
            # Personal data: kept by no cache, and the link leaks through no Referer.
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
        },
    )
