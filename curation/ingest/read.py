"""Reading input files safely: size, binary and encoding checks happen here, before
any parser sees the content, so every bad file gets a precise reason."""

from __future__ import annotations

import codecs
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

BINARY_SNIFF_BYTES = 8192
SKIP_CHUNK_BYTES = 1 << 20


class InputError(ValueError):
    """An input that cannot be read as an article; `line` when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def megabytes(size: int) -> str:
    return f"{size / 1e6:.1f} MB ({size:,} bytes)"


def check_not_binary(data: bytes, base_offset: int = 0) -> None:
    nul = data.find(b"\x00")
    if nul < 0:
        return
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError("UTF-16 encoded text (NUL bytes); re-encode the file as UTF-8")
    raise InputError(f"binary data, not text: NUL byte at byte offset {base_offset + nul}")


def decode(data: bytes, *, first_line: int = 1, base_offset: int = 0) -> str:
    """UTF-8 text without a leading byte-order mark, or InputError naming the first bad byte."""
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = first_line + data.count(b"\n", 0, exc.start)
        column = exc.start - data.rfind(b"\n", 0, exc.start)
        raise InputError(
            f"not valid UTF-8: byte 0x{data[exc.start]:02x} at byte offset {base_offset + exc.start} "
            f"(line {line}, byte {column} of the line); re-encode the file as UTF-8",
            line,
        ) from None


def os_reason(exc: OSError) -> str:
    """'permission denied' from "[Errno 13] Permission denied: '/x'": the path is named elsewhere."""
    return (exc.strerror or str(exc)).lower()


def open_regular(path: Path) -> BinaryIO:
    """`path` opened for reading, or InputError when it is not a regular file: a FIFO
    or a device named .txt would block or never end."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # opening a FIFO must not wait for a writer
    except OSError as exc:
        raise InputError(f"cannot open: {os_reason(exc)}") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise InputError("not a regular file (a FIFO, socket or device)")
    return os.fdopen(fd, "rb")


def too_big(size: int, max_bytes: int) -> InputError:
    return InputError(f"file is {megabytes(size)}, over the {megabytes(max_bytes)} limit (max_bytes)")


def read_text(path: Path, max_bytes: int) -> str:
    """A whole file's text (one article), refused before reading when it is over
    `max_bytes`; never more than that is read, even from a file growing meanwhile."""
    with open_regular(path) as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > max_bytes:
            raise too_big(size, max_bytes)
        data = handle.read(size + 1)  # not read(max_bytes + 1): that allocates max_bytes for every file
        if len(data) > size:  # grown since fstat: read on, never past the limit
            data += handle.read(max_bytes + 1 - len(data))
    if len(data) > max_bytes:
        raise too_big(len(data), max_bytes)
    check_not_binary(data)
    text = decode(data)
    if not text.strip():
        raise InputError("file is empty (or only whitespace)")
    return text


def skip_line(handle: BinaryIO) -> int:
    """Read past the rest of an over-long line in bounded chunks; the number of bytes skipped."""
    skipped = 0
    while chunk := handle.readline(SKIP_CHUNK_BYTES):
        skipped += len(chunk)
        if chunk.endswith(b"\n"):
            break
    return skipped


def read_lines(path: Path, max_bytes: int) -> Iterator[tuple[int, str | InputError]]:
    """(line number, text) for each non-blank line, streamed: a JSONL file may hold a whole
    corpus, so `max_bytes` limits each line (one article), never the file. A line that
    cannot be read is yielded as an InputError in its place; the next lines go on. A NUL
    byte condemns its line only, unless the file does not even start like JSONL ('{'):
    then it is binary (an image renamed .jsonl), one error rather than one a line."""
    with open_regular(path) as handle:
        head = handle.read(BINARY_SNIFF_BYTES)
        if not head.lstrip(b" \t\r\n").removeprefix(codecs.BOM_UTF8).lstrip().startswith(b"{"):
            check_not_binary(head)
        handle.seek(0)
        offset, any_content = 0, False
        number = 0
        while raw := handle.readline(max_bytes + 1):
            number += 1
            start, size = offset, len(raw)
            if size > max_bytes and not raw.endswith(b"\n"):
                size += skip_line(handle)
                offset += size
                yield number, InputError(f"line is {megabytes(size)}, over the {megabytes(max_bytes)} limit (max_bytes)", number)
                any_content = True
                continue
            offset += size
            if not raw.strip():
                continue
            any_content = True
            try:
                check_not_binary(raw, start)
                yield number, decode(raw, first_line=number, base_offset=start)
            except InputError as exc:
                yield number, InputError(str(exc), number)
    if not any_content:
        raise InputError("file is empty (or only whitespace)")
