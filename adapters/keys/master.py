"""The master key that wraps every data key, behind a small port so a KMS can take its place.

A data subject's key (32 random bytes) is stored wrapped: AES-256-GCM under a master key,
with the subject as associated data, so a wrapped key moved to another subject's row does not
open. The local master keys come from OMNI_MASTER_KEY (any text; an HKDF turns it into 32
bytes) and, while a rotation runs, OMNI_PREVIOUS_MASTER_KEYS: new keys are wrapped by the
current one, and each stored key names the master key that wrapped it.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from typing import Protocol

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from adapters.settings_checks import StartupError

DEV_MASTER_KEY = "omnicommerce-development-master-key-change-me"
MIN_MASTER_KEY_LENGTH = 32
NONCE_BYTES = 12
DATA_KEY_BYTES = 32


class KeyWrapper(Protocol):
    """Wraps data keys for storage and unwraps them: the role a KMS can take. Asynchronous,
    as a KMS answers over the network; it is asked only for keys a process does not hold."""

    @property
    def key_id(self) -> str:
        """The master key that wraps new data keys."""
        ...

    async def wrap(self, subject: str, data_key: bytes) -> bytes: ...

    async def unwrap(self, subject: str, key_id: str, wrapped: bytes) -> bytes: ...


class WeakMasterKey(StartupError):
    """The master key may not be used here (the development key, or too short)."""


class UnknownMasterKey(LookupError):
    """A stored data key was wrapped by a master key this process does not have."""


class MasterKeys:
    """Local master keys: the first wraps, every one unwraps what it wrapped."""

    def __init__(self, current: str, *previous: str) -> None:
        derived = [_derive(secret) for secret in (current, *previous)]
        self._keys = {_key_id(key): AESGCM(key) for key in derived}
        self._current = _key_id(derived[0])

    @classmethod
    def development(cls) -> MasterKeys:
        return cls(DEV_MASTER_KEY)

    @classmethod
    def for_deployment(cls, secrets: Sequence[str], production: bool) -> MasterKeys:
        """Refuses to start production with the development key or a key under 32 bytes."""
        if production:
            for secret in secrets:
                if secret == DEV_MASTER_KEY or len(secret.encode()) < MIN_MASTER_KEY_LENGTH:
                    raise WeakMasterKey(
                        "OMNI_ENVIRONMENT is production, so OMNI_MASTER_KEY (and each of "
                        "OMNI_PREVIOUS_MASTER_KEYS) must be at least 32 bytes, not the "
                        "development key."
                    )
        return cls(*secrets)

    @property
    def key_id(self) -> str:
        return self._current

    async def wrap(self, subject: str, data_key: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._keys[self._current].encrypt(nonce, data_key, subject.encode())

    async def unwrap(self, subject: str, key_id: str, wrapped: bytes) -> bytes:
        master = self._keys.get(key_id)
        if master is None:
            raise UnknownMasterKey(
                f"the key of {subject} is wrapped by master key {key_id}, which is neither "
                "OMNI_MASTER_KEY nor one of OMNI_PREVIOUS_MASTER_KEYS"
            )
        nonce, sealed = wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:]
        return master.decrypt(nonce, sealed, subject.encode())


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=DATA_KEY_BYTES * 8)


def _derive(secret: str) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"omnicommerce master key")
    return hkdf.derive(secret.encode())


def _key_id(key: bytes) -> str:
    # A fingerprint of the derived key, not the key: safe to store beside what it wrapped.
    return hashlib.sha256(b"key id:" + key).hexdigest()[:12]
