"""TFRecord framing and the protobuf wire format, read without TensorFlow.

A record is ``uint64 length (LE) | uint32 masked CRC32C(length) | payload | uint32 masked
CRC32C(payload)``; the mask is ``((crc >> 15) | (crc << 17)) + 0xa282ead8`` (mod 2³²). The length
CRC is always checked (it catches truncated and misaligned files); payload CRCs on request.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path

from nas_sim.benchmarks.offline.importers.report import DataImportError

_POLY = 0x82F63B78  # CRC32C (Castagnoli), reflected
_TABLE = []
for _i in range(256):
    _c = _i
    for _ in range(8):
        _c = (_c >> 1) ^ _POLY if _c & 1 else _c >> 1
    _TABLE.append(_c)


def crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for b in data:
        crc = _TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc(data: bytes) -> int:
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def encode_record(payload: bytes) -> bytes:
    """One framed TFRecord (used to write test fixtures)."""
    length = struct.pack("<Q", len(payload))
    return (
        length
        + struct.pack("<I", masked_crc(length))
        + payload
        + struct.pack("<I", masked_crc(payload))
    )


def read_records(path: str | Path, *, verify_payload: bool = False) -> Iterator[bytes]:
    """Yield the payloads of a TFRecord file; a truncated or corrupt file raises
    :class:`DataImportError` naming the file, record number and byte offset."""
    path = Path(path)
    if not path.is_file():
        raise DataImportError(f"TFRecord file {str(path)!r} does not exist")
    with open(path, "rb") as fh:
        index = 0
        while True:
            offset = fh.tell()
            header = fh.read(12)
            if not header:
                return
            if len(header) < 12:
                raise DataImportError(
                    f"{path.name}: truncated record header at record {index} (byte {offset})"
                )
            (length,) = struct.unpack("<Q", header[:8])
            (length_crc,) = struct.unpack("<I", header[8:])
            if masked_crc(header[:8]) != length_crc:
                raise DataImportError(
                    f"{path.name}: bad length checksum at record {index} (byte {offset}); the file "
                    "is corrupt or not a TFRecord file"
                )
            body = fh.read(length + 4)
            if len(body) < length + 4:
                raise DataImportError(
                    f"{path.name}: truncated record {index} (byte {offset}): expected {length} "
                    f"payload bytes, found {max(len(body) - 4, 0)}"
                )
            payload = body[:length]
            if verify_payload and struct.unpack("<I", body[length:])[0] != masked_crc(payload):
                raise DataImportError(f"{path.name}: bad payload checksum at record {index}")
            yield payload
            index += 1


# ------------------------------------------------------------ protobuf wire
def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(buf):
            raise ValueError("truncated varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7


def parse_fields(buf: bytes) -> list[tuple[int, int, object]]:
    """``(field number, wire type, value)`` of a protobuf message: ints for varints, bytes for
    length-delimited fields, raw 8/4-byte strings for fixed64/fixed32. Raises ValueError."""
    out: list[tuple[int, int, object]] = []
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(buf, pos)
            out.append((field, wire, value))
        elif wire == 1:
            if pos + 8 > len(buf):
                raise ValueError("truncated fixed64")
            out.append((field, wire, buf[pos : pos + 8]))
            pos += 8
        elif wire == 2:
            n, pos = _varint(buf, pos)
            if pos + n > len(buf):
                raise ValueError("truncated length-delimited field")
            out.append((field, wire, buf[pos : pos + n]))
            pos += n
        elif wire == 5:
            if pos + 4 > len(buf):
                raise ValueError("truncated fixed32")
            out.append((field, wire, buf[pos : pos + 4]))
            pos += 4
        else:
            raise ValueError(f"unsupported wire type {wire}")
    return out


def as_double(raw: object) -> float:
    return float(struct.unpack("<d", raw)[0])  # type: ignore[arg-type]
