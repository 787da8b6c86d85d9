"""A delimited text file's encoding, delimiter and rows.

The encoding is the one given (`--encoding`), or read from a byte-order mark, or UTF-8
when every byte of the file reads as UTF-8 (a file in a one-byte Windows code page almost
never does, once it holds a letter beyond ASCII), or else detected by charset-normalizer
from the lines that hold bytes beyond ASCII, among the code pages shops' software writes
(`CODE_PAGES`, in order of preference when two read the same bytes equally well). The
delimiter is the one given (`--delimiter`), or the one of `DELIMITERS` that splits the
header into the most fields.

Lines are decoded a block at a time, and a byte the encoding cannot read is reported with
its line number, never as a decoding traceback; so is a row the CSV parser refuses (it
reads strictly: a quote never closed would otherwise take the rest of the file into one
field, and those rows would be lost without a word).
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import Path
from typing import Any, BinaryIO, cast

from patron.domain.errors import InvalidInput

DELIMITERS = (",", ";", "\t", "|")
# Tried, in this order, on a file that is not UTF-8: the Windows code pages of Central and
# Eastern Europe first (the shops Patron serves export in them), then Western Europe's,
# the ISO and KOI8 pages of older Unix software, and DOS's Cyrillic page. Windows-1250
# and Windows-1252 read most Slovenian, Romanian and German text alike; they differ in
# č/è, ă/ã, ţ/þ, which the first on the list wins.
CODE_PAGES = (
    "cp1250",
    "cp1251",
    "cp1252",
    "iso8859_2",
    "koi8_r",
    "koi8_u",
    "cp866",
    "cp1257",
    "cp1254",
    "cp1253",
)
_BLOCK = 1 << 22  # bytes read at a time while checking that a file is UTF-8
_TEXT_BLOCK = 1 << 20  # bytes decoded at a time
_SAMPLE = 1 << 18  # bytes of non-ASCII lines handed to the detector
_NON_ASCII_LINE = re.compile(rb"[^\n]*[\x80-\xff][^\n]*\n?")
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE, whose mark begins it
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_NAMED_DELIMITERS = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}


@dataclass(frozen=True)
class FileFormat:
    """How a file's text is written; what is not given is read from the file.

    `date_format` is a strptime format (ISO 8601 when None); `decimal_comma` reads
    12,50 and 1.234,50 (or 1 234,50) as numbers, and then a point only groups thousands.
    """

    encoding: str | None = None
    delimiter: str | None = None
    decimal_comma: bool = False
    date_format: str | None = None

    def checked(self) -> FileFormat:
        """The same format with the encoding and delimiter as Python names them; an
        unknown encoding or a delimiter of more than one character is refused."""
        encoding = self.encoding
        if encoding is not None:
            try:
                encoding = codecs.lookup(encoding).name
            except LookupError:
                raise InvalidInput(
                    f"--encoding {self.encoding!r} is not an encoding Python knows"
                    " (e.g. utf-8, cp1250, cp1251, latin-1)"
                ) from None
        delimiter = self.delimiter
        if delimiter is not None:
            delimiter = _NAMED_DELIMITERS.get(delimiter.lower(), delimiter)
            if len(delimiter) != 1 or delimiter in '"\r\n':
                raise InvalidInput(
                    f"--delimiter {self.delimiter!r}: give one character, e.g. ';' or tab"
                )
        return FileFormat(encoding, delimiter, self.decimal_comma, self.date_format)


@dataclass
class TextTable:
    """An open file: its header and the rows after it (lists of fields, as written)."""

    path: Path
    encoding: str  # the codec the file is read in (and a rejects file written in)
    delimiter: str
    encoding_detected: bool  # neither given, nor marked, nor UTF-8: charset-normalizer's guess
    delimiter_sniffed: bool
    header: list[str]
    _reader: Any = field(repr=False)  # a csv.reader

    @property
    def resolved(self) -> FileFormat:
        """The format to read the same file again without detecting anything."""
        return FileFormat(self.encoding, self.delimiter)

    def rows(self) -> Iterator[list[str]]:
        try:
            yield from self._reader
        except csv.Error as exc:
            raise self._refused(exc) from None

    def chunks(self, size: int) -> Iterator[list[list[str]]]:
        """The rows, `size` at a time (the CSV parser's errors checked once a chunk)."""
        while True:
            try:
                chunk = list(islice(self._reader, size))
            except csv.Error as exc:
                raise self._refused(exc) from None
            if not chunk:
                return
            yield chunk

    def _refused(self, exc: csv.Error) -> InvalidInput:
        """The CSV parser gave up: name the line where the row it could not read begins
        (found by reading the file again row by row: only on this error)."""
        start = 1
        with open_table(self.path, self.resolved) as again:
            reader = again._reader
            try:
                while True:
                    start = reader.line_num + 1
                    next(reader)
            except (csv.Error, StopIteration):
                pass
        return _csv_error(self.path, start, exc)

    def describe(self) -> str:
        """How the file was read, for the user to check a guess (names that look wrong
        mean the encoding was guessed wrong)."""
        delimiter = "tab" if self.delimiter == "\t" else repr(self.delimiter)
        how = " (detected; give --encoding if names look wrong)" if self.encoding_detected else ""
        return f"{self.path}: read as {self.encoding}{how}, fields separated by {delimiter}"


@contextmanager
def open_table(path: Path, fmt: FileFormat | None = None) -> Iterator[TextTable]:
    """The file at `path` (gzip-compressed when it ends in .gz) opened for reading in
    `fmt` (what it does not give is read from the file). Every problem is an
    InvalidInput naming the file and the line."""
    given = (fmt or FileFormat()).checked()
    try:
        compressed = path.suffix.lower() == ".gz"
        raw = cast(BinaryIO, gzip.open(path, "rb") if compressed else path.open("rb"))
    except FileNotFoundError:
        raise InvalidInput(f"{path}: no such file") from None
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot be read ({exc.strerror})") from None
    with raw:
        try:
            if given.encoding is not None:
                encoding, detected = _given_encoding(raw, given.encoding), False
            else:
                encoding, detected = _detect_encoding(path, raw)
        except (gzip.BadGzipFile, EOFError) as exc:
            raise InvalidInput(f"{path}: not a whole gzip file ({exc})") from None
        how = "given" if given.encoding else ("guessed" if detected else "its start shows")
        lines = _decoded_lines(path, raw, encoding, how)
        first = next(lines, "")
        delimiter = given.delimiter or sniff_delimiter(first)
        # strict: a quote never closed is an error, not the rest of the file in one field
        reader = csv.reader(chain([first], lines), delimiter=delimiter, strict=True)
        try:
            header = next(reader, [])
        except csv.Error as exc:
            raise _csv_error(path, 1, exc) from None
        if header:
            header[0] = header[0].lstrip("\ufeff")  # a mark the codec did not take
        yield TextTable(
            path,
            encoding,
            delimiter,
            detected,
            given.delimiter is None,
            header,
            reader,
        )


def sniff_delimiter(header: str) -> str:
    """The delimiter of `DELIMITERS` that splits the header line into the most fields
    (a comma when none splits it: a file of one column)."""
    best, most = ",", 1
    for candidate in DELIMITERS:
        fields = len(next(csv.reader([header], delimiter=candidate), []))
        if fields > most:
            best, most = candidate, fields
    return best


def _given_encoding(raw: BinaryIO, encoding: str) -> str:
    """The given codec; UTF-8 reads past a byte-order mark when the file has one."""
    if encoding == "utf-8" and raw.read(3) == codecs.BOM_UTF8:
        encoding = "utf-8-sig"
    raw.seek(0)
    return encoding


def _detect_encoding(path: Path, raw: BinaryIO) -> tuple[str, bool]:
    """The file's codec, and whether it is a guess (no mark, not UTF-8)."""
    head = raw.read(4)
    raw.seek(0)
    for mark, codec in _BOMS:
        if head.startswith(mark):
            return codec, False
    bad = _first_non_utf8(raw)
    if bad is None:
        return "utf-8", False
    sample = _non_ascii_lines(raw)
    from charset_normalizer import from_bytes

    best = from_bytes(sample, cp_isolation=list(CODE_PAGES)).best()
    if best is None:
        raw.seek(0)
        line = _line_of(raw, bad)
        raise InvalidInput(
            f"{path}: line {line}: cannot tell the file's encoding (it is not UTF-8 and"
            f" reads as none of {', '.join(CODE_PAGES)}); give it with --encoding"
        )
    raw.seek(0)
    return codecs.lookup(best.encoding).name, True


def _first_non_utf8(raw: BinaryIO) -> int | None:
    """The offset of the first byte that is not UTF-8, or None for a UTF-8 file."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    try:
        while block := raw.read(_BLOCK):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                return offset + exc.start
            offset += len(block)
        try:
            decoder.decode(b"", final=True)  # a file cut inside a character
        except UnicodeDecodeError:
            return offset - 1
        return None
    finally:
        raw.seek(0)


def _non_ascii_lines(raw: BinaryIO) -> bytes:
    """Lines holding bytes beyond ASCII, up to `_SAMPLE` bytes: they alone tell one
    code page from another (names, cities, products; the digits and commas do not)."""
    found: list[bytes] = []
    size = 0
    raw.seek(0)
    while size < _SAMPLE and (block := raw.read(_BLOCK)):
        for match in _NON_ASCII_LINE.finditer(block):
            found.append(match.group())
            size += len(found[-1])
            if size >= _SAMPLE:
                break
    raw.seek(0)
    return b"".join(found)


def _line_of(raw: BinaryIO, offset: int) -> int:
    return raw.read(offset).count(b"\n") + 1


def _ascii_compatible(encoding: str) -> bool:
    """Whether the codec writes ASCII as ASCII (so lines end at the byte \\n)."""
    sample = "customer_id,;\t|0123456789\r\n"
    try:
        return sample.encode(encoding) == sample.encode("ascii")
    except UnicodeError:
        return False


def _decoded_lines(path: Path, raw: BinaryIO, encoding: str, how: str) -> Iterator[str]:
    """The file's lines as text (ends kept: \n, \r\n or \r); `how` the encoding was
    found (given, guessed, its start shows), for the message when a line cannot be read."""
    if not _ascii_compatible(encoding):  # UTF-16 and UTF-32 (Excel's "Unicode text")
        return _wide_lines(path, raw, encoding)
    blocks = _decoded_blocks(path, raw, encoding, how)
    return chain.from_iterable(io.StringIO(text, newline="") for text in blocks)


def _decoded_blocks(path: Path, raw: BinaryIO, encoding: str, how: str) -> Iterator[str]:
    """The file decoded a block of whole lines at a time (a line never straddles two
    blocks, and no byte of a line end is part of a character in these codecs); a byte
    that cannot be decoded is reported with its line."""
    pending = b""
    before = 0  # lines in the blocks decoded so far
    while True:
        block = raw.read(_TEXT_BLOCK)
        data = pending + block
        if block:
            cut = data.rfind(b"\n") + 1 or data.rfind(b"\r") + 1
            if not cut:
                pending = data
                continue
        else:
            cut = len(data)
        body, pending = data[:cut], data[cut:]
        try:
            text = body.decode(encoding)
        except UnicodeDecodeError as exc:
            first = body.rfind(b"\n", 0, exc.start) + 1
            last = body.find(b"\n", exc.start)
            line = body[first : len(body) if last < 0 else last]
            number = before + body.count(b"\n", 0, exc.start) + 1
            raise InvalidInput(
                _undecodable(path, number, line, exc.start - first, encoding, how)
            ) from None
        before += body.count(b"\n")
        if text:
            yield text
        if not block:
            return


def _wide_lines(path: Path, raw: BinaryIO, encoding: str) -> Iterator[str]:
    text = io.TextIOWrapper(raw, encoding=encoding, newline="")
    number = 0
    try:
        for number, line in enumerate(text, 1):  # noqa: B007 - the message's line
            yield line
    except UnicodeDecodeError:
        raise InvalidInput(
            f"{path}: after line {number}: the file cannot be read as {encoding};"
            " give its encoding with --encoding"
        ) from None
    finally:
        text.detach()


def _undecodable(path: Path, number: int, line: bytes, at: int, encoding: str, how: str) -> str:
    byte = line[at : at + 1].hex()
    column = len(line[:at].decode(encoding, errors="replace")) + 1
    return (
        f"{path}: line {number}: byte 0x{byte} (character {column}) cannot be read as"
        f" {encoding} (the encoding {how}); give the file's encoding with --encoding"
        " (e.g. --encoding cp1250 or --encoding cp1251)"
    )


def _csv_error(path: Path, line: int, exc: csv.Error) -> InvalidInput:
    """A row the CSV parser refuses ends the reading, naming the line it begins on."""
    unclosed = "end of data" in str(exc) or "field larger" in str(exc)
    hint = " (a quote opened on this line is never closed)" if unclosed else ""
    return InvalidInput(f"{path}: line {line}: {exc}{hint}")
