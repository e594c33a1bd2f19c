"""Access to an .xlsx/.xlsm package, shared by the reader and the writer.

The zip is opened once and checked before any part is trusted: legacy and
password-protected files, entries that point outside the package, duplicate or
overlapping entries, too many parts; every part is inflated in chunks counted against
the :class:`~kpi_xl.limits.Limits` (total size, compression ratio), whatever the zip's
directory declares.  XML parts are parsed without entities, DTDs or network access.
Failures are :class:`WorkbookReadError` sentences naming the file.
"""
from __future__ import annotations

import posixpath
import queue
import re
import struct
import threading
import zipfile
import zlib
from typing import Dict, List, Optional, Set, Tuple

from lxml import etree

from kpi_xl.errors import UserFacingError

from ..limits import DEFAULT_LIMITS, RATIO_FLOOR, Limits

__all__ = ["MAIN_NS", "STRICT_MAIN_NS", "REL_NS", "STRICT_REL_NS", "PKG_REL_NS", "CT_NS",
           "WorkbookReadError", "WorkbookTooLarge", "Package", "as_utf8", "has_dtd",
           "local_name", "workbook_part", "main_prefix", "other_encoding", "XML_PARSER",
           "OLE_MAGIC"]

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRICT_MAIN_NS = "http://purl.oclc.org/ooxml/spreadsheetml/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
STRICT_REL_NS = "http://purl.oclc.org/ooxml/officeDocument/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"

# Parts are inflated _INFLATE_CHUNK bytes at a time, each counted against the limits;
# _AHEAD_CHUNK (never more than _INFLATE_CHUNK) when inflated ahead of their reader
# (Package.inflate_into), three pieces being held at once then (the one read, the one
# waiting, the one being inflated).
_INFLATE_CHUNK = 4 * 1024 * 1024
_AHEAD_CHUNK = 1024 * 1024


class WorkbookReadError(UserFacingError):
    """A workbook that cannot be read; the message is a finished sentence naming the file."""

    def __init__(self, path, problem: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path} {problem}")


class WorkbookTooLarge(WorkbookReadError):
    """A workbook over one of the :class:`~kpi_xl.limits.Limits`; the message names the flag."""


_ENCODING_DECL = re.compile(rb"""^<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def other_encoding(data: bytes) -> Optional[str]:
    """The encoding of an XML part that begins with ``data``, None for UTF-8."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16"
    if data[:4] == b"<\x00?\x00":
        return "utf-16-le"
    if data[:4] == b"\x00<\x00?":
        return "utf-16-be"
    m = _ENCODING_DECL.match(data[:200])
    if m is None or m.group(1).lower().replace(b"_", b"-") in (b"utf-8", b"utf8", b"us-ascii",
                                                               b"ascii"):
        return None
    return m.group(1).decode()


def as_utf8(data: bytes, path="", part="") -> bytes:
    """An XML part's bytes re-encoded as UTF-8 (declaration included) when written in
    UTF-16 or another declared encoding; the byte scanners read UTF-8 only."""
    if data[:3] == b"\xef\xbb\xbf":
        return data[3:]
    encoding = other_encoding(data)
    if encoding is None:
        return data
    try:
        text = data.decode(encoding)
    except (LookupError, UnicodeDecodeError) as exc:
        raise WorkbookReadError(path, f"has a part {part} that is not in the encoding it "
                                f"declares ({exc}).") from None
    text = text.lstrip("\ufeff")
    text = re.sub(r"""^(<\?xml[^>]*?\sencoding\s*=\s*)(["'])[^"']*\2""", r"\1\2UTF-8\2", text,
                  count=1)
    return text.encode("utf-8")


XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                          remove_comments=True, remove_pis=True)

_FIRST_ELEMENT = re.compile(rb"<[A-Za-z_]")


def has_dtd(data: bytes) -> bool:
    root_at = _FIRST_ELEMENT.search(data)
    return b"<!DOCTYPE" in data[:root_at.start() if root_at else len(data)]


OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")


def _name_bytes(info: zipfile.ZipInfo) -> int:
    try:
        return len(info.filename.encode("utf-8" if info.flag_bits & 0x800 else "cp437"))
    except UnicodeEncodeError:
        return 0


class _Stopped(Exception):
    """The caller of Package.inflate_into stopped taking the part's pieces."""


class Package:
    """One opened, checked package: parts found by name (any case), read within the limits."""

    def __init__(self, path, limits: Optional[Limits] = None):
        self.path = str(path)
        self.limits = limits or DEFAULT_LIMITS
        self.unpacked = 0        # bytes inflated so far, all parts together
        self.inflated: Set[str] = set()
        try:
            with open(path, "rb") as fh:
                head = fh.read(8)
        except FileNotFoundError:
            raise WorkbookReadError(path, "does not exist.") from None
        except IsADirectoryError:
            raise WorkbookReadError(path, "is a folder, not a workbook file.") from None
        except OSError as exc:
            raise WorkbookReadError(path, f"cannot be opened: {exc.strerror or exc}.") from None
        if head.startswith(OLE_MAGIC):
            with open(path, "rb") as fh:
                blob = fh.read(4 * 1024 * 1024)
            if _ENCRYPTED_STREAM in blob:
                raise WorkbookReadError(
                    path, "is password-protected; remove the password in Excel and save it again.")
            raise WorkbookReadError(
                path, "is a legacy .xls workbook; save it as .xlsx or .xlsm in Excel first.")
        self._check_directory_size()
        try:
            self.zip = zipfile.ZipFile(path)
        except zipfile.BadZipFile:
            raise WorkbookReadError(path, "is not an .xlsx/.xlsm workbook (not a zip package).") \
                from None
        except (OSError, ValueError, EOFError) as exc:
            raise WorkbookReadError(path, f"is a damaged zip package ({exc}).") from None
        try:
            self._check_entries()
        except BaseException:
            self.zip.close()
            raise
        self.names = set(self.zip.namelist())
        self._lower = {n.lower(): n for n in self.names}

    def _too_many_parts(self, count) -> WorkbookTooLarge:
        return WorkbookTooLarge(self.path, f"has {count:,} or more parts in its zip package, "
                                f"more than the limit of {self.limits.max_parts:,}; refusing to "
                                "read it (raise the limit with --max-parts if the file is "
                                "genuine).")

    def _check_directory_size(self):
        # The zip's directory is listed whole when the package is opened: a package of a
        # million entries is refused from its end record, before it is listed.
        try:
            with open(self.path, "rb") as fh:
                end = zipfile._EndRecData(fh)
        except (AttributeError, OSError, struct.error, ValueError):
            return
        if not end:
            return   # not a zip: opening it says so
        entries, dir_size = end[zipfile._ECD_ENTRIES_TOTAL], end[zipfile._ECD_SIZE]
        # 46 bytes of fixed fields per entry, and room for a long name and extras.
        if entries > self.limits.max_parts or dir_size > self.limits.max_parts * 1200:
            raise self._too_many_parts(max(entries, dir_size // 1200))

    def _check_entries(self):
        infos = self.zip.infolist()
        if len(infos) > self.limits.max_parts:
            raise self._too_many_parts(len(infos))
        seen: Dict[str, str] = {}
        for info in infos:
            name = info.filename
            if info.flag_bits & 0x01:
                raise WorkbookReadError(
                    self.path, f"is a zip package with a password ({name} is encrypted); "
                    "workbooks are never zipped with a password: unzip it with its password, "
                    "or open and save the original in Excel.")
            folded = name.casefold()
            if folded in seen:
                raise WorkbookReadError(
                    self.path, f"has two zip entries named {name}; a sound workbook holds each "
                    "part once, and which copy is meant cannot be told, so it is refused.")
            seen[folded] = name
            if name.startswith(("/", "\\")) or ".." in re.split(r"[/\\]", name) or \
                    re.match(r"[A-Za-z]:", name) or "\x00" in name:
                raise WorkbookReadError(
                    self.path, f"has a zip entry named {name!r}, which points outside the "
                    "package; a workbook never has one, so it is refused.")
        # Entries sharing their compressed data (the overlapping-entries zip bomb): each
        # entry's data must end before the next entry's header begins.
        ordered = sorted(infos, key=lambda i: i.header_offset)
        for prev, nxt in zip(ordered, ordered[1:]):
            if nxt.header_offset < prev.header_offset + 30 + _name_bytes(prev) \
                    + prev.compress_size:
                raise WorkbookReadError(
                    self.path, f"has zip entries {prev.filename} and {nxt.filename} that share "
                    "their data (overlapping entries, as in a zip bomb); refusing to read it.")

    def close(self):
        self.zip.close()

    def find(self, part: str) -> Optional[str]:
        if part in self.names:
            return part
        return self._lower.get(part.lower())  # zip names written by some tools differ in case

    def read(self, part: str) -> bytes:
        chunks: List[bytes] = []
        self.stream(part, chunks.append)
        return b"".join(chunks)

    def stream(self, part: str, sink):
        """Hand the part's bytes to ``sink`` in the pieces of a few MB they are inflated
        in, so that a reader working through them need not hold the whole part."""
        name = self.find(part)
        if name is None:
            raise KeyError(part)
        self.inflate_into(self.zip.getinfo(name), sink)

    def inflate_into(self, info: zipfile.ZipInfo, sink=None):
        """Hand the part's bytes to ``sink`` piece by piece, counted while they are
        inflated (the zip's declared sizes are not trusted); None discards them.  A part
        of several pieces is inflated a piece ahead, in a thread of its own (zlib lets go
        of the interpreter while it inflates), while ``sink`` works in the caller's."""
        if sink is None or info.file_size <= _INFLATE_CHUNK:
            self._inflate(info, sink)
            return
        ahead: "queue.Queue" = queue.Queue(maxsize=1)
        stop = threading.Event()

        def hand_on(chunk):
            if stop.is_set():
                raise _Stopped
            ahead.put((chunk, None))

        def inflate():
            try:
                self._inflate(info, hand_on, min(_AHEAD_CHUNK, _INFLATE_CHUNK))
                ahead.put((None, None))
            except BaseException as exc:   # raised again in the caller
                ahead.put((None, exc))

        thread = threading.Thread(target=inflate, name="kpi-xl inflate", daemon=True)
        thread.start()
        try:
            while True:
                chunk, error = ahead.get()
                if error is not None:
                    raise error
                if chunk is None:
                    break
                sink(chunk)
        finally:
            stop.set()
            while thread.is_alive():   # let it past a full queue
                try:
                    ahead.get(timeout=0.05)
                except queue.Empty:
                    pass
            thread.join()

    def _inflate(self, info: zipfile.ZipInfo, sink, size: int = _INFLATE_CHUNK):
        """inflate_into, in the calling thread, ``size`` bytes at a time."""
        limits = self.limits
        budget = limits.max_unpacked_bytes - self.unpacked
        ratio_cap = limits.max_ratio * max(info.compress_size, 1)
        name = info.filename
        n = 0
        try:
            with self.zip.open(info) as fh:
                while True:
                    chunk = fh.read(size)
                    if not chunk:
                        break
                    n += len(chunk)
                    if n > budget:
                        raise WorkbookTooLarge(
                            self.path, f"inflates to more than {limits.max_unpacked_mb:g} MB "
                            f"(the limit; reached in {name}); refusing to read it (raise the "
                            "limit with --max-unpacked-mb if the file is genuine).")
                    if n > RATIO_FLOOR and n > ratio_cap:
                        raise WorkbookTooLarge(
                            self.path, f"has a part ({name}) that expands more than "
                            f"{limits.max_ratio:g} times its compressed size (a zip bomb); "
                            "refusing to read it (raise the limit with --max-ratio if the "
                            "file is genuine).")
                    if sink is not None:
                        sink(chunk)
        except RuntimeError as exc:   # zipfile's word for an encrypted entry
            raise WorkbookReadError(self.path, f"is a zip package with a password ({name} "
                                    f"is encrypted: {exc}).") from None
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError,
                NotImplementedError, struct.error) as exc:
            raise WorkbookReadError(self.path, f"is a damaged zip package: {name} "
                                    f"cannot be read ({exc}).") from None
        if n != info.file_size:
            declared = (f"{info.file_size // 2**20} MB" if info.file_size >= 2**20
                        else f"{info.file_size:,} bytes")
            raise WorkbookReadError(
                self.path, f"has a part ({name}) whose size in the zip's directory ({declared}) "
                f"is not its real size ({n:,} bytes); the package is damaged or forged, so it "
                "is refused.")
        self.unpacked += n
        self.inflated.add(name)

    def check_unread(self):
        """Inflate, without keeping, every part not read yet: a bomb or a damaged part is
        found before any output is written, within the same limits."""
        for info in self.zip.infolist():
            if info.filename not in self.inflated and not info.is_dir():
                self.inflate_into(info)

    def text(self, part: str) -> bytes:
        """The part as UTF-8 bytes, whatever encoding it declares."""
        return as_utf8(self.read(part), self.path, part)

    def xml(self, part: str):
        data = self.text(part)
        if has_dtd(data):
            # No OOXML part has a DTD; one here is an entity-expansion attack.
            raise WorkbookReadError(self.path, f"has a part {part} with a DTD (entity "
                                    "declarations, as in an XML bomb); refusing to read it.")
        try:
            root = etree.fromstring(data, XML_PARSER)
        except etree.XMLSyntaxError as exc:
            # libxml2's advice to its callers means nothing to the file's owner.
            detail = str(exc).replace(", use XML_PARSE_HUGE option", "").replace(
                " (<string>, line 1)", "")
            raise WorkbookReadError(self.path, f"has a damaged part {part} ({detail}).") from None
        return root

    def rels(self, part: str) -> Dict[str, Tuple[str, str, str]]:
        """Relationships of ``part``: id -> (type, resolved target, target mode)."""
        folder, base = posixpath.split(part)
        rels_part = posixpath.join(folder, "_rels", base + ".rels")
        if self.find(rels_part) is None:
            return {}
        root = self.xml(rels_part)
        out = {}
        for rel in root:
            if not isinstance(rel.tag, str) or etree.QName(rel).localname != "Relationship":
                continue
            target = rel.get("Target", "")
            mode = rel.get("TargetMode", "Internal")
            if mode != "External":
                if target.startswith("/"):
                    target = target.lstrip("/")
                else:
                    target = posixpath.normpath(posixpath.join(folder, target))
            out[rel.get("Id")] = (rel.get("Type", ""), target, mode)
        return out


def local_name(tag) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def workbook_part(pkg: Package) -> str:
    for rel_type, target, _mode in pkg.rels("").values():
        if rel_type.endswith("/officeDocument") and pkg.find(target):
            return pkg.find(target)
    found = pkg.find("xl/workbook.xml")
    if found:
        return found
    raise WorkbookReadError(pkg.path, "has no workbook part (xl/workbook.xml is missing); "
                            "it is not a spreadsheet package or it is damaged.")


_ROOT_TAG_RE = re.compile(rb"<(?![?!])(?:([\w.-]+):)?[\w.-]+[\s>/]")


def main_prefix(xml: bytes) -> bytes:
    """The namespace prefix of the root element, with its colon (b"" when unprefixed)."""
    m = _ROOT_TAG_RE.search(xml)
    return m.group(1) + b":" if m and m.group(1) else b""
