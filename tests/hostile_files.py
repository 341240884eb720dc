"""Files built to hurt a reader, shared by the unit and end-to-end tests."""

import json
import zlib


def gzip_bomb(header: dict, record_line: dict, copies: int, padding: int) -> bytes:
    """A valid header, then `copies` times one record line padded with `padding` spaces (JSON
    allows them): well under a megabyte of gzip that expands about a thousand times."""
    packer = zlib.compressobj(6, zlib.DEFLATED, 31)
    line = json.dumps(record_line).encode() + b" " * padding + b"\n"
    parts = [packer.compress(json.dumps(header).encode() + b"\n")]
    parts += [packer.compress(line) for _ in range(copies)]
    return b"".join(parts) + packer.flush()
