"""Checks on an uploaded file before any parser sees it.

A tiny hostile .xlsx can take gigabytes or hang a parser (NOTES.md: a zip bomb, a huge
shared-strings table, one cell at XFD1048576). Everything here reads only the zip's
central directory and streams the XML parts in small chunks, so a rejection is quick
and uses little memory. Formula cells without a saved value are found here too, since
the value reader sees them as blank.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import Any, Callable

from ..models import ValidationError

MAX_UPLOAD_BYTES = 50 * 2**20          # matches server.maxUploadSize in .streamlit/config.toml
MAX_ENTRIES = 2_000
MAX_PART_BYTES = 400 * 2**20           # one XML part, uncompressed
MAX_TOTAL_BYTES = 800 * 2**20          # all parts, uncompressed
MAX_RATIO = 200                        # uncompressed / compressed, for parts over RATIO_FLOOR
RATIO_FLOOR = 2**20
MAX_SHARED_STRINGS = 2_000_000
MAX_SHARED_STRINGS_BYTES = 200 * 2**20
MAX_ROWS = 500_000
MAX_COLUMNS = 200
MAX_CELLS = 5_000_000                  # rows x columns of one sheet (the reader makes it dense)
CHUNK = 1 << 20

OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURE = b"PK\x03\x04"
_ENCRYPTED_MARK = "EncryptedPackage".encode("utf-16-le")


class UnsafeWorkbook(ValidationError):
    """The file is refused before parsing; the message says why and what to do."""


@dataclass
class ArchiveInfo:
    """What the checks learned: sheet name -> its part, and cells a reader would misread."""

    sheet_parts: dict[str, str] = field(default_factory=dict)
    formula_cells: dict[str, list[tuple[int, int]]] = field(default_factory=dict)  # sheet -> (row, col) 1-based


def refuse(message: str) -> UnsafeWorkbook:
    return UnsafeWorkbook(message, "file")


_DIMENSION_RE = re.compile(rb'<(?:\w+:)?dimension\b[^>]*?\bref="([A-Z]*)(\d*)(?::([A-Z]+)(\d+))?"')
_FAR_REF_RE = re.compile(rb' r="(?:[A-Z]{2}|[A-Z]?\d{6})')
_ANY_REF_RE = re.compile(rb'\sr="([A-Z]*)(\d+)"')
_ODD_SPACING = (b'\nr="', b'\tr="', b'\rr="')
_FORMULA_NO_VALUE_RE = re.compile(
    rb'<(?:\w+:)?c\b[^>]*?\sr="([A-Z]{1,3})(\d+)"[^>]*?(?<!/)>\s*<(?:\w+:)?f\b[^>]*?(?:/>|>[^<]*</(?:\w+:)?f>)'
    rb'\s*(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?\s*</(?:\w+:)?c>')
_F_END_RE = re.compile(rb"f[\s>/]")
_SI_RE = re.compile(rb'<(?:\w+:)?si[\s>/]')
_DTD_MARKS = (b"<!DOCTYPE", b"<!ENTITY")
_SHEET_TAG_RE = re.compile(rb'<(?:\w+:)?sheet\b([^>]*)/?>')
_ATTR_RE = re.compile(rb'([\w:]+)="([^"]*)"')
_REL_RE = re.compile(rb'<(?:\w+:)?Relationship\b([^>]*)/?>')


def column_number(letters: bytes | str) -> int:
    n = 0
    for ch in letters if isinstance(letters, str) else letters.decode():
        n = n * 26 + ord(ch) - 64
    return n


def check_upload(data: bytes, filename: str = "", on_sheet: Callable[[str, int], None] | None = None,
                 sheet_order: Callable[[str], Any] | None = None) -> ArchiveInfo:
    """Raise UnsafeWorkbook unless `data` looks like a workbook a parser can read safely.

    Every part except the worksheets is checked first; then each worksheet (in the order
    `sheet_order(name)` gives, else as stored), and `on_sheet(name, unpacked size)` is called as soon
    as that sheet has passed (the reader starts parsing it while the next one is checked). A refusal
    still comes before any parser reads an unchecked part.
    """
    size = len(data)
    if size == 0:
        raise refuse("the file is empty; export the workbook from Excel again and upload that file")
    if size > MAX_UPLOAD_BYTES:
        raise refuse(f"the file is {size / 2**20:.1f} MB; the limit is {MAX_UPLOAD_BYTES // 2**20} MB. "
                     "Split the data over several workbooks (every sheet is optional)")
    head = data[:8]
    if head == OLE_SIGNATURE:
        if _ENCRYPTED_MARK in data[:2**20] or _ENCRYPTED_MARK in data[-2**20:]:
            raise refuse("the workbook is password-protected (encrypted); remove the password in Excel "
                         "(File > Info > Protect Workbook) and upload it again")
        raise refuse("this is an old Excel 97-2003 file (.xls); open it in Excel and save it as "
                     "Excel Workbook (.xlsx), then upload that file")
    if head[:4] != ZIP_SIGNATURE:
        raise refuse("this is not an Excel workbook (.xlsx); save the file as Excel Workbook (.xlsx) and upload it")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError):
        raise refuse("the file is damaged or incomplete (a truncated download?); export it again and upload "
                     "the new file") from None
    with archive:
        return _check_archive(archive, entries, on_sheet, sheet_order)


def _check_archive(archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo],
                   on_sheet: Callable[[str, int], None] | None = None,
                   sheet_order: Callable[[str], Any] | None = None) -> ArchiveInfo:
    if len(entries) > MAX_ENTRIES:
        raise refuse(f"the file holds {len(entries):,} parts; a workbook has far fewer. It is not a workbook "
                     "this app can read")
    names = {e.filename for e in entries}
    lower = {n.lower() for n in names}
    if any(n.endswith("vbaproject.bin") for n in lower) or any(n.endswith(".bin") and "vba" in n for n in lower):
        raise refuse("the workbook contains macros (.xlsm); save it as Excel Workbook (.xlsx) without macros "
                     "and upload that file")
    if "xl/workbook.xml" not in names:
        raise refuse("this zip file is not an Excel workbook (no xl/workbook.xml); save the file as Excel "
                     "Workbook (.xlsx)")
    total = 0
    for entry in entries:
        if entry.flag_bits & 0x1:
            raise refuse("the workbook is encrypted; remove the password in Excel and upload it again")
        total += entry.file_size
        if entry.file_size > MAX_PART_BYTES or total > MAX_TOTAL_BYTES:
            raise refuse("the workbook unpacks to far more data than its size suggests (a zip bomb?); "
                         "it was not opened")
        if entry.file_size > RATIO_FLOOR and entry.file_size > MAX_RATIO * max(entry.compress_size, 1):
            raise refuse(f"the part {entry.filename} is compressed {entry.file_size // max(entry.compress_size, 1)}"
                         " times (a zip bomb?); the workbook was not opened")
    content_types = _read_small(archive, "[Content_Types].xml") if "[Content_Types].xml" in names else b""
    if b"macroEnabled" in content_types or b"vbaProject" in content_types:
        raise refuse("the workbook is macro-enabled (.xlsm); save it as Excel Workbook (.xlsx) and upload it")
    info = ArchiveInfo()
    info.sheet_parts = _sheet_parts(archive, names)
    xml = [e for e in entries if e.filename.lower().endswith((".xml", ".rels", ".vml"))]
    worksheets = [e for e in xml if e.filename.startswith("xl/worksheets/")]
    for entry in xml:  # everything a parser reads when it opens the workbook, before any sheet
        if entry.filename == "xl/sharedStrings.xml":
            _check_shared_strings(archive, entry)
        elif not entry.filename.startswith("xl/worksheets/"):
            _scan(archive, entry, lambda chunk, overlap: None)
    sheet_of = {p: s for s, p in info.sheet_parts.items()}
    if sheet_order is not None:
        worksheets.sort(key=lambda e: sheet_order(sheet_of.get(e.filename, e.filename)))
    for entry in worksheets:
        sheet = sheet_of.get(entry.filename, entry.filename)
        cells = _check_worksheet(archive, entry, sheet)
        if cells:
            info.formula_cells[sheet] = cells
        if on_sheet is not None and entry.filename in sheet_of:
            on_sheet(sheet, entry.file_size)
    return info


def _read_small(archive: zipfile.ZipFile, name: str, limit: int = 4 * 2**20) -> bytes:
    with archive.open(name) as f:
        data = f.read(limit + 1)
    if len(data) > limit:
        raise refuse(f"the part {name} is unusually large; the workbook was not opened")
    _no_dtd(data, name)
    return data


def _no_dtd(chunk: bytes, name: str) -> None:
    if b"!" in chunk and any(mark in chunk for mark in _DTD_MARKS):  # one-byte search first: fast
        raise refuse(f"the part {name} declares XML entities (<!DOCTYPE>/<!ENTITY>), which Excel never writes; "
                     "the workbook was not opened")


def _scan(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, each) -> None:
    """Stream one part in chunks (with a small overlap so a mark split across chunks is seen)."""
    tail = b""
    try:
        with archive.open(entry) as f:
            while True:
                block = f.read(CHUNK)
                if not block:
                    break
                chunk = tail + block
                _no_dtd(chunk, entry.filename)
                each(chunk, len(tail))
                tail = chunk[-4096:]
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError):
        raise refuse(f"the part {entry.filename} is damaged; export the workbook again and upload the new file") \
            from None


def _check_shared_strings(archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> None:
    if entry.file_size > MAX_SHARED_STRINGS_BYTES:
        raise refuse("the workbook's shared text table is too large to read safely; the file was not opened")
    count = 0

    def each(chunk: bytes, overlap: int) -> None:
        nonlocal count
        count += len(_SI_RE.findall(chunk, overlap - 4 if overlap else 0))
        if count > MAX_SHARED_STRINGS:
            raise refuse(f"the workbook's shared text table holds more than {MAX_SHARED_STRINGS:,} entries; "
                         "the file was not opened")
    _scan(archive, entry, each)


def _check_worksheet(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, sheet: str) -> list[tuple[int, int]]:
    """Reject a sheet reaching far rows or columns (the reader would make it dense); find formula cells."""
    state = {"rows": 0, "cols": 0, "first": True}
    formulas: list[tuple[int, int]] = []

    def too_big(rows: int, cols: int) -> None:
        if rows > MAX_ROWS or cols > MAX_COLUMNS or rows * cols > MAX_CELLS:
            raise refuse(f"the sheet {sheet!r} reaches row {rows:,} / column {cols:,}; this app reads at most "
                         f"{MAX_ROWS:,} rows and {MAX_COLUMNS} columns. Delete the far-away cells "
                         "(Ctrl+End shows them) and upload again")

    def each(chunk: bytes, overlap: int) -> None:
        if state["first"]:
            state["first"] = False
            m = _DIMENSION_RE.search(chunk, 0, 65536)
            if m and m.group(4):
                too_big(int(m.group(4)), column_number(m.group(3)))
        start = max(overlap - 64, 0)
        # Fast path: no reference with two or more column letters or six or more row digits, written the
        # usual way (' r="'): then the sheet stays under 26 columns x 99,999 rows. Otherwise look closely.
        unusual = _FAR_REF_RE.search(chunk, start) or any(
            mark[:1] in chunk and mark in chunk for mark in _ODD_SPACING)  # one-byte search first: fast
        if unusual:
            for letters, number in _ANY_REF_RE.findall(chunk, start):
                state["rows"] = max(state["rows"], int(number))
                if letters:
                    state["cols"] = max(state["cols"], column_number(letters))
            too_big(state["rows"], max(state["cols"], 26))
        if _may_hold_formulas(chunk):
            for m in _FORMULA_NO_VALUE_RE.finditer(chunk, overlap):
                formulas.append((int(m.group(2)), column_number(m.group(1))))

    _scan(archive, entry, each)
    return formulas


def _may_hold_formulas(chunk: bytes) -> bool:
    """Whether a chunk may hold a formula element (<f>, <f .../>, <x:f>): a quick pre-check.

    Looking for 'f' followed by '>', '/' or white space is fast since those are rare in sheet
    XML; each hit is checked for '<' or ':' before it. Text full of such hits falls back to
    a plain search, so a hostile file cannot make this slow.
    """
    for hits, m in enumerate(_F_END_RE.finditer(chunk)):
        if hits > 256:
            return b"<f" in chunk or b":f" in chunk
        at = m.start()
        if at and chunk[at - 1] in b"<:":
            return True
    return False


def _sheet_parts(archive: zipfile.ZipFile, names: set[str]) -> dict[str, str]:
    """Sheet name -> its XML part, from xl/workbook.xml and its relationships."""
    workbook = _read_small(archive, "xl/workbook.xml")
    rels_name = "xl/_rels/workbook.xml.rels"
    rels = _read_small(archive, rels_name) if rels_name in names else b""
    targets = {}
    for m in _REL_RE.finditer(rels):
        attrs = dict(_ATTR_RE.findall(m.group(1)))
        target = attrs.get(b"Target", b"").decode("utf-8", "replace")
        target = target.lstrip("/") if target.startswith("/") else "xl/" + target
        targets[attrs.get(b"Id", b"").decode()] = target
    parts = {}
    for m in _SHEET_TAG_RE.finditer(workbook):
        attrs = dict(_ATTR_RE.findall(m.group(1)))
        rid = next((v for k, v in attrs.items() if k.endswith(b":id")), b"").decode()
        name = html.unescape(attrs.get(b"name", b"").decode("utf-8", "replace"))
        if rid in targets:
            parts[name] = targets[rid]
    return parts
