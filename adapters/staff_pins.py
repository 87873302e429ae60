"""Staff PINs, stored only as salted scrypt hashes and compared in constant time."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

PIN_PATTERN = re.compile(r"^[0-9]{4,12}$")
# scrypt at N=2^14, r=8 takes ~40 ms and 16 MiB here: slow enough that a stolen table of
# 4-to-12-digit PINs is costly to search, quick enough for a sign-in on a shared core.
N, R, P = 2**14, 8, 1
SCHEME = "scrypt"


class InvalidPin(ValueError):
    """A PIN is 4 to 12 digits."""


def hash_pin(pin: str, salt: bytes | None = None) -> str:
    if not PIN_PATTERN.match(pin):
        raise InvalidPin("a PIN is 4 to 12 digits")
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=N, r=R, p=P, dklen=32)
    return f"{SCHEME}${N}${R}${P}${_b64(salt)}${_b64(digest)}"


def pin_matches(pin: str, stored: str) -> bool:
    """True when `pin` hashes to `stored`; a malformed stored hash never matches."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != SCHEME:
            return False
        candidate = hashlib.scrypt(
            pin.encode(), salt=_unb64(salt), n=int(n), r=int(r), p=int(p), dklen=32
        )
    except ValueError:
        return False
    return hmac.compare_digest(candidate, _unb64(digest))


def burn_time(pin: str) -> None:
    """Spend what a real comparison costs, so an unknown staff id answers no faster."""
    hashlib.scrypt(pin.encode(), salt=b"\0" * 16, n=N, r=R, p=P, dklen=32)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
