"""Who is signed in on a staff page (GET /staff/session), and store credentials exchanged for
a bearer token (POST /staff/session). Everything else the pages read goes through GraphQL."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import msgspec
from litestar import Request, get, post
from litestar.datastructures import State
from litestar.response import Response

from adapters.postgres.staff_credentials import (
    record_failed_sign_in,
    record_sign_in,
    staff_credential,
)
from adapters.staff_pins import burn_time, pin_matches
from api.auth import InvalidToken, Principal, Role, StaffRole
from api.http_errors import UNREADABLE, unreadable
from api.storable_text import dotted, find_unstorable, refusal
from domain.ports import LocationKind

SHIFT_SECONDS = 12 * 3600
PAGE_ROLES = (Role.STAFF, Role.ADMIN)


class StoreInfo(msgspec.Struct, frozen=True, rename="camel"):
    id: str
    name: str
    time_zone: str
    pickup_service_minutes: int


class SessionInfo(msgspec.Struct, frozen=True, rename="camel"):
    role: str
    subject: str
    staff_role: str | None
    stores: list[StoreInfo]
    expires_at: int


class SignIn(msgspec.Struct, frozen=True, rename="camel", forbid_unknown_fields=True):
    store_id: str
    staff_id: str
    pin: str


class Issued(msgspec.Struct, frozen=True, rename="camel"):
    token: str
    expires_at: int
    store_id: str


def _refusal(status: int, message: str) -> Response[Any]:
    return Response({"error": message}, status_code=status)


@get("/staff/session")
async def who_is_signed_in(request: Request, state: State) -> Response[Any]:
    """The caller's role and stores, or a refusal a page can show as it is."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return _refusal(401, "sign in first: no staff token was given")
    try:
        caller = state.services.tokens.verify(token.strip(), time.time())
    except InvalidToken as error:
        return _refusal(401, f"this token cannot be used: {error}")
    if caller.role not in PAGE_ROLES:
        return _refusal(403, f"a {caller.role.value} token cannot open the staff pages")
    stores = [
        StoreInfo(loc.id, loc.name, loc.time_zone, loc.pickup_service_minutes)
        for loc in await state.services.catalog.locations()
        if loc.kind is LocationKind.STORE and caller.works_at(loc.id)
    ]
    role = caller.staff_role.value if caller.staff_role else None
    info = SessionInfo(caller.role.value, caller.subject, role, stores, caller.expires_at)
    return Response(info)


@post("/staff/session", status_code=200)
async def exchange_credentials(request: Request, state: State) -> Response[Any]:
    """Store, staff id and PIN in; a bearer token for that store, for one shift, out."""
    try:
        sign_in = msgspec.json.decode(await request.body(), type=SignIn)
    except UNREADABLE as error:
        return _refusal(400, f"send storeId, staffId and pin: {unreadable(error)}")
    if (unstorable := find_unstorable(sign_in)) is not None:
        return _refusal(400, refusal(dotted(unstorable[0]), unstorable[1]))
    pool = state.services.database.pool
    credential = await staff_credential(pool, sign_in.staff_id)
    if credential is None:
        await asyncio.to_thread(burn_time, sign_in.pin)
        return _refusal(401, "unknown staff id or wrong PIN")
    if credential.locked_until is not None:
        return _refusal(429, f"too many wrong PINs: locked until {credential.locked_until:%H:%M}")
    if not await asyncio.to_thread(pin_matches, sign_in.pin, credential.pin_hash):
        await record_failed_sign_in(pool, sign_in.staff_id)
        return _refusal(401, "unknown staff id or wrong PIN")
    await record_sign_in(pool, sign_in.staff_id)
    if sign_in.store_id not in credential.stores:
        return _refusal(403, f"{sign_in.staff_id} does not work at {sign_in.store_id}")
    expires = int(time.time() + SHIFT_SECONDS)
    principal = Principal(
        role=Role.STAFF,
        subject=credential.staff_id,
        stores=(sign_in.store_id,),
        staff_role=StaffRole(credential.staff_role),
        expires_at=expires,
    )
    return Response(Issued(state.services.tokens.mint(principal), expires, sign_in.store_id))
