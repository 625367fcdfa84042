"""The EncryptionCodec and its keys: round trip, rotation, unknown and wrong keys, plaintext
passthrough, and the data converter every client and worker uses."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest
from pydantic import SecretStr
from temporalio.api.common.v1 import Payload

from codec.aesgcm import DecryptionError, EncryptionCodec, UnknownKeyError
from codec.converter import data_converter
from codec.keys import load_key_ring, new_key_entry, parse_key_ring
from config import CodecSettings, Deployment, SettingsError
from domain.order import ShipTo

BUYER = ShipTo(
    name="Wilhelmina Quarterstaff", line1="42 Lindqvist Crescent", city="Leeds", country_code="GB"
)


def ring(*ids: str) -> str:
    return ",".join(new_key_entry(key_id) for key_id in ids)


def json_payload(text: str) -> Payload:
    return Payload(metadata={"encoding": b"json/plain"}, data=text.encode())


async def test_round_trip_hides_the_data_and_names_the_key() -> None:
    codec = EncryptionCodec(parse_key_ring(ring("k1"), "test"))
    original = json_payload('{"name": "Wilhelmina Quarterstaff"}')
    [encoded] = await codec.encode([original])
    assert b"Wilhelmina" not in encoded.SerializeToString()
    assert encoded.metadata["encoding"] == b"binary/encrypted"
    assert encoded.metadata["encryption-key-id"] == b"k1"
    assert await codec.decode([encoded]) == [original]


async def test_each_encoding_uses_a_fresh_nonce() -> None:
    codec = EncryptionCodec(parse_key_ring(ring("k1"), "test"))
    first, second = await codec.encode([json_payload("{}"), json_payload("{}")])
    assert first.data != second.data


async def test_rotation_encrypts_with_the_new_key_and_still_reads_the_old() -> None:
    old_entry, new_entry = new_key_entry("2026-06"), new_key_entry("2026-12")
    before = EncryptionCodec(parse_key_ring(old_entry, "test"))
    after = EncryptionCodec(parse_key_ring(f"{new_entry},{old_entry}", "test"))
    original = json_payload('{"line1": "42 Lindqvist Crescent"}')
    [old] = await before.encode([original])
    [new] = await after.encode([original])
    assert new.metadata["encryption-key-id"] == b"2026-12"
    assert await after.decode([old, new]) == [original, original]


async def test_an_unknown_key_id_is_named_and_no_key_is() -> None:
    retired = EncryptionCodec(parse_key_ring(ring("2025-01"), "test"))
    entry = new_key_entry("2026-12")
    current = EncryptionCodec(parse_key_ring(entry, "test"))
    [encoded] = await retired.encode([json_payload("{}")])
    with pytest.raises(UnknownKeyError) as raised:
        await current.decode([encoded])
    assert "'2025-01'" in str(raised.value)
    assert "2026-12" in str(raised.value)
    assert entry.split(":", 1)[1] not in str(raised.value)


async def test_the_same_id_with_another_key_or_altered_data_is_refused() -> None:
    mine = EncryptionCodec(parse_key_ring(ring("k1"), "test"))
    theirs = EncryptionCodec(parse_key_ring(ring("k1"), "test"))
    [encoded] = await theirs.encode([json_payload("{}")])
    with pytest.raises(DecryptionError, match="'k1'"):
        await mine.decode([encoded])
    [own] = await mine.encode([json_payload("{}")])
    own.data = own.data[:-1] + bytes([own.data[-1] ^ 1])
    with pytest.raises(DecryptionError):
        await mine.decode([own])


async def test_a_key_id_swapped_in_the_metadata_is_refused() -> None:
    """The id is associated data: a payload cannot be relabelled as another key's."""
    both = parse_key_ring(ring("a", "b"), "test")
    codec = EncryptionCodec(both)
    [encoded] = await codec.encode([json_payload("{}")])
    encoded.metadata["encryption-key-id"] = b"b"
    with pytest.raises(DecryptionError):
        await codec.decode([encoded])


async def test_plaintext_payloads_pass_through() -> None:
    """Histories recorded before encryption (tests/histories) still decode and replay."""
    codec = EncryptionCodec(parse_key_ring(ring("k1"), "test"))
    plain = [json_payload('{"a": 1}'), Payload(metadata={"encoding": b"binary/null"})]
    assert await codec.decode(plain) == plain


async def test_the_data_converter_encrypts_pydantic_models() -> None:
    converter = data_converter(parse_key_ring(ring("k1"), "test"))
    [encoded] = await converter.encode([BUYER])
    assert b"Quarterstaff" not in encoded.SerializeToString()
    assert await converter.decode([encoded], [ShipTo]) == [BUYER]


def test_keys_are_parsed_from_commas_lines_and_comments() -> None:
    a, b, c = new_key_entry("a"), new_key_entry("b"), new_key_entry("c")
    parsed = parse_key_ring(f"# rotated 2026-12\n{a}, {b}\n\n{c}  # oldest\n", "test")
    assert parsed.current == "a"
    assert list(parsed.keys) == ["a", "b", "c"]
    assert a.split(":")[1] not in repr(parsed)


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("", "holds no key"),
        ("nokey", "expected `id:base64`"),
        ("bad id:" + base64.b64encode(os.urandom(32)).decode(), "expected `id:base64`"),
        ("k:not base64!", "not valid base64"),
        ("k:" + base64.b64encode(os.urandom(16)).decode(), "16 bytes, AES-256 needs 32"),
        ("k:" + base64.b64encode(b"x" * 32).decode() + ",k:" + "A" * 44, "appears twice"),
    ],
)
def test_bad_keys_name_the_variable_and_never_the_key(text: str, complaint: str) -> None:
    with pytest.raises(SettingsError, match="CONSIGN_CODEC_KEYS") as raised:
        parse_key_ring(text, "CONSIGN_CODEC_KEYS")
    assert complaint in str(raised.value)
    for entry in text.split(","):
        secret = entry.partition(":")[2]
        if len(secret) > 8:
            assert secret not in str(raised.value)


def test_keys_come_from_a_mounted_file(tmp_path: Path) -> None:
    keys_file = tmp_path / "keys"
    keys_file.write_text(new_key_entry("mounted") + "\n")
    loaded = load_key_ring(CodecSettings(keys_file=str(keys_file)))
    assert loaded.current == "mounted"
    with pytest.raises(SettingsError, match="CONSIGN_CODEC_KEYS_FILE='/nonexistent/keys'"):
        load_key_ring(CodecSettings(keys_file="/nonexistent/keys"))
    with pytest.raises(SettingsError, match="not both"):
        load_key_ring(CodecSettings(keys=SecretStr(ring("k")), keys_file=str(keys_file)))


def test_production_refuses_to_run_without_a_key(tmp_path: Path) -> None:
    dev_file = tmp_path / "dev.keys"
    settings = CodecSettings(deployment=Deployment.PRODUCTION, dev_keys_file=str(dev_file))
    with pytest.raises(SettingsError, match="required when CONSIGN_ENV=production"):
        load_key_ring(settings)
    assert not dev_file.exists()


def test_development_makes_one_key_and_keeps_it(tmp_path: Path) -> None:
    dev_file = tmp_path / "var" / "codec-dev.keys"
    settings = CodecSettings(dev_keys_file=str(dev_file))
    first = load_key_ring(settings)
    assert first.current.startswith("dev-")
    assert dev_file.stat().st_mode & 0o077 == 0
    assert load_key_ring(settings) == first
    assert [p.name for p in dev_file.parent.iterdir()] == ["codec-dev.keys"]
