"""A lean HTTP/1.1 load-generator client: one keep-alive connection per simulated client.

The load generator shares two cores with the server and PostgreSQL, so every microsecond it
spends is taken from what it measures. httpx's pooled client cost about as much CPU per
request as the server's plain JSON endpoint and fell apart at 32 concurrent requests (its
/ping rate halved from 8 to 32 clients). Load tools such as wrk or autocannon are this
simple for the same reason. It speaks only what the benchmark needs: requests with a
Content-Length body, answers with a Content-Length.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlparse

import msgspec

MAX_HEADER_BYTES = 64 * 1024


class HttpError(Exception):
    pass


class Connection:
    """One persistent connection; requests on it go one after another."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str):
        self.reader, self.writer, self.host = reader, writer, host

    @classmethod
    async def open(cls, base_url: str) -> Connection:
        url = urlparse(base_url)
        reader, writer = await asyncio.open_connection(url.hostname, url.port or 80)
        return cls(reader, writer, url.netloc)

    async def close(self) -> None:
        self.writer.close()
        await self.writer.wait_closed()

    async def get(self, path: str) -> tuple[int, bytes]:
        return await self.request("GET", path)

    async def post_json(
        self, path: str, payload: object, headers: dict[str, str] | None = None
    ) -> tuple[int, object]:
        status, body = await self.request(
            "POST", path, msgspec.json.encode(payload), "application/json", headers
        )
        return status, msgspec.json.decode(body)

    async def request(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        content_type: str = "",
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes]:
        head = [f"{method} {path} HTTP/1.1", f"host: {self.host}"]
        if body or method == "POST":
            head += [f"content-type: {content_type}", f"content-length: {len(body)}"]
        head += [f"{name}: {value}" for name, value in (headers or {}).items()]
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
        return await self._response()

    async def _response(self) -> tuple[int, bytes]:
        raw = await self.reader.readuntil(b"\r\n\r\n")
        if len(raw) > MAX_HEADER_BYTES:
            raise HttpError("response headers too long")
        status_line, *header_lines = raw.decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        length = None
        for line in header_lines:
            name, _, value = line.partition(":")
            if name.lower() == "content-length":
                length = int(value)
        if length is None:
            raise HttpError(f"no content-length in the answer to a request ({status_line})")
        return status, await self.reader.readexactly(length)
