"""The payload encryption keys: a ring of AES-256 keys by id, the first of which encrypts.

Keys come from CONSIGN_CODEC_KEYS (`id:base64,id:base64`) or from the file CONSIGN_CODEC_KEYS_FILE
names (a mounted secret, the same entries one per line or comma separated, `#` comments). With
neither, development uses a key generated once under var/ and production (CONSIGN_ENV=production)
refuses to start. A key's bytes never appear in an error, a repr or a log line: only its id."""

from __future__ import annotations

import base64
import binascii
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from config import CodecSettings, Deployment, SettingsError

KEY_BYTES = 32  # AES-256
KEY_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
KEYS_VARIABLE = "CONSIGN_CODEC_KEYS"
FILE_VARIABLE = "CONSIGN_CODEC_KEYS_FILE"


@dataclass(frozen=True)
class KeyRing:
    """`current` encrypts; every key in `keys` decrypts (old ones stay until no history needs
    them). The repr names the ids only."""

    current: str
    keys: Mapping[str, bytes] = field(repr=False)


def new_key_entry(key_id: str) -> str:
    """A fresh `id:base64` entry for CONSIGN_CODEC_KEYS."""
    if not KEY_ID.fullmatch(key_id):
        raise SettingsError(f"key id {key_id[:70]!r} must be 1-64 letters, digits, '.', '_', '-'")
    return f"{key_id}:{base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()}"


def parse_key_ring(text: str, source: str) -> KeyRing:
    """The ring written in `text`; a SettingsError names `source` and the entry, never a key."""
    entries = [
        entry.strip()
        for line in text.splitlines()
        for entry in line.split("#", 1)[0].split(",")
        if entry.strip()
    ]
    if not entries:
        raise SettingsError(f"{source} holds no key: give at least one `id:base64` entry")
    keys: dict[str, bytes] = {}
    for number, entry in enumerate(entries, start=1):
        key_id, colon, encoded = entry.partition(":")
        key_id = key_id.strip()
        where = f"{source}, entry {number}"
        if not colon or not KEY_ID.fullmatch(key_id):
            raise SettingsError(
                f"{where}: expected `id:base64` with an id of 1-64 letters, digits, '.', '_', '-'"
            )
        if key_id in keys:
            raise SettingsError(f"{where}: key id {key_id!r} appears twice")
        try:
            key = base64.b64decode(encoded.strip(), validate=True)
        except binascii.Error:
            raise SettingsError(f"{where}: key {key_id!r} is not valid base64") from None
        if len(key) != KEY_BYTES:
            raise SettingsError(
                f"{where}: key {key_id!r} is {len(key)} bytes, AES-256 needs {KEY_BYTES}"
            )
        keys[key_id] = key
    return KeyRing(current=next(iter(keys)), keys=keys)


def load_key_ring(settings: CodecSettings) -> KeyRing:
    """The configured ring: the variable, else the file, else (development only) the dev key."""
    inline = settings.keys.get_secret_value()
    if inline.strip() and settings.keys_file:
        raise SettingsError(f"set {KEYS_VARIABLE} or {FILE_VARIABLE}, not both")
    if inline.strip():
        return parse_key_ring(inline, KEYS_VARIABLE)
    if settings.keys_file:
        try:
            text = Path(settings.keys_file).read_text()
        except OSError as err:
            raise SettingsError(
                f"{FILE_VARIABLE}={settings.keys_file!r} cannot be read ({err.strerror})"
            ) from None
        return parse_key_ring(text, f"{FILE_VARIABLE} ({settings.keys_file})")
    if settings.deployment is Deployment.PRODUCTION:
        raise SettingsError(
            f"{KEYS_VARIABLE} or {FILE_VARIABLE} is required when CONSIGN_ENV=production: "
            "payloads would otherwise be encrypted with a throw-away development key"
        )
    return _dev_key_ring(Path(settings.dev_keys_file))


def _dev_key_ring(path: Path) -> KeyRing:
    """The development key under var/, made on first use. Written aside and linked into place,
    so processes starting together (the demo's worker and CLI) all end up with the same key."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        with os.fdopen(os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
            out.write(
                "# Development only: consign made this key because CONSIGN_CODEC_KEYS is unset.\n"
                f"{new_key_entry(f'dev-{secrets.token_hex(4)}')}\n"
            )
        try:
            os.link(draft, path)
        except FileExistsError:
            pass  # another process made it first: use theirs
        finally:
            draft.unlink()
    return parse_key_ring(path.read_text(), str(path))
