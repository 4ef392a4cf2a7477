"""The workbook as a package of parts: read safely, write by copying every part byte for byte.

openpyxl's load-and-save drops shapes, extension lists, comment layout and custom properties,
so a refresh never goes through it. Here an .xlsx/.xlsm is a zip of parts: we parse only the few
we must (workbook.xml, its relationships, content types, styles, and our own sheets), with
defusedxml and size limits, and write a new package that copies every other part's compressed
bytes unchanged (no recompression, so refresh time does not grow with the analyst's sheets).
"""

from __future__ import annotations

import os
import re
import struct
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from rerating.errors import WorkbookError

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
NS_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
CALC_CHAIN_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/calcChain"


@dataclass(frozen=True)
class Limits:
    """What a workbook may declare before we refuse to open it (zip bombs, absurd files)."""

    max_members: int = 10_000
    max_total_bytes: int = 2 << 30  # declared uncompressed size of all parts
    max_parsed_part_bytes: int = 64 << 20  # a part we decompress and parse
    max_ratio: float = 200.0  # uncompressed / compressed, for parts over 1 MB


LIMITS = Limits()


@dataclass(frozen=True)
class SheetRef:
    name: str
    part: str  # e.g. "xl/worksheets/sheet2.xml"
    state: str  # visible, hidden, veryHidden
    rel_id: str


def _q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


class Package:
    """A workbook file opened for reading its structure. Use as a context manager."""

    def __init__(self, path: Path, limits: Limits = LIMITS) -> None:
        self.path = Path(path)
        self.limits = limits
        if not self.path.exists():
            raise WorkbookError(f"{self.path} does not exist")
        if self.path.is_dir():
            raise WorkbookError(f"{self.path} is a folder, not a workbook")
        try:
            self.zip = zipfile.ZipFile(self.path)
        except zipfile.BadZipFile:
            head = self.path.read_bytes()[:8]
            if head.startswith(b"\xd0\xcf\x11\xe0"):
                raise WorkbookError(f"{self.path.name} is an encrypted or legacy (.xls) workbook; "
                                    "save it as .xlsx or .xlsm without a password") from None
            raise WorkbookError(f"{self.path.name} is not a workbook (not an .xlsx/.xlsm package)") from None
        except OSError as exc:
            raise WorkbookError(f"cannot read {self.path}: {exc.strerror or exc}") from None
        try:
            self._check_limits()
            self.infos = self.zip.infolist()
            self.names = {i.filename for i in self.infos}
            for required in ("[Content_Types].xml", "xl/workbook.xml"):
                if required not in self.names:
                    raise WorkbookError(f"{self.path.name} is not an Excel workbook (no {required})")
        except BaseException:
            self.zip.close()
            raise

    def __enter__(self) -> Package:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.zip.close()

    def _check_limits(self) -> None:
        infos = self.zip.infolist()
        lim = self.limits
        if len(infos) > lim.max_members:
            raise WorkbookError(f"{self.path.name} has {len(infos):,} parts; the limit is {lim.max_members:,}")
        total = sum(i.file_size for i in infos)
        if total > lim.max_total_bytes:
            raise WorkbookError(f"{self.path.name} would expand to {total / 2**20:,.0f} MB; "
                                f"the limit is {lim.max_total_bytes / 2**20:,.0f} MB")
        for i in infos:
            if i.flag_bits & 0x1:
                raise WorkbookError(f"{self.path.name} has encrypted parts")
            if i.file_size > 1 << 20 and i.file_size > lim.max_ratio * max(i.compress_size, 1):
                raise WorkbookError(f"{self.path.name}: part {i.filename} expands "
                                    f"{i.file_size / max(i.compress_size, 1):,.0f}x (a zip bomb?)")
            if i.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise WorkbookError(f"{self.path.name}: part {i.filename} uses an unknown compression")

    # -- reading parts -------------------------------------------------------------------------
    def read(self, name: str) -> bytes:
        """One part's bytes (only parts we must parse; size-checked)."""
        info = self.zip.getinfo(name)
        if info.file_size > self.limits.max_parsed_part_bytes:
            raise WorkbookError(f"{self.path.name}: part {name} is {info.file_size / 2**20:,.0f} MB; "
                                f"the limit for parts read is {self.limits.max_parsed_part_bytes >> 20} MB")
        with self.zip.open(name) as f:
            data = f.read(self.limits.max_parsed_part_bytes + 1)
        if len(data) > self.limits.max_parsed_part_bytes:
            raise WorkbookError(f"{self.path.name}: part {name} is larger than it declares")
        return data

    def xml(self, name: str) -> Element:
        """A part parsed with XML attack protection (no entities, no external references)."""
        try:
            return SafeET.fromstring(self.read(name), forbid_dtd=True)
        except DefusedXmlException as exc:
            raise WorkbookError(f"{self.path.name}: part {name} is hostile XML ({type(exc).__name__})") from None
        except SafeET.ParseError as exc:
            raise WorkbookError(f"{self.path.name}: part {name} is not well-formed XML ({exc})") from None

    def workbook_rels(self) -> dict[str, tuple[str, str]]:
        """Relationship id -> (type, part path) for xl/workbook.xml."""
        name = "xl/_rels/workbook.xml.rels"
        if name not in self.names:
            raise WorkbookError(f"{self.path.name} has no workbook relationships part")
        out = {}
        for rel in self.xml(name).iter(_q(NS_PKG_REL, "Relationship")):
            target = rel.get("Target", "")
            if rel.get("TargetMode") == "External":
                continue
            path = target.lstrip("/") if target.startswith("/") else \
                str(PurePosixPath("xl") / target)
            out[rel.get("Id", "")] = (rel.get("Type", ""), _normpath(path))
        return out

    def sheets(self) -> list[SheetRef]:
        rels = self.workbook_rels()
        out = []
        root = self.xml("xl/workbook.xml")
        for s in root.iter(_q(NS_MAIN, "sheet")):
            rid = s.get(_q(NS_REL, "id"), "")
            if rid not in rels:
                raise WorkbookError(f"{self.path.name}: sheet {s.get('name')!r} points at a missing part")
            out.append(SheetRef(s.get("name", ""), rels[rid][1], s.get("state", "visible"), rid))
        return out

    def defined_names(self) -> dict[str, str]:
        """Workbook-level defined names -> their reference text (sheet-scoped names left out)."""
        root = self.xml("xl/workbook.xml")
        return {d.get("name", ""): (d.text or "") for d in root.iter(_q(NS_MAIN, "definedName"))
                if d.get("localSheetId") is None}

    def shared_strings(self) -> list[str]:
        rels = self.workbook_rels()
        part = next((p for t, p in rels.values() if t.endswith("/sharedStrings")), None)
        if part is None or part not in self.names:
            return []
        out = []
        for si in self.xml(part).iter(_q(NS_MAIN, "si")):
            out.append("".join(t.text or "" for t in si.iter(_q(NS_MAIN, "t"))))
        return out


def _normpath(path: str) -> str:
    parts: list[str] = []
    for p in path.split("/"):
        if p == "..":
            if parts:
                parts.pop()
        elif p and p != ".":
            parts.append(p)
    return "/".join(parts)


# -- reading cells of a sheet we wrote ------------------------------------------------------------
_CELL_RE = re.compile(r"([A-Z]+)(\d+)")


def col_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def col_letters(n: int) -> str:
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def read_cells(pkg: Package, part: str) -> dict[tuple[int, int], object]:
    """Values of a worksheet part as {(row, col): value} (numbers as float, text as str).

    Used for the tool's own sheets (meta, changes), which Excel or LibreOffice may have
    re-saved with shared strings."""
    strings: list[str] | None = None
    out: dict[tuple[int, int], object] = {}
    for c in pkg.xml(part).iter(_q(NS_MAIN, "c")):
        m = _CELL_RE.fullmatch(c.get("r", ""))
        if not m:
            continue
        key = (int(m.group(2)), col_number(m.group(1)))
        t = c.get("t", "n")
        v = c.find(_q(NS_MAIN, "v"))
        if t == "inlineStr":
            out[key] = "".join(x.text or "" for x in c.iter(_q(NS_MAIN, "t")))
        elif v is None or v.text is None:
            continue
        elif t == "s":
            if strings is None:
                strings = pkg.shared_strings()
            i = int(v.text)
            out[key] = strings[i] if 0 <= i < len(strings) else ""
        elif t in ("str", "e"):
            out[key] = v.text
        elif t == "b":
            out[key] = v.text == "1"
        else:
            try:
                out[key] = float(v.text)
            except ValueError:
                out[key] = v.text
    return out


# -- writing: raw copy of untouched parts ---------------------------------------------------------
def _dos_datetime(dt: tuple[int, int, int, int, int, int]) -> tuple[int, int]:
    y, mo, d, h, mi, s = dt
    y = min(max(y, 1980), 2107)
    return (h << 11) | (mi << 5) | (s // 2), ((y - 1980) << 9) | (mo << 5) | d


@dataclass
class _Entry:
    name: bytes
    flags: int
    method: int
    time: int
    date: int
    crc: int
    csize: int
    usize: int
    offset: int
    version_needed: int
    create_version: int
    create_system: int
    internal_attr: int
    external_attr: int


def _local_header(e: _Entry) -> bytes:
    return struct.pack("<IHHHHHIIIHH", 0x04034B50, e.version_needed, e.flags, e.method, e.time,
                       e.date, e.crc, e.csize, e.usize, len(e.name), 0) + e.name


def write_package(src: Package, out: BinaryIO, replace: dict[str, bytes],
                  drop: Iterable[str] = (), add: dict[str, bytes] | None = None) -> None:
    """Write ``src`` to ``out`` with some parts replaced, dropped or added.

    Every other part is copied as its compressed bytes with its CRC, so it comes out
    byte-for-byte identical without being decompressed."""
    drop = set(drop)
    replace = dict(replace)  # consumed below; the caller's dict stays as it was
    add = dict(add or {})
    entries: list[_Entry] = []
    fp = src.zip.fp
    assert fp is not None
    pos = 0

    def emit(e: _Entry, data: bytes) -> None:
        nonlocal pos
        e.offset = pos
        head = _local_header(e)
        out.write(head)
        out.write(data)
        pos += len(head) + len(data)
        entries.append(e)

    def fresh(name: str, data: bytes, like: zipfile.ZipInfo | None) -> None:
        comp = zlib.compressobj(6, zlib.DEFLATED, -15)
        body = comp.compress(data) + comp.flush()
        t, d = _dos_datetime(like.date_time if like else (1980, 1, 1, 0, 0, 0))
        raw = name.encode("utf-8")
        flags = 0x800 if not raw.isascii() else 0
        emit(_Entry(raw, flags, zipfile.ZIP_DEFLATED, t, d, zlib.crc32(data) & 0xFFFFFFFF,
                    len(body), len(data), 0, 20, 20, 0, 0, 0), body)

    for info in src.infos:
        name = info.filename
        if name in drop:
            continue
        if name in replace:
            fresh(name, replace.pop(name), info)
            continue
        if info.file_size >= 0xFFFFFFFF or info.compress_size >= 0xFFFFFFFF:
            raise WorkbookError(f"{src.path.name}: part {name} is too large (zip64)")
        fp.seek(info.header_offset)
        head = fp.read(30)
        if len(head) < 30 or head[:4] != b"PK\x03\x04":
            raise WorkbookError(f"{src.path.name}: part {name} has a damaged header")
        n, m = struct.unpack("<HH", head[26:30])
        fp.seek(info.header_offset + 30 + n + m)
        data = fp.read(info.compress_size)
        if len(data) != info.compress_size:
            raise WorkbookError(f"{src.path.name}: part {name} is truncated")
        t, d = _dos_datetime(info.date_time)
        raw_name = name.encode("utf-8" if info.flag_bits & 0x800 else "cp437")
        emit(_Entry(raw_name, info.flag_bits & ~0x08, info.compress_type, t, d, info.CRC,
                    info.compress_size, info.file_size, 0, max(info.extract_version, 20),
                    info.create_version, info.create_system, info.internal_attr,
                    info.external_attr), data)
    for name, data in {**replace, **add}.items():
        fresh(name, data, None)
    cd_start = pos
    for e in entries:
        rec = struct.pack("<IBBHHHHHIIIHHHHHII", 0x02014B50, e.create_version, e.create_system,
                          e.version_needed, e.flags, e.method, e.time, e.date, e.crc, e.csize,
                          e.usize, len(e.name), 0, 0, 0, e.internal_attr, e.external_attr,
                          e.offset) + e.name
        out.write(rec)
        pos += len(rec)
    if len(entries) > 0xFFFF:
        raise WorkbookError("too many parts for a workbook")
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries),
                          pos - cd_start, cd_start, 0))


# -- small surgical edits on shared parts ---------------------------------------------------------
def with_full_calc_on_load(workbook_xml: bytes) -> bytes:
    """workbook.xml with ``fullCalcOnLoad="1"`` on calcPr, changing nothing else in the part."""
    text = workbook_xml.decode("utf-8")
    m = re.search(r"<(\w+:)?calcPr\b[^>]*?/?>", text)
    if m is None:
        # calcPr follows sheets, functionGroups, externalReferences, definedNames (CT_Workbook)
        prefix = re.search(r"<(\w+:)?workbook\b", text)
        p = (prefix.group(1) or "") if prefix else ""
        for el in ("definedNames", "externalReferences", "functionGroups", "sheets"):
            a = re.search(rf"</{p}{el}>|<{p}{el}\b[^>]*/>", text)
            if a:
                return (text[: a.end()] + f'<{p}calcPr fullCalcOnLoad="1"/>' + text[a.end():]).encode("utf-8")
        raise WorkbookError("workbook.xml has no sheets element")
    tag = m.group(0)
    if re.search(r'\bfullCalcOnLoad="(1|true)"', tag):
        return workbook_xml
    if "fullCalcOnLoad=" in tag:
        new = re.sub(r'fullCalcOnLoad="[^"]*"', 'fullCalcOnLoad="1"', tag)
    else:
        end = "/>" if tag.endswith("/>") else ">"
        new = tag[: -len(end)].rstrip() + ' fullCalcOnLoad="1"' + end
    return (text[: m.start()] + new + text[m.end():]).encode("utf-8")


def without_calc_chain(pkg: Package) -> tuple[dict[str, bytes], set[str]]:
    """Edits that drop xl/calcChain.xml (a cache Excel rebuilds; stale once cells change)."""
    rels = pkg.workbook_rels()
    chain = [(rid, p) for rid, (t, p) in rels.items() if t == CALC_CHAIN_TYPE]
    if not chain:
        return {}, set()
    rid, part = chain[0]
    rels_xml = pkg.read("xl/_rels/workbook.xml.rels").decode("utf-8")
    rels_xml = re.sub(r"<Relationship\b[^>]*\bId=\"" + re.escape(rid) + r"\"[^>]*/>", "", rels_xml)
    ct = pkg.read("[Content_Types].xml").decode("utf-8")
    ct = re.sub(r"<Override\b[^>]*PartName=\"/" + re.escape(part) + r"\"[^>]*/>", "", ct)
    return ({"xl/_rels/workbook.xml.rels": rels_xml.encode("utf-8"),
             "[Content_Types].xml": ct.encode("utf-8")}, {part} & pkg.names)


# -- files -----------------------------------------------------------------------------------------
def lock_owner(path: Path) -> str | None:
    """The application holding ``path`` open, if its lock file says so."""
    d, n = path.parent, path.name
    for lock, who in ((d / f"~${n}", "Excel"), (d / f"~${n[2:]}", "Excel"),
                      (d / f".~lock.{n}#", "LibreOffice")):
        if lock.exists():
            return who
    if os.name == "nt":  # Excel holds an exclusive handle on the file itself
        try:
            fd = os.open(path, os.O_RDWR)
        except PermissionError:
            return "another program"
        os.close(fd)
    return None
