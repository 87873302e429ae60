"""The simulator's only way in: GraphQL over HTTP, as any shop front, till or staff app.

A request from a shopper's device names the device (`x-omni-device`) and goes with the token of
that device's app, which claims the app's channel (web or mobile), as a real shop's apps each
hold their own; tokens come from the `Minter` the command line hands in (development tokens, as
`omni token` mints them)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

# (role, subject, stores, staff role, channel) -> a bearer token
Minter = Callable[[str, str, tuple[str, ...], str | None, str | None], str]

RETRIES = 5  # "try again later" answers (the database briefly away) are tried again


class ApiRefused(Exception):
    """A GraphQL error (not a userError): who may not, what is not valid, what is missing."""

    def __init__(self, code: str, message: str, path: object = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.path = code, message, path


class UserErrors(Exception):
    """A mutation refused by the domain: the payload's userErrors."""

    def __init__(self, field: str, errors: list[dict[str, Any]]) -> None:
        self.codes = [error["code"] for error in errors]
        super().__init__(f"{field}: {errors}")


@dataclass(frozen=True)
class Device:
    """A shopper's phone (the mobile app) or laptop (the web shop)."""

    id: str
    channel: str  # "web" or "mobile"

    @property
    def headers(self) -> dict[str, str]:
        return {"x-omni-device": self.id}


class Api:
    """One HTTP connection pool to the server; counts what it sent."""

    def __init__(self, base_url: str, minter: Minter) -> None:
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
        self.http = httpx.AsyncClient(base_url=base_url, timeout=60.0, limits=limits)
        self.minter = minter
        self.requests = 0
        self._tokens: dict[tuple[object, ...], str] = {}
        self._customers: dict[str, str] = {}  # a customer's token -> their id

    async def close(self) -> None:
        await self.http.aclose()

    def token(
        self,
        role: str,
        subject: str,
        *stores: str,
        staff_role: str | None = None,
        channel: str | None = None,
    ) -> str:
        key = (role, subject, stores, staff_role, channel)
        if key not in self._tokens:
            self._tokens[key] = self.minter(role, subject, stores, staff_role, channel)
            if role == "customer":
                self._customers[self._tokens[key]] = subject
        return self._tokens[key]

    def _on(self, token: str, device: Device | None) -> str:
        """A customer's token as the app on `device` holds it: claiming that app's channel."""
        customer = self._customers.get(token)
        if customer is None or device is None:
            return token
        return self.token("customer", customer, channel=device.channel)

    async def query(
        self,
        document: str,
        token: str | None = None,
        device: Device | None = None,
        **variables: Any,
    ) -> dict[str, Any]:
        """The response's data; a GraphQL error raises ApiRefused."""
        headers = dict(device.headers) if device else {}
        if token:
            headers["Authorization"] = f"Bearer {self._on(token, device)}"
        for attempt in range(RETRIES):
            body = await self._post(document, variables, headers)
            errors = body.get("errors")
            if not errors:
                return body["data"]  # type: ignore[no-any-return]
            first = errors[0]
            extensions = first.get("extensions") or {}
            if extensions.get("retryable") and attempt + 1 < RETRIES:
                await asyncio.sleep(0.2 * (attempt + 1))
                continue
            raise ApiRefused(extensions.get("code", "ERROR"), first["message"], first.get("path"))
        raise AssertionError("unreachable")

    async def mutate(
        self,
        field: str,
        document: str,
        token: str | None = None,
        device: Device | None = None,
        **variables: Any,
    ) -> dict[str, Any]:
        """The mutation's payload; userErrors raise UserErrors (nothing was written)."""
        payload: dict[str, Any] = (await self.query(document, token, device, **variables))[field]
        if payload.get("userErrors"):
            raise UserErrors(field, payload["userErrors"])
        return payload

    async def _post(
        self, document: str, variables: dict[str, Any], headers: dict[str, str]
    ) -> dict[str, Any]:
        self.requests += 1
        response = await self.http.post(
            "/graphql", json={"query": document, "variables": variables}, headers=headers
        )
        if response.status_code >= 500 and response.status_code != 503:
            response.raise_for_status()
        return response.json()  # type: ignore[no-any-return]
