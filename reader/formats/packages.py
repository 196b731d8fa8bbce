"""Zip packages (DOCX, ODT, EPUB) opened with sizes checked and XML parsed without entities."""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from html.entities import name2codepoint
from typing import TYPE_CHECKING

from reader.formats.base import DocumentError

if TYPE_CHECKING:
    from lxml import etree

# What a document package may inflate to: far above any real document's text and markup, far
# below what would hurt. Images are never inflated (no loader reads them) but count in the total.
MAX_MEMBERS = 20_000
MAX_MEMBER_BYTES = 128 << 20
MAX_TOTAL_BYTES = 1 << 30
# Real XML deflates about 5-20 to 1; a bomb's runs of one byte, about 1000 to 1.
MAX_RATIO = 200
_RATIO_FROM_BYTES = 1 << 20  # small members may compress very well (a run of spaces)


def open_package(data: bytes, kind: str) -> zipfile.ZipFile:
    """The zip package in `data`, once its declared sizes look like a document's.

    `kind` names the format in messages, with its article ("a Word document"). Python's
    zipfile never inflates a member past its declared size (and checks its CRC), so checking
    the declarations bounds what reading can cost.
    """
    if not data.startswith(b"PK\x03\x04"):
        raise DocumentError(f"is not {kind} (it is not a zip package; renamed or damaged?)")
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
        members = package.infolist()
    except (
        zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, ValueError, EOFError, OSError,
        NotImplementedError,
    ) as error:
        raise DocumentError(f"is damaged: not readable as {kind} ({error})") from None
    if len(members) > MAX_MEMBERS:
        raise DocumentError(f"is not {kind} reader can open safely ({len(members)} parts)")
    total = 0
    for member in members:
        total += member.file_size
        ratio = member.file_size / max(1, member.compress_size)
        if member.file_size > MAX_MEMBER_BYTES or (
            member.file_size > _RATIO_FROM_BYTES and ratio > MAX_RATIO
        ):
            raise DocumentError(
                f"is not {kind} reader can open safely: part {member.filename!r} would "
                f"inflate to {member.file_size:,} bytes (a zip bomb?)"
            )
    if total > MAX_TOTAL_BYTES:
        raise DocumentError(
            f"is not {kind} reader can open safely: it would inflate to {total:,} bytes"
        )
    return package


def read_member(package: zipfile.ZipFile, name: str, kind: str) -> bytes:
    """A part of the package, or a DocumentError saying it is missing or damaged."""
    try:
        return package.read(name)
    except KeyError:
        raise DocumentError(f"is not {kind} (it has no {name!r})") from None
    except (
        zipfile.BadZipFile, zlib.error, ValueError, EOFError, OSError, NotImplementedError
    ) as error:
        reason = f"is damaged: part {name!r} of {kind} is unreadable ({error})"
        raise DocumentError(reason) from None


# HTML's named character references (&nbsp;), which XHTML chapters use as if their DTD were
# loaded; the five XML ones are left to the parser.
_NAMED_REFERENCE = re.compile(rb"&([A-Za-z][A-Za-z0-9]{1,31});")
_XML_ENTITIES = frozenset({b"amp", b"lt", b"gt", b"quot", b"apos"})


def _numeric_reference(match: re.Match[bytes]) -> bytes:
    name = match.group(1)
    codepoint = name2codepoint.get(name.decode("ascii"))
    if name in _XML_ENTITIES or codepoint is None:
        return match.group()
    return b"&#%d;" % codepoint


def parse_xml(
    data: bytes, kind: str, *, recover: bool = False, html_entities: bool = False
) -> etree._Element:
    """An XML part's root element: entities never expanded, nothing fetched, no DTD loaded.

    `recover` reads past errors; `html_entities` reads HTML's named characters (&nbsp;) as
    the characters they name (one character each, so nothing can grow).
    """
    from lxml import etree

    if html_entities:
        data = _NAMED_REFERENCE.sub(_numeric_reference, data)

    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        recover=recover,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise DocumentError(f"is damaged: bad XML in {kind} ({error})") from None
    if root is None:
        raise DocumentError(f"is damaged: an empty XML part in {kind}")
    return root


def local_name(element: etree._Element) -> str:
    """An element's tag without its namespace ("p" for "{urn:...}p"); "" for entities."""
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def part_title(package: zipfile.ZipFile, name: str, kind: str) -> str:
    """The text of the first <title> (any namespace) in the metadata part `name`, read past
    XML errors; "" when the package has no such part."""
    if name not in package.namelist():
        return ""
    root = parse_xml(read_member(package, name, kind), kind, recover=True)
    for element in root.iter():
        if local_name(element) == "title":
            return "".join(element.itertext()).strip()
    return ""
