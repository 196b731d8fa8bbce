"""The export formats: one table from which the command line and the export dialog take theirs.

A new format is one `ExportFormat` entry in `EXPORT_FORMATS`: its exporter, the file suffix, a
one-line description and the options it takes. The command line builds `--format` choices and
option flags from the table, and the export dialog its format buttons and option fields.

Exporters are imported when they run, so reading the table (for `reader --help`) stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal, TextIO

if TYPE_CHECKING:
    from reader.core.store import AnnotationStore


class ExportError(ValueError):
    """An export that cannot be made or written; str() is one line for the user."""


@dataclass(frozen=True)
class ExportOutcome:
    """What an export wrote: `count` items of a kind (`what`, singular), and what was left out."""

    count: int
    what: str
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExportOption:
    """One option of one format, as a command-line flag and as a field of the export dialog.

    `kind` is "switch" (a flag that turns the option on), "negated switch" (a flag that turns an
    option that is on by default off) or "text" (a flag with a value).
    """

    name: str  # short and stable: the dialog's widget is `#export-<name>`
    keyword: str  # the exporter's keyword argument
    flag: str
    kind: Literal["switch", "negated switch", "text"]
    default: bool | str | None
    help: str
    label: str
    metavar: str = ""


# The exporter's signature: (store, destination, *, document_ids, tag_ids, **options). The
# destination is a file path (written atomically) or an open stream: a text stream for a text
# format, a binary one for a binary format.
Exporter = Callable[..., ExportOutcome]


@dataclass(frozen=True)
class ExportFormat:
    """An entry of the table: how to export, to which file suffix, with which options."""

    name: str
    label: str  # short, for the dialog's format buttons
    description: str
    suffix: str
    export: Exporter
    options: tuple[ExportOption, ...] = ()
    binary: bool = False  # a zip or other bytes: a file or a binary stream, never a terminal
    # Whether the format carries passages; a codebook alone ignores a choice of documents.
    has_documents: bool = True

    def option_values(self, given: dict[str, Any]) -> dict[str, Any]:
        """The exporter's keyword arguments: `given` (by keyword) over the defaults."""
        return {option.keyword: given.get(option.keyword, option.default)
                for option in self.options}


def _export_csv(
    store: AnnotationStore,
    destination: Path | TextIO,
    *,
    document_ids: Sequence[str] | None = None,
    tag_ids: Sequence[str] | None = None,
    excel: bool = False,
    formula_guard: bool = True,
) -> ExportOutcome:
    from reader.interop.csv_format import export_csv

    rows = export_csv(store, destination, document_ids=document_ids, tag_ids=tag_ids,
                      excel=excel, formula_guard=formula_guard)
    return ExportOutcome(rows, "row")


def _export_qdpx(store: AnnotationStore, destination: Path | IO[bytes], **filters: Any
                 ) -> ExportOutcome:
    from reader.interop.refi_qda import export_qdpx

    return export_qdpx(store, destination, **filters)


def _export_qdc(store: AnnotationStore, destination: Path | IO[str], **filters: Any
                ) -> ExportOutcome:
    from reader.interop.refi_qda import export_qdc

    return export_qdc(store, destination, **filters)


def _export_w3c(store: AnnotationStore, destination: Path | IO[str], **options: Any
                ) -> ExportOutcome:
    from reader.interop.web_annotation import export_w3c

    return export_w3c(store, destination, **options)


EXPORT_FORMATS: dict[str, ExportFormat] = {
    format.name: format
    for format in (
        ExportFormat(
            name="csv",
            label="CSV",
            description="CSV: one row per annotation and tag",
            suffix=".csv",
            export=_export_csv,
            options=(
                ExportOption(
                    name="excel", keyword="excel", flag="--excel", kind="switch",
                    default=False, label="For Excel (BOM + CRLF)",
                    help="for spreadsheets: a byte-order mark and CRLF line ends",
                ),
                ExportOption(
                    name="guard", keyword="formula_guard", flag="--no-formula-guard",
                    kind="negated switch", default=True,
                    label="Guard formulas (=, +, -, @ start as text)",
                    help="write cells starting with = + - @ as they are (for pandas, R)",
                ),
            ),
        ),
        ExportFormat(
            name="qdpx",
            label="QDPX project",
            description="REFI-QDA project (.qdpx): texts, codebook and codings for NVivo, "
                        "ATLAS.ti, MAXQDA, QualCoder",
            suffix=".qdpx",
            export=_export_qdpx,
            binary=True,
        ),
        ExportFormat(
            name="qdc",
            label="QDC codebook",
            description="REFI-QDA codebook (.qdc): the tags with their hierarchy, colours and "
                        "descriptions",
            suffix=".qdc",
            export=_export_qdc,
            has_documents=False,
        ),
        ExportFormat(
            name="w3c",
            label="W3C Web Annotation",
            description="W3C Web Annotation (JSON-LD): an AnnotationCollection, as Hypothesis "
                        "and other web annotators read",
            suffix=".jsonld",
            export=_export_w3c,
            options=(
                ExportOption(
                    name="source-base", keyword="source_base", flag="--source-base",
                    kind="text", default=None, metavar="URL", label="Source base URL",
                    help="name each document's source under this URL instead of as a file:// "
                         "URI",
                ),
            ),
        ),
    )
}
"""Every export format by name, in the order the dialog and `--help` show them."""


def export_format(name: str) -> ExportFormat:
    """The table's entry for `name`; an unknown name is an ExportError naming the choices."""
    try:
        return EXPORT_FORMATS[name]
    except KeyError:
        choices = ", ".join(EXPORT_FORMATS)
        raise ExportError(f"unknown export format {name!r} (choose from {choices})") from None


def all_options() -> list[ExportOption]:
    """Every format's options, each flag once (formats may share one), in table order."""
    seen: dict[str, ExportOption] = {}
    for format in EXPORT_FORMATS.values():
        for option in format.options:
            seen.setdefault(option.flag, option)
    return list(seen.values())
