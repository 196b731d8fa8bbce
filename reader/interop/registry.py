"""The exchange formats: one table of exporters and one of importers, which the CLI and UI read.

A new export format is one `ExportFormat` entry in `EXPORT_FORMATS`: its exporter, the file
suffix, a one-line description and the options it takes. The command line builds `--format`
choices and option flags from the table, and the export dialog its format buttons and option
fields. A new import format is one `ImportFormat` entry in `IMPORT_FORMATS`, chosen by the file's
suffix in `reader import`.

Exporters and importers are imported when they run, so reading the tables (for `reader --help`)
stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal, TextIO

# The exporters import these from their own module: the registry imports the exporters.
from reader.interop.outcomes import ExchangeError as ExchangeError
from reader.interop.outcomes import ExportError as ExportError
from reader.interop.outcomes import ExportOutcome as ExportOutcome

if TYPE_CHECKING:
    from reader.core.store import AnnotationStore


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
            description="CSV: one row per annotation and tag, with its page and section",
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


# ---------------------------------------------------------------------------- importers


@dataclass(frozen=True)
class ImportOutcome:
    """What an import did, as lines for the user: the summary, then notes, then warnings."""

    summary: str
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class ImportFormat:
    """An entry of the importers' table: which files it reads and how."""

    name: str
    description: str
    suffixes: tuple[str, ...]  # lower case, with the dot
    run: Callable[[AnnotationStore, Path], ImportOutcome]


def _import_csv(store: AnnotationStore, source: Path) -> ImportOutcome:
    from reader.interop.csv_format import import_csv

    report = import_csv(store, source)
    notes = [f"Created tag {tag!r}" for tag in report.created_tags]
    notes += [f"Registered document {path}" for path in report.registered_documents]
    warnings = [f"{path} is missing: its {count} annotation(s) were kept with their quotes; "
                "`reader docs relink` connects them to the file"
                for path, count in report.missing_documents.items()]
    if report.needs_reanchor:
        warnings.append(f"{len(report.needs_reanchor)} annotation(s) no longer match their "
                        "document's current text; they are kept and marked for re-anchoring")
    if report.stale:
        warnings.append(
            f"{len(report.stale)} annotation(s) changed after this file was exported (in reader, "
            "or by an earlier import of this file), so its rows for them were not applied; "
            "export again to edit them: "
            + ", ".join(annotation_id[:8] for annotation_id in report.stale)
        )
    return ImportOutcome(
        f"Imported {source.name}: {report.added} added, {report.updated} updated, "
        f"{report.skipped} skipped",
        tuple(notes), tuple(warnings),
    )


def _import_qdc(store: AnnotationStore, source: Path) -> ImportOutcome:
    from reader.interop.refi_qda_import import import_qdc

    report = import_qdc(store, source)
    return ImportOutcome(
        f"Imported codebook {source.name}: {len(report.created)} tag(s) created, "
        f"{len(report.existing)} already there",
        tuple(f"Created tag {path!r}" for path in report.created),
        tuple(report.warnings),
    )


def _import_qdpx(store: AnnotationStore, source: Path) -> ImportOutcome:
    from reader.interop.qdpx_import import import_qdpx

    report = import_qdpx(store, source)
    notes = [f"Created tag {path!r}" for path in report.codes.created]
    notes += [f"Added document {title!r}" for title in report.documents_added]
    notes += [f"{title!r} is a document already (the same text)"
              for title in dict.fromkeys(report.documents_known)]
    notes += report.notes
    return ImportOutcome(
        f"Imported project {source.name}: {len(report.documents_added)} document(s) and "
        f"{report.passages_added} passage(s) added, {report.passages_known} passage(s) already "
        f"there, {len(report.codes.created)} tag(s) created",
        tuple(notes), tuple(report.codes.warnings + report.warnings),
    )


def _import_w3c(store: AnnotationStore, source: Path) -> ImportOutcome:
    from reader.interop.web_annotation_import import import_w3c

    report = import_w3c(store, source)
    notes = [f"Added document {path}" for path in report.registered]
    notes += [f"Created tag {path!r}" for path in report.created_tags]
    notes += [f"Re-anchored {line}" for line in report.reanchored]
    warnings = list(report.warnings)
    if report.unplaced:
        warnings.append(f"{len(report.unplaced)} annotation(s) could not be placed: "
                        + "; ".join(report.unplaced))
    return ImportOutcome(
        f"Imported {source.name}: {report.added} annotation(s) added "
        f"({len(report.reanchored)} re-anchored by quote), {report.known} already there, "
        f"{len(report.unplaced)} not placed",
        tuple(notes), tuple(warnings),
    )


IMPORT_FORMATS: dict[str, ImportFormat] = {
    format.name: format
    for format in (
        ImportFormat("csv", "a CSV export of reader (or Taguette)", (".csv",), _import_csv),
        ImportFormat("qdc", "a REFI-QDA codebook (.qdc) from NVivo, ATLAS.ti, MAXQDA, "
                            "QualCoder, Taguette", (".qdc",), _import_qdc),
        ImportFormat("qdpx", "a REFI-QDA project (.qdpx) from NVivo, ATLAS.ti, MAXQDA, "
                             "QualCoder", (".qdpx",), _import_qdpx),
        ImportFormat("w3c", "W3C Web Annotations (JSON-LD), as reader and web annotators "
                            "export them", (".jsonld", ".json"), _import_w3c),
    )
}
"""Every import format by name; `import_format_for` picks one by a file's suffix."""

DEFAULT_IMPORT = "csv"
"""What a file whose suffix no importer claims is read as (any file was read as CSV before)."""


def import_format_for(path: Path) -> ImportFormat:
    """The importer for `path`, by its suffix (case-insensitive); CSV when none claims it."""
    suffix = path.suffix.lower()
    for format in IMPORT_FORMATS.values():
        if suffix in format.suffixes:
            return format
    return IMPORT_FORMATS[DEFAULT_IMPORT]
