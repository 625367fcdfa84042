"""The one data converter every Temporal client and worker of consign connects with: pydantic
models as JSON, encrypted by the EncryptionCodec, failure messages and stack traces encoded too
(they are payloads then, so the codec covers them: a message that carried a value by mistake
stays out of the history)."""

from __future__ import annotations

import dataclasses
from functools import lru_cache

from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes

from codec.aesgcm import EncryptionCodec
from codec.keys import KeyRing, load_key_ring
from config import read_codec_settings


def data_converter(ring: KeyRing) -> DataConverter:
    """The pydantic converter with payloads encrypted by `ring`."""
    return dataclasses.replace(
        pydantic_data_converter,
        payload_codec=EncryptionCodec(ring),
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )


@lru_cache(maxsize=1)
def configured_key_ring() -> KeyRing:
    """The keys the settings name (read once per process)."""
    return load_key_ring(read_codec_settings())


@lru_cache(maxsize=1)
def configured_converter() -> DataConverter:
    """The converter for the configured keys: what the worker, the CLI and the tests use."""
    return data_converter(configured_key_ring())
