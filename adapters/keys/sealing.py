"""Sealing a personal text with its data subject's key (AES-256-GCM), and opening it again.

A sealed text is base64 of a fresh 12-byte nonce and the ciphertext with its tag; the field's
name is the associated data, so a sealed reason does not open as a device id. A text whose
key is forgotten (or was never there) opens as `ERASED`, and a text for an already forgotten
subject is written as `ERASED` directly: nothing personal about them is kept any more.
"""

from __future__ import annotations

import binascii
import os
from collections.abc import Collection, Mapping, Sequence
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from adapters.codec import Transform
from adapters.keys.master import NONCE_BYTES
from domain.personal import ERASED

# A subject's key, or None once it is forgotten.
Keys = Mapping[str, AESGCM | None]


class KeyStore(Protocol):
    """Data keys by subject, created on first write, forgotten for good."""

    async def for_writing(self, subjects: Collection[str]) -> Keys:
        """Each subject's key, created if it has none; None for a forgotten subject."""
        ...

    async def for_reading(self, subjects: Collection[str]) -> Keys:
        """Each subject's key; None (or absent) when forgotten or never created."""
        ...

    def cached(self, subject: str) -> AESGCM | bool | None:
        """The key held in memory (None: forgotten), or False when this process must ask."""
        ...

    async def link(self, links: Sequence[tuple[str, str]]) -> None:
        """Guest subjects that now answer to a customer: forgetting the customer forgets them."""
        ...

    async def forget(self, subject: str) -> list[str]:
        """Delete the subject's key and those of the guests linked to it, for good; returns
        every subject forgotten."""
        ...

    def clear_cache(self) -> None: ...


def sealer(key: AESGCM | None) -> Transform:
    """Seals each text with `key`; without one (a forgotten subject) writes the placeholder."""
    if key is None:
        return lambda _field, _text: ERASED

    def seal(field: str, text: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = key.encrypt(nonce, text.encode(), field.encode())
        return binascii.b2a_base64(nonce + sealed, newline=False).decode("ascii")

    return seal


def opener(key: AESGCM | None) -> Transform:
    """Opens each sealed text with `key`; without one, every text reads as the placeholder.
    A text that does not open with its own key is damage, not an erasure: ValueError."""
    if key is None:
        return lambda _field, _text: ERASED

    def open_(field: str, text: str) -> str:
        try:
            raw = binascii.a2b_base64(text, strict_mode=True)
            return key.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], field.encode()).decode()
        except (InvalidTag, binascii.Error, UnicodeDecodeError):
            raise ValueError(f"the sealed {field} does not open with its subject's key") from None

    return open_
