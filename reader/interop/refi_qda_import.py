"""REFI-QDA codebook import: a `.qdc` from NVivo, ATLAS.ti, MAXQDA, QualCoder or Taguette as tags.

Read as real tools write them, not only as the schema says:
- the namespace `urn:QDA-XML:codebook:1.0`, NVivo for Mac's `urn:QDA-XML:codebook:1:0`, ATLAS.ti's
  `urn:QDA-XML:codebook:0:4` (and a file with none) are read alike;
- nested `Code`s become a tag hierarchy; a code with `isCodable="false"` (a folder) becomes a
  parent tag like any other, and two codes with the same name under different parents stay two
  tags; a name with "/" in it (Taguette writes its hierarchy as flat `a/b` names) becomes a path;
- `#RRGGBB` and `#RGB` colours are kept; a colour that is neither gets a palette colour, with a
  warning; `Description` becomes the tag's description;
- `Sets` are reported and skipped (reader has none); an empty `<Sets/>` (Taguette) is ignored.

Tags are matched to the codebook by path, case-insensitively: one that is there already is left
as it is, so importing the same file twice adds nothing. The import is one undoable step.

The XML is parsed by expat without a DTD: a file declaring a DOCTYPE or entities is refused
before anything is expanded, and nothing is ever fetched from the network.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

from reader.core.codebook import SEPARATOR, CodebookError, clean_tag_name, next_colour
from reader.core.store import AnnotationStore
from reader.interop.outcomes import ExchangeError

KNOWN_NAMESPACES = (
    "urn:QDA-XML:codebook:1.0",  # the standard
    "urn:QDA-XML:codebook:1:0",  # NVivo for Mac
    "urn:QDA-XML:codebook:0:4",  # ATLAS.ti
)
# A codebook of tens of thousands of codes is a few megabytes; more is not a codebook.
MAX_CODEBOOK_BYTES = 32 * 1024 * 1024
_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{3})")


class QdcImportError(ExchangeError):
    """A file that cannot be read as a REFI-QDA codebook; str() is one line naming it."""


@dataclass
class QdcImportReport:
    """What a codebook import did: tags created and found, and what it left aside."""

    created: list[str] = field(default_factory=list)  # tag paths, in creation order
    existing: list[str] = field(default_factory=list)  # tag paths the codebook had already
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Code:
    """A code as read: its tag path, colour, description and the file's GUID for it."""

    path: tuple[str, ...]
    colour: str | None
    description: str
    guid: str = ""


def _local(tag: str) -> tuple[str, str]:
    """(namespace, local name) of an ElementTree tag."""
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return "", tag


def _refuse_dtd(data: bytes, name: str, what: str = "a codebook") -> None:
    """Refuse a DOCTYPE or entity declaration before anything is expanded (billion laughs,
    external entities): a REFI-QDA file (`what`) needs neither."""
    parser = expat.ParserCreate()

    def refuse(*_args: object) -> None:
        raise QdcImportError(f"{name}: declares a DOCTYPE or entities, which {what} does "
                             "not need; refused")

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse  # type: ignore[assignment]
    try:
        parser.Parse(data, True)
    except expat.ExpatError as error:
        raise QdcImportError(f"{name}: not well-formed XML ({error})") from None


def read_codebook(data: bytes, name: str) -> tuple[list[Code], list[str]]:
    """The codes of a `.qdc`, parents before children, and warnings about what was left aside."""
    if len(data) > MAX_CODEBOOK_BYTES:
        raise QdcImportError(f"{name}: {len(data):,} bytes is too large for a codebook")
    _refuse_dtd(data, name)
    root = ET.fromstring(data)
    namespace, local = _local(root.tag)
    if local != "CodeBook":
        what = "a REFI-QDA project (.qdpx/.qde)" if local == "Project" else f"<{local}>"
        raise QdcImportError(f"{name}: not a REFI-QDA codebook (it is {what})")
    warnings: list[str] = []
    if namespace not in KNOWN_NAMESPACES:
        warnings.append(f"{name}: unfamiliar namespace {namespace or '(none)'!r}; read as a "
                        "REFI-QDA codebook")
    codes, code_warnings, unnamed = codes_of(root)
    warnings += code_warnings
    if not codes and not unnamed:
        raise QdcImportError(f"{name}: the codebook holds no codes")
    return codes, warnings


def codes_of(root: ET.Element) -> tuple[list[Code], list[str], int]:
    """The codes under a `CodeBook` element (of a `.qdc` or a project, in any namespace),
    parents before children, warnings about what was left aside (its `Sets` among them), and
    how many codes were skipped for want of a usable name."""
    warnings: list[str] = []
    codes: list[Code] = []
    skipped_names = 0
    bad_colours: list[str] = []

    def walk(element: ET.Element, parent: tuple[str, ...]) -> None:
        nonlocal skipped_names
        for child in element:
            if _local(child.tag)[1] != "Code":
                continue
            raw_name = child.get("name", "")
            try:
                parts = tuple(clean_tag_name(part) for part in raw_name.split(SEPARATOR))
            except CodebookError:
                skipped_names += 1  # and its children with it: they have no parent to go under
                continue
            path = parent + parts
            colour = child.get("color")
            if colour is not None and not _COLOUR.fullmatch(colour.strip()):
                bad_colours.append(f"{SEPARATOR.join(path)} ({colour!r})")
                colour = None
            description = ""
            for item in child:
                if _local(item.tag)[1] == "Description":
                    description = (item.text or "").strip()
            codes.append(Code(path, _expand(colour) if colour else None, description,
                              child.get("guid", "").strip().strip("{}").upper()))
            walk(child, path)

    for codes_element in root:
        if _local(codes_element.tag)[1] == "Codes":
            walk(codes_element, ())
    if skipped_names:
        warnings.append(f"{skipped_names} code(s) without a usable name skipped (with any codes "
                        "under them)")
    if bad_colours:
        warnings.append("colours that are not #RRGGBB replaced by palette colours: "
                        + ", ".join(bad_colours))
    sets = [element for element in root if _local(element.tag)[1] == "Sets"]
    set_count = sum(1 for sets_element in sets for element in sets_element
                    if _local(element.tag)[1] == "Set")
    if set_count:
        warnings.append(f"{set_count} set(s) skipped: reader has no sets of codes")
    return codes, warnings, skipped_names


def _expand(colour: str) -> str:
    value = colour.strip().lower()
    if len(value) == 4:  # #RGB
        value = "#" + "".join(digit * 2 for digit in value[1:])
    return value


def import_qdc(store: AnnotationStore, source: Path) -> QdcImportReport:
    """Add the codebook's codes that the store lacks as tags, in one undoable step."""
    try:
        data = source.read_bytes()
    except OSError as error:
        raise QdcImportError(f"{source}: {error.strerror or error}") from None
    try:
        codes, warnings = read_codebook(data, source.name)
    except ET.ParseError as error:
        raise QdcImportError(f"{source.name}: not well-formed XML ({error})") from None
    report = QdcImportReport(warnings=warnings)
    with store.batch(f"import codebook {source.name}"):
        add_codes(store, codes, report)
    return report


def add_codes(store: AnnotationStore, codes: list[Code], report: QdcImportReport
              ) -> dict[str, str]:
    """Create the codes the store lacks as tags (inside the caller's batch), noting in `report`
    what was created and what was there; the tag id of each code's GUID."""
    by_guid: dict[str, str] = {}
    for code in codes:
        path = SEPARATOR.join(code.path)
        codebook = store.codebook()
        found = codebook.find(path)
        if found is None:
            before = {tag.id for tag in codebook}
            # By exact path: a top-level "Joy" is not the "Emotion/Joy" the codebook may have.
            found = store.create_tag(path, colour=code.colour or next_colour(codebook.colours()),
                                     description=code.description)
            after = store.codebook()
            report.created += [after.path(made) for made in after if made.id not in before]
        elif path not in report.existing and path not in report.created:
            report.existing.append(path)
        if code.guid:
            by_guid[code.guid] = found.id
    return by_guid
