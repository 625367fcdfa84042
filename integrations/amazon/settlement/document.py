"""A report document's bytes as text: gunzipped when getReportDocument said GZIP (or the bytes
are gzip anyway), decoded with the charset of the download's Content-Type. Amazon's model states
no encoding; like Amazon's own-language clients, ISO-8859-1 when none is given (it decodes every
byte, so a wrong guess shows as odd letters, never a crash), and Windows-31J read as cp932."""

from __future__ import annotations

import codecs
import gzip
import zlib

from integrations.amazon.settlement.errors import SettlementFileError

FALLBACK_CHARSET = "iso-8859-1"
_ALIASES = {"windows-31j": "cp932"}
_GZIP_MAGIC = b"\x1f\x8b"


def charset_of(content_type: str | None) -> str:
    """The charset parameter of a Content-Type header, or the fallback."""
    for part in (content_type or "").split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip('"').lower()
            return _ALIASES.get(charset, charset)
    return FALLBACK_CHARSET


def decode_document(
    content: bytes, *, compression: str | None = None, content_type: str | None = None
) -> str:
    """The document as text. Gzip is recognised by its magic bytes, so a GZIP document an HTTP
    client already inflated (Content-Encoding: gzip) is taken as it is, and `compression` only
    makes a document that says GZIP but is neither gzip nor text fail with that named."""
    if content.startswith(_GZIP_MAGIC):
        try:
            content = gzip.decompress(content)
        except (OSError, EOFError, zlib.error):
            raise SettlementFileError("the document is not valid gzip") from None
    elif (compression or "").upper() == "GZIP" and b"\x00" in content[:512]:
        raise SettlementFileError("the document says GZIP but is neither gzip nor text")
    charset = charset_of(content_type)
    try:
        codecs.lookup(charset)
    except LookupError:
        raise SettlementFileError(f"unknown charset {charset!r} in Content-Type") from None
    try:
        return content.decode(charset)
    except UnicodeDecodeError:
        raise SettlementFileError(f"the document is not valid {charset}") from None
