"""The command line: the TUI by default, plus headless subcommands over the core."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reader.cli_output import Output, shorten

if TYPE_CHECKING:
    from reader.core.models import Document
    from reader.core.store import AnnotationStore
    from reader.formats.base import LoadedDocument

SUBCOMMANDS = (
    "add", "list", "docs", "tags", "export", "import", "undo", "redo", "locate", "open",
)


class UserError(Exception):
    """A problem the user can fix; shown as one line, exit status 1."""


class _Parser(argparse.ArgumentParser):
    """Usage errors as one line and exit status 2, like argparse, but never a traceback."""

    def error(self, message: str) -> Any:
        self.print_usage(sys.stderr)
        self.exit(2, f"reader: error: {message}\n")


# ---------------------------------------------------------------------------- the parser


class _VersionAction(argparse.Action):
    """`--version`, reading the installed version only when asked (start-up stays light)."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, help="show the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *args: Any) -> None:
        from reader import __version__

        print(f"reader {__version__}")
        parser.exit()


def _db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db", metavar="PATH", default=argparse.SUPPRESS,
        help="the annotation database (default: $READER_DB, else the user data folder)",
    )


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command line's parser: every command, or just `only` (building all ten took ~5 ms of
    every start-up of the reader)."""
    parser = _Parser(
        prog="reader",
        description=(
            "A keyboard-driven terminal reader and annotator for qualitative text analysis. "
            "`reader [DOCUMENT|FOLDER ...]` opens the reader; the commands below work "
            "without it."
        ),
    )
    parser.add_argument("--version", action=_VersionAction)
    _db_option(parser)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, (help_text, add_arguments) in _COMMAND_ARGUMENTS.items():
        if only is None or name == only:
            sub = commands.add_parser(name, help=help_text, description=help_text)
            _db_option(sub)
            add_arguments(sub)
    return parser


def _open_arguments(open_: argparse.ArgumentParser) -> None:
    open_.add_argument("paths", nargs="*", metavar="DOCUMENT|FOLDER")


def _add_arguments(add: argparse.ArgumentParser) -> None:
    add.add_argument("document", metavar="DOC", help="a file, or a known document's id/title")
    add.add_argument("--tag", action="append", default=[], metavar="TAG",
                     help="a tag (repeatable); missing tags are created; a/b is child b of a")
    add.add_argument("--memo", default="", metavar="TEXT")
    where = add.add_mutually_exclusive_group(required=True)
    where.add_argument("--quote", metavar="TEXT", help="the exact passage text")
    where.add_argument("--start", type=int, metavar="N",
                       help="start offset in code points (with --end)")
    add.add_argument("--end", type=int, metavar="M", help="end offset (exclusive)")
    add.add_argument("--occurrence", type=int, default=1, metavar="N",
                     help="which occurrence of --quote, counting from 1")


def _list_arguments(list_: argparse.ArgumentParser) -> None:
    list_.add_argument("--doc", metavar="DOC")
    list_.add_argument("--tag", metavar="TAG")
    list_.add_argument("--format", choices=("table", "json", "csv"), default="table")


def _docs_arguments(docs: argparse.ArgumentParser) -> None:
    docs_commands = docs.add_subparsers(dest="docs_command", metavar="ACTION",
                                        parser_class=_Parser)
    remove = docs_commands.add_parser("remove", help="forget a document and its annotations")
    remove.add_argument("document", metavar="DOC")
    _db_option(remove)
    relink = docs_commands.add_parser("relink", help="point a document at its file's new path")
    relink.add_argument("document", metavar="DOC")
    relink.add_argument("new_path", metavar="NEW_PATH")
    _db_option(relink)


def _tags_arguments(tags: argparse.ArgumentParser) -> None:
    tag_commands = tags.add_subparsers(dest="tags_command", metavar="ACTION",
                                       parser_class=_Parser)
    tag_add = tag_commands.add_parser("add", help="create a tag (a/b creates b under a)")
    tag_add.add_argument("name", metavar="NAME")
    _tag_settings(tag_add)
    rename = tag_commands.add_parser("rename", help="rename a tag (a new a/b path moves it)")
    rename.add_argument("name", metavar="TAG")
    rename.add_argument("new_name", metavar="NEW_NAME")
    merge = tag_commands.add_parser("merge", help="merge a tag into another")
    merge.add_argument("name", metavar="SOURCE")
    merge.add_argument("target", metavar="TARGET")
    tag_remove = tag_commands.add_parser("remove", help="delete a tag from the codebook")
    tag_remove.add_argument("name", metavar="TAG")
    tag_set = tag_commands.add_parser("set", help="change a tag's colour, description, "
                                      "parent or hotkey")
    tag_set.add_argument("name", metavar="TAG")
    _tag_settings(tag_set)
    tag_set.add_argument("--parent", metavar="TAG", help="move under this tag")
    tag_set.add_argument("--top-level", action="store_true", help="move to the top level")
    tag_set.add_argument("--no-hotkey", action="store_true", help="free the tag's hotkey")
    for sub in (tag_add, rename, merge, tag_remove, tag_set):
        _db_option(sub)


def _export_arguments(export: argparse.ArgumentParser) -> None:
    export.add_argument("--format", choices=("csv",), default="csv")
    export.add_argument("-o", "--output", default="-", metavar="FILE",
                        help="where to write (default: - for standard output)")
    export.add_argument("--doc", action="append", default=[], metavar="DOC")
    export.add_argument("--tag", action="append", default=[], metavar="TAG")
    export.add_argument("--excel", action="store_true",
                        help="for spreadsheets: a byte-order mark and CRLF line ends")
    export.add_argument("--no-formula-guard", action="store_true",
                        help="write cells starting with = + - @ as they are (for pandas, R)")


def _import_arguments(import_: argparse.ArgumentParser) -> None:
    import_.add_argument("file", metavar="FILE.csv")


def _no_arguments(_parser: argparse.ArgumentParser) -> None:
    pass


_COMMAND_ARGUMENTS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None]]] = {
    "open": ("open documents in the reader (the default command)", _open_arguments),
    "add": ("code a passage of a document with tags and/or a memo", _add_arguments),
    "list": ("list annotations", _list_arguments),
    "docs": ("list documents, or remove/relink one", _docs_arguments),
    "tags": ("list the codebook with counts, or change it", _tags_arguments),
    "export": ("export annotations", _export_arguments),
    "import": ("import annotations from a CSV export", _import_arguments),
    "undo": ("take back the newest command-line change", _no_arguments),
    "redo": ("re-apply the change undo took back", _no_arguments),
    "locate": ("show where the database, config and session live", _no_arguments),
}
"""Each command's help line and the function that adds its arguments, in `--help` order."""


def _tag_settings(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--colour", "--color", metavar="#RRGGBB")
    parser.add_argument("--description", metavar="TEXT")
    parser.add_argument("--hotkey", type=int, choices=range(1, 10), metavar="1-9")


def _split_command(argv: list[str]) -> list[str]:
    """Insert `open` when no subcommand is named, so `reader a.txt b.md` opens the reader."""
    index = 0
    while index < len(argv):
        word = argv[index]
        if word == "--db":
            index += 2
            continue
        if word.startswith("--db="):
            index += 1
            continue
        if word in ("-h", "--help", "--version"):
            return argv
        if word == "--":
            return [*argv[:index], "open", *argv[index + 1:]]
        if word in SUBCOMMANDS:
            return argv
        return [*argv[:index], "open", *argv[index:]]
    return [*argv, "open"]


def _mistyped_command(argv: list[str]) -> str | None:
    """Why `argv` is refused, if the word it would open as a document is no file or folder but
    a command name gone wrong (`reader lst`): a bare word, with no folder or suffix in it."""
    index = 0
    while index < len(argv):
        word = argv[index]
        if word == "--db":
            index += 2
            continue
        if word.startswith("--db="):
            index += 1
            continue
        if word.startswith("-") or word in SUBCOMMANDS:
            return None  # an option, `--` (a path follows), or a command: argparse's business
        if os.path.lexists(Path(word).expanduser()) or os.sep in word or "." in word:
            return None
        if os.altsep and os.altsep in word:
            return None
        import difflib

        close = difflib.get_close_matches(word, SUBCOMMANDS, n=1, cutoff=0.7)
        if close:
            return f"unknown command {word!r} (did you mean {close[0]!r}?)"
        return (f"unknown command {word!r}, and no file or folder has that name "
                "(see `reader --help`)")
    return None


def _named_command(argv: list[str]) -> str | None:
    """The command `argv` (as `_split_command` left it) runs, if one is named before any
    top-level option that needs every command (help, version)."""
    index = 0
    while index < len(argv):
        word = argv[index]
        if word == "--db":
            index += 2
            continue
        if word.startswith("--db="):
            index += 1
            continue
        return word if word in SUBCOMMANDS else None
    return None


# ---------------------------------------------------------------------------- helpers


class Context:
    """What every command needs: output, settings, and the store (opened on first use)."""

    def __init__(self, args: argparse.Namespace, output: Output) -> None:
        self.args = args
        self.output = output
        self._store: AnnotationStore | None = None

    @property
    def db(self) -> Path:
        from reader.paths import db_path

        return db_path(getattr(self.args, "db", None))

    @property
    def store(self) -> AnnotationStore:
        if self._store is None:
            from reader.config import ConfigError, Settings, load_settings
            from reader.core.store import AnnotationStore

            try:
                settings = load_settings()
            except ConfigError as error:  # the config only names the annotator here
                self.output.warn(f"{error}; using the defaults")
                settings = Settings()
            self._store = AnnotationStore(self.db, origin="cli",
                                          annotator=settings.annotator_name)
        self.tell_notices()
        return self._store

    def tell_notices(self) -> None:
        """Warn of what happened to the database's files (a damaged document file is found
        only when the command reads it, so this runs again when the command ends)."""
        if self._store is not None:
            for notice in self._store.take_notices():
                self.output.warn(notice)


def _load(path: str | Path) -> LoadedDocument:
    from reader.formats.base import load_document

    return load_document(Path(path))


def _load_named(context: Context, reference: str) -> LoadedDocument:
    """The file a user named: a path, or a known document's id, title or file name."""
    store = context.store
    candidate = Path(reference).expanduser()
    # A link counts even when it leads nowhere (or in a loop): its load error names the problem.
    if candidate.exists() or candidate.is_symlink():
        loaded = _load(candidate)
    else:
        from reader.core.store import StoreError

        try:
            known = store.find_document(reference)
        except StoreError:
            raise UserError(f"{reference}: no such file, and no known document matches it "
                            "(see `reader docs`)") from None
        if not Path(known.path).exists():
            raise UserError(f"the file of {known.title!r} is missing ({known.path}); "
                            f"use `reader docs relink {known.id[:8]} NEW_PATH`")
        loaded = _load(known.path)
    return loaded


def _register(context: Context, loaded: LoadedDocument) -> Document:
    """Record the loaded document (inside the caller's step) and say what changed."""
    registered = context.store.register_document(
        path=loaded.path, text=loaded.text, title=loaded.title, size=loaded.size,
        encoding=loaded.encoding, sha256=loaded.sha256, format=loaded.format,
    )
    if registered.outcome == "moved":
        context.output.warn(f"{registered.document.title!r} was moved; now at {loaded.path}")
    elif registered.outcome == "changed" and registered.needs_reanchor:
        context.output.warn(
            f"{registered.document.title!r} changed on disk: {len(registered.needs_reanchor)} "
            "annotation(s) no longer match their text and are marked for re-anchoring"
        )
    return registered.document


def _tag(context: Context, reference: str) -> Any:
    return context.store.codebook().resolve(reference)


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


# ---------------------------------------------------------------------------- commands


def cmd_open(context: Context) -> int:
    paths = context.args.paths
    missing = [path for path in paths if not os.path.lexists(Path(path).expanduser())]
    if paths and len(missing) == len(paths):
        # Nothing to open: say so here, rather than start the reader to show an empty screen.
        from reader.formats.base import display_path

        raise UserError(", ".join(display_path(path) for path in missing)
                        + ": no such file or folder")
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UserError("the reader needs a terminal; in a script or pipe use the commands "
                        "(`reader list`, `reader export`, ...; see `reader --help`)")
    from reader.ui.launch import run_tui

    return run_tui(list(context.args.paths), getattr(context.args, "db", None))


def cmd_add(context: Context) -> int:
    from reader.core.anchors import find_quote

    args = context.args
    if not args.tag and not args.memo.strip():
        raise UserError("give at least one --tag or a --memo")
    if args.quote is not None and args.end is not None:
        raise UserError("--end goes with --start, not with --quote")
    loaded = _load_named(context, args.document)
    text = loaded.text
    if args.quote is not None:
        if not args.quote:
            raise UserError("--quote is empty")
        if args.occurrence < 1:
            raise UserError("--occurrence counts from 1")
        start = find_quote(text, args.quote, args.occurrence)
        if start < 0:
            which = "" if args.occurrence == 1 else f" (occurrence {args.occurrence})"
            raise UserError(f"quote not found in {loaded.title!r}{which}: "
                            f"{shorten(args.quote)!r}")
        end = start + len(args.quote)
    else:
        if args.end is None:
            raise UserError("--start needs --end")
        start, end = args.start, args.end
    store = context.store
    # One step: a refused passage leaves no trace, and undo takes back the document's
    # registration and any tags created with it.
    with store.batch("add annotation"):
        document = _register(context, loaded)
        tags, created = store.ensure_tags(args.tag) if args.tag else ([], [])
        annotation = store.add_annotation(
            document.id, text, start, end, tags=[tag.id for tag in tags], memo=args.memo
        )
    codebook = store.codebook()
    for tag in created:
        context.output.say(f"Created tag {codebook.path(tag)!r}")
    tag_names = ", ".join(codebook.path(tag) for tag in tags) or "memo only"
    context.output.say(
        f"Added {annotation.id[:8]} to {document.title!r} (line {_line_of(text, start)}, "
        f"{tag_names}): {shorten(annotation.quote)!r}"
    )
    return 0


def _selected_annotations(context: Context, doc: str | None, tag: str | None) -> list[Any]:
    store = context.store
    document_id = store.find_document(doc).id if doc else None
    if tag:
        tag_ids = {(found := _tag(context, tag)).id} | store.codebook().descendants(found.id)
        return [a for a in store.annotations(document=document_id) if tag_ids & set(a.tags)]
    return store.annotations(document=document_id)


def cmd_list(context: Context) -> int:
    args = context.args
    store = context.store
    if args.format == "csv":
        return _export_csv(context, "-", [args.doc] if args.doc else [],
                           [args.tag] if args.tag else [], excel=False, guard=True)
    annotations = _selected_annotations(context, args.doc, args.tag)
    codebook = store.codebook()
    titles = {d.id: d.title for d in store.documents()}
    if args.format == "json":
        records = []
        for annotation in annotations:
            record = annotation.to_record()
            record["document_title"] = titles.get(annotation.document, "")
            record["tags"] = [codebook.path(t) for t in annotation.tags if t in codebook]
            records.append(record)
        with context.output.document_text() as stream:
            stream.write(json.dumps(records, ensure_ascii=False, indent=2) + "\n")
        return 0
    rows = [
        (
            a.id[:8],
            shorten(titles.get(a.document, "?"), 30),
            f"{a.start}-{a.end}",
            "; ".join(codebook.path(t) for t in a.tags if t in codebook),
            shorten(a.quote, 50) + (" (needs re-anchoring)" if a.needs_reanchor else ""),
            shorten(a.memo, 30),
        )
        for a in annotations
    ]
    context.output.table(("id", "document", "span", "tags", "quote", "memo"), rows,
                         title=f"{len(rows)} annotation(s)")
    return 0


def _file_status(document: Document) -> str:
    """Whether a document's file still holds the content its annotations point into."""
    from reader.formats.base import DocumentError

    path = Path(document.path)
    if not path.exists() and not path.is_symlink():  # a link in a loop is there, unreadable
        return "missing"
    try:
        loaded = _load(path)
    except DocumentError:
        return "unreadable"
    return "ok" if loaded.sha256 == document.sha256 else "changed"


def cmd_docs(context: Context) -> int:
    args = context.args
    store = context.store
    if args.docs_command == "remove":
        document = store.find_document(args.document)
        count = store.remove_document(document.id)
        context.output.say(f"Removed {document.title!r} and its {count} annotation(s); "
                           "`reader undo` brings them back")
        return 0
    if args.docs_command == "relink":
        document = store.find_document(args.document)
        loaded = _load(args.new_path)
        store.relink_document(document.id, loaded.path)
        registered = store.register_document(
            path=loaded.path, text=loaded.text, title=loaded.title, size=loaded.size,
            encoding=loaded.encoding, sha256=loaded.sha256, format=loaded.format,
        )
        context.output.say(f"{document.title!r} now reads from {loaded.path}")
        if registered.needs_reanchor:
            context.output.warn(f"{len(registered.needs_reanchor)} annotation(s) no longer "
                                "match the new file and are marked for re-anchoring")
        return 0
    counts: dict[str, int] = {}
    for annotation in store.annotations():
        counts[annotation.document] = counts.get(annotation.document, 0) + 1
    rows = [(d.id[:8], d.title, counts.get(d.id, 0), _file_status(d), d.encoding, d.path)
            for d in store.documents()]
    context.output.table(("id", "title", "annotations", "file", "encoding", "path"), rows,
                         title=f"{len(rows)} document(s)")
    return 0


def cmd_tags(context: Context) -> int:
    args = context.args
    store = context.store
    action = args.tags_command
    if action is None:
        codebook = store.codebook()
        counts = store.annotation_counts()
        rows = [(t.hotkey or "", codebook.path(t), t.colour, counts.get(t.id, 0), t.description)
                for t in codebook]
        context.output.table(("key", "tag", "colour", "passages", "description"), rows,
                             title=f"{len(rows)} tag(s)")
        return 0
    if action in ("add", "set") and args.hotkey:
        holder = store.codebook().by_hotkey(args.hotkey)
        if holder is not None and holder.name.casefold() != args.name.split("/")[-1].casefold():
            context.output.say(f"Hotkey {args.hotkey} moves from "
                               f"{store.codebook().path(holder)!r} to {args.name!r}")
    if action == "add":
        before = {tag.id for tag in store.codebook()}
        tag = store.create_tag(args.name, colour=args.colour,
                               description=args.description or "", hotkey=args.hotkey)
        codebook = store.codebook()
        for made in codebook:
            if made.id not in before:
                context.output.say(f"Created tag {codebook.path(made)!r}")
        return 0
    tag = _tag(context, args.name)
    if action == "rename":
        renamed = store.rename_tag(tag.id, args.new_name)
        context.output.say(f"Renamed {args.name!r} to {store.codebook().path(renamed)!r}")
    elif action == "merge":
        target = _tag(context, args.target)
        count = store.merge_tags(tag.id, target.id)
        context.output.say(f"Merged {args.name!r} into {args.target!r} ({count} passage(s))")
    elif action == "remove":
        count = store.delete_tag(tag.id)
        context.output.say(f"Removed tag {args.name!r} from the codebook and {count} "
                           "passage(s); `reader undo` brings it back")
    elif action == "set":
        if args.parent and args.top_level:
            raise UserError("give --parent or --top-level, not both")
        if args.hotkey and args.no_hotkey:
            raise UserError("give --hotkey or --no-hotkey, not both")
        parent: Any = False
        if args.parent:
            parent = _tag(context, args.parent).id
        elif args.top_level:
            parent = None
        hotkey: Any = args.hotkey if args.hotkey else (None if args.no_hotkey else False)
        if args.colour is None and args.description is None and parent is False and (
            hotkey is False
        ):
            raise UserError("nothing to set: give --colour, --description, --parent, "
                            "--top-level, --hotkey or --no-hotkey")
        updated = store.update_tag(tag.id, colour=args.colour, description=args.description,
                                   parent=parent, hotkey=hotkey)
        context.output.say(f"Updated tag {store.codebook().path(updated)!r}")
    return 0


def _export_csv(context: Context, output: str, docs: Sequence[str], tags: Sequence[str], *,
                excel: bool, guard: bool) -> int:
    from reader.interop.csv_format import export_csv

    store = context.store
    document_ids = [store.find_document(doc).id for doc in docs] or None
    tag_ids: list[str] | None = None
    if tags:
        tag_ids = []
        for reference in tags:
            tag = _tag(context, reference)
            tag_ids += [tag.id, *store.codebook().descendants(tag.id)]
    if output == "-":
        stream = context.output.stdout
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(encoding="utf-8", newline="")
        with context.output.document_text() as shown:
            export_csv(store, shown, document_ids=document_ids, tag_ids=tag_ids, excel=excel,
                       formula_guard=guard)
        return 0
    destination = Path(output).expanduser()
    from reader.paths import database_file_role

    if role := database_file_role(destination, context.db):
        raise UserError(f"cannot write the export to {destination}: it is {role}; "
                        "choose another file")
    count = export_csv(store, destination, document_ids=document_ids, tag_ids=tag_ids,
                       excel=excel, formula_guard=guard)
    context.output.say(f"Wrote {count} row(s) to {destination}")
    return 0


def cmd_export(context: Context) -> int:
    args = context.args
    return _export_csv(context, args.output, args.doc, args.tag, excel=args.excel,
                       guard=not args.no_formula_guard)


def cmd_import(context: Context) -> int:
    from reader.interop.csv_format import import_csv

    source = Path(context.args.file).expanduser()
    if source.is_dir():
        raise UserError(f"{source}: is a folder; give the CSV file to import")
    if not source.is_file():
        raise UserError(f"{source}: " + ("is not a regular file" if os.path.lexists(source)
                                          else "no such file"))
    report = import_csv(context.store, source)
    say = context.output.say
    say(f"Imported {source.name}: {report.added} added, {report.updated} updated, "
        f"{report.skipped} skipped")
    for tag in report.created_tags:
        say(f"Created tag {tag!r}")
    for path in report.registered_documents:
        say(f"Registered document {path}")
    for path, count in report.missing_documents.items():
        context.output.warn(f"{path} is missing: its {count} annotation(s) were kept with "
                            "their quotes; `reader docs relink` connects them to the file")
    if report.needs_reanchor:
        context.output.warn(f"{len(report.needs_reanchor)} annotation(s) no longer match their "
                            "document's current text; they are kept and marked for re-anchoring")
    if report.stale:
        context.output.warn(
            f"{len(report.stale)} annotation(s) changed after this file was exported (in reader, "
            "or by an earlier import of this file), so its rows for them were not applied; "
            "export again to edit them: "
            + ", ".join(annotation_id[:8] for annotation_id in report.stale)
        )
    return 0


def cmd_undo(context: Context) -> int:
    step = context.store.undo()
    context.output.say(f"Undid: {step.label}" if step else "Nothing to undo")
    return 0


def cmd_redo(context: Context) -> int:
    step = context.store.redo()
    context.output.say(f"Redid: {step.label}" if step else "Nothing to redo")
    return 0


def cmd_locate(context: Context) -> int:
    from reader import paths

    rows = [
        ("database", str(context.db)),
        ("config", str(paths.config_path())),
        ("session", str(paths.session_path(context.db))),
        ("styles", str(paths.styles_dir())),
        ("samples", str(paths.sample_docs_dir())),
    ]
    context.output.table(("what", "where"), rows)
    return 0


COMMANDS: dict[str, Callable[[Context], int]] = {
    "open": cmd_open, "add": cmd_add, "list": cmd_list, "docs": cmd_docs, "tags": cmd_tags,
    "export": cmd_export, "import": cmd_import, "undo": cmd_undo, "redo": cmd_redo,
    "locate": cmd_locate,
}


def _user_errors() -> tuple[type[BaseException], ...]:
    from reader.config import ConfigError
    from reader.core.codebook import CodebookError
    from reader.core.store import StoreError
    from reader.formats.base import DocumentError
    from reader.interop.csv_format import CsvFormatError

    return (UserError, ConfigError, CodebookError, StoreError, DocumentError, CsvFormatError)


def main(argv: list[str] | None = None) -> int:
    given = list(sys.argv[1:] if argv is None else argv)
    mistyped = _mistyped_command(given)
    if mistyped is not None:
        build_parser().error(mistyped)
    arguments = _split_command(given)
    # Only the command given is built (the reader's start-up is the common case); with none,
    # or with help asked for before it, all of them, for the usage and help texts.
    parser = build_parser(_named_command(arguments))
    args = parser.parse_args(arguments)
    if args.command is None:  # `reader --db` alone: the path swallowed the command
        parser.error("--db needs a PATH, then a command or documents to open")
    if getattr(args, "db", None) == "":  # `--db "$UNSET"` must not open $READER_DB instead
        parser.error("--db needs a PATH, not an empty one")
    output = Output()
    context = Context(args, output)
    try:
        try:
            return COMMANDS[args.command](context)
        finally:
            context.tell_notices()
    except KeyboardInterrupt:
        output.error("interrupted")
        return 130
    except BrokenPipeError:
        return 0
    except _user_errors() as error:
        output.error(str(error))
        return 1
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        output.error(f"{where}{error.strerror or error}")
        return 1
