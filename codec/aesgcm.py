"""The PayloadCodec: every payload consign hands to Temporal (workflow and activity inputs and
results, signals, queries, memos, failure details) is stored AES-256-GCM encrypted.

An encrypted payload is `nonce (12 bytes) || ciphertext+tag` of the whole original Payload, with
metadata `encoding: binary/encrypted` and `encryption-key-id: <id>`; the key id is also the
associated data, so a payload cannot be passed off as another key's. A payload without that
encoding decodes unchanged: histories recorded before encryption (and tests/histories) replay."""

from __future__ import annotations

import os
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

from codec.keys import KeyRing

ENCODING = b"binary/encrypted"
KEY_ID_KEY = "encryption-key-id"
NONCE_BYTES = 12


class UnknownKeyError(ValueError):
    """A payload names a key id the ring does not hold (retired too early, or another
    deployment's key). The message names the id, never a key."""


class DecryptionError(ValueError):
    """A payload does not decrypt with the key its id names (a different key under the same id,
    or altered data)."""


class EncryptionCodec(PayloadCodec):
    """Encrypts with the ring's current key, decrypts with whichever key a payload names."""

    def __init__(self, ring: KeyRing) -> None:
        self._current = ring.current
        self._ciphers = {key_id: AESGCM(key) for key_id, key in ring.keys.items()}

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        cipher = self._ciphers[self._current]
        key_id = self._current.encode()
        encoded = []
        for payload in payloads:
            nonce = os.urandom(NONCE_BYTES)
            sealed = cipher.encrypt(nonce, payload.SerializeToString(), key_id)
            encoded.append(
                Payload(
                    metadata={"encoding": ENCODING, KEY_ID_KEY: key_id},
                    data=nonce + sealed,
                )
            )
        return encoded

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self._decode_one(payload) for payload in payloads]

    def _decode_one(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCODING:
            return payload  # plaintext: recorded before encryption, or not ours to decode
        key_id = payload.metadata.get(KEY_ID_KEY, b"").decode(errors="replace")
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            known = ", ".join(sorted(self._ciphers))
            raise UnknownKeyError(
                f"payload encrypted with key id {key_id!r}, which is not configured "
                f"(configured: {known}); add that key to CONSIGN_CODEC_KEYS to read it"
            )
        data = payload.data
        try:
            plain = cipher.decrypt(data[:NONCE_BYTES], data[NONCE_BYTES:], key_id.encode())
        except InvalidTag:
            raise DecryptionError(
                f"payload does not decrypt with key id {key_id!r}: a different key under that "
                "id, or altered data"
            ) from None
        return Payload.FromString(plain)
