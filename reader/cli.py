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
    "stats", "search", "report",
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
    rename = docs_commands.add_parser("rename", help="give a document another title")
    rename.add_argument("document", metavar="DOC")
    rename.add_argument("title", metavar="TITLE")
    _db_option(rename)


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
    from reader.interop.registry import EXPORT_FORMATS, all_options

    formats = "; ".join(f"{name}: {entry.description}" for name, entry in EXPORT_FORMATS.items())
    export.add_argument("--format", choices=tuple(EXPORT_FORMATS), default="csv",
                        help=formats)
    export.add_argument("-o", "--output", default="-", metavar="FILE",
                        help="where to write (default: - for standard output)")
    export.add_argument("--doc", action="append", default=[], metavar="DOC")
    export.add_argument("--tag", action="append", default=[], metavar="TAG")
    for option in all_options():
        owners = ", ".join(name for name, entry in EXPORT_FORMATS.items()
                           if option in entry.options)
        # Unset unless given, so an option given to a format that has no use for it is refused.
        if option.kind == "text":
            export.add_argument(option.flag, dest=f"option_{option.keyword}",
                                default=argparse.SUPPRESS, metavar=option.metavar,
                                help=f"{option.help} ({owners})")
        else:
            export.add_argument(option.flag, dest=f"option_{option.keyword}",
                                action="store_const", const=option.kind == "switch",
                                default=argparse.SUPPRESS, help=f"{option.help} ({owners})")


def _import_arguments(import_: argparse.ArgumentParser) -> None:
    from reader.interop.registry import IMPORT_FORMATS

    kinds = "; ".join(f"{format.description} ({', '.join(format.suffixes)})"
                      for format in IMPORT_FORMATS.values())
    import_.add_argument("file", metavar="FILE", help=f"the file to import, by its suffix: {kinds}")


def _no_arguments(_parser: argparse.ArgumentParser) -> None:
    pass


def _stats_arguments(stats: argparse.ArgumentParser) -> None:
    stats.add_argument("--by", choices=("document", "annotator"), default="document",
                       help="one row per document (default) or per annotator")
    stats.add_argument("--cooccurrence", action="store_true",
                       help="a tag x tag matrix of overlapping passages instead")
    stats.add_argument("--format", choices=("table", "csv", "json"), default="table")


def _search_arguments(search: argparse.ArgumentParser) -> None:
    search.add_argument("pattern", metavar="PATTERN")
    search.add_argument("--regex", action="store_true", help="PATTERN is a regular expression")
    search.add_argument("--case", action="store_true", help="match case (default: ignore it)")
    search.add_argument("--doc", metavar="DOC", help="search only this document")
    search.add_argument("--context", type=int, default=40, metavar="N",
                        help="characters of context on each side (default: 40)")
    search.add_argument("--format", choices=("table", "csv", "json"), default="table")
    search.add_argument("--code", metavar="TAG",
                        help="code every hit with TAG (created if missing), as one undo step")
    search.add_argument("--unit", choices=("match", "sentence", "paragraph"), default="match",
                        help="with --code: code the hit, or its sentence or paragraph")


def _report_arguments(report: argparse.ArgumentParser) -> None:
    report.add_argument("--tag", action="append", default=[], metavar="TAG",
                        help="only this tag and the tags under it (repeatable)")
    report.add_argument("--doc", action="append", default=[], metavar="DOC",
                        help="only this document (repeatable)")
    report.add_argument("--format", choices=("md", "html"), default="md")
    report.add_argument("-o", "--output", default="-", metavar="FILE",
                        help="where to write (default: - for standard output)")


_COMMAND_ARGUMENTS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None]]] = {
    "open": ("open documents in the reader (the default command)", _open_arguments),
    "add": ("code a passage of a document with tags and/or a memo", _add_arguments),
    "list": ("list annotations", _list_arguments),
    "docs": ("list documents, or remove/relink/rename one", _docs_arguments),
    "tags": ("list the codebook with counts, or change it", _tags_arguments),
    "export": ("export annotations", _export_arguments),
    "import": ("import annotations (CSV, REFI-QDA .qdpx, W3C Web Annotation) or a codebook (.qdc)",
               _import_arguments),
    "undo": ("take back the newest command-line change", _no_arguments),
    "redo": ("re-apply the change undo took back", _no_arguments),
    "locate": ("show where the database, config and session live", _no_arguments),
    "stats": ("count passages per document (or annotator) and tag, or tag co-occurrence",
              _stats_arguments),
    "search": ("find a word or pattern in every document, in context; --code codes the hits",
               _search_arguments),
    "report": ("write the coded passages by tag, as Markdown or HTML", _report_arguments),
}
"""Each command's help line and the function that adds its arguments, in `--help` order."""


def _tag_settings(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--colour", "--color", metavar="#RRGGBB")
    parser.add_argument("--description", metavar="TEXT")
    parser.add_argument("--hotkey", type=int, choices=range(1, 10), metavar="1-9")


def _first_word(argv: list[str]) -> int:
    """The index of the first word after any `--db PATH` options (len(argv) if there is none)."""
    index = 0
    while index < len(argv):
        word = argv[index]
        if word == "--db":
            index += 2
        elif word.startswith("--db="):
            index += 1
        else:
            return index
    return len(argv)


def _split_command(argv: list[str]) -> list[str]:
    """Insert `open` when no subcommand is named, so `reader a.txt b.md` opens the reader."""
    index = _first_word(argv)
    if index == len(argv):
        return [*argv, "open"]
    word = argv[index]
    if word in ("-h", "--help", "--version") or word in SUBCOMMANDS:
        return argv
    if word == "--":
        return [*argv[:index], "open", *argv[index + 1:]]
    return [*argv[:index], "open", *argv[index:]]


def _mistyped_command(argv: list[str]) -> str | None:
    """Why `argv` is refused, if the word it would open as a document is no file or folder but
    a command name gone wrong (`reader lst`): a bare word, with no folder or suffix in it."""
    index = _first_word(argv)
    if index == len(argv):
        return None
    word = argv[index]
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

    def checkpoint(self) -> None:
        """Flush the command's steps to disk and mark them done, so the next command has none
        to apply again."""
        if self._store is not None:
            self._store.checkpoint()

    def tell_notices(self) -> None:
        """Warn of what happened to the database's files (a damaged document file is found
        only when the command reads it, so this runs again when the command ends)."""
        if self._store is not None:
            for notice in self._store.take_notices():
                self.output.warn(notice)


def _load(context: Context, path: str | Path) -> LoadedDocument:
    """The document at `path`, extracted once (see reader.formats.cached): a PDF or Word file
    seen before is not extracted again."""
    from reader.formats.cached import load_for_database

    return load_for_database(Path(path), context.db)


def _load_named(context: Context, reference: str) -> LoadedDocument:
    """The file a user named: a path, or a known document's id, title or file name."""
    store = context.store
    candidate = Path(reference).expanduser()
    # A link counts even when it leads nowhere (or in a loop): its load error names the problem.
    if candidate.exists() or candidate.is_symlink():
        loaded = _load(context, candidate)
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
        loaded = _load(context, known.path)
    return loaded


def _register(context: Context, loaded: LoadedDocument) -> Document:
    """Record the loaded document (inside the caller's step) and say what changed."""
    registered = context.store.register_document(**loaded.registration())
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
    from reader.core.anchors import find_quote_span

    args = context.args
    if not args.tag and not args.memo.strip():
        raise UserError("give at least one --tag or a --memo")
    if args.quote is not None and args.end is not None:
        raise UserError("--end goes with --start, not with --quote")
    loaded = _load_named(context, args.document)
    text = loaded.whole_text
    if args.quote is not None:
        if not args.quote:
            raise UserError("--quote is empty")
        if args.occurrence < 1:
            raise UserError("--occurrence counts from 1")
        span = find_quote_span(text, args.quote, args.occurrence)
        if span is None:
            which = "" if args.occurrence == 1 else f" (occurrence {args.occurrence})"
            raise UserError(f"quote not found in {loaded.title!r}{which}: "
                            f"{shorten(args.quote)!r}")
        start, end = span
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
        return _export(context, "csv", "-", [args.doc] if args.doc else [],
                       [args.tag] if args.tag else [], {})
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
        _write_json(context, records)
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


def _file_status(context: Context, document: Document) -> str:
    """Whether a document's file still holds the content its annotations point into."""
    from reader.formats.base import DocumentError

    path = Path(document.path)
    if not path.exists() and not path.is_symlink():  # a link in a loop is there, unreadable
        return "missing"
    try:
        loaded = _load(context, path)
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
        loaded = _load(context, args.new_path)
        store.relink_document(document.id, loaded.path)
        registered = store.register_document(**loaded.registration())
        context.output.say(f"{document.title!r} now reads from {loaded.path}")
        if registered.needs_reanchor:
            context.output.warn(f"{len(registered.needs_reanchor)} annotation(s) no longer "
                                "match the new file and are marked for re-anchoring")
        return 0
    if args.docs_command == "rename":
        from reader.formats.base import clean_title

        document = store.find_document(args.document)
        title = clean_title(args.title)
        if not title:
            raise UserError("the new title is empty")
        store.update_document(document.evolve(title=title, renamed=True))
        context.output.say(f"{document.title!r} is now {title!r}; `reader undo` takes it back")
        return 0
    counts: dict[str, int] = {}
    for annotation in store.annotations():
        counts[annotation.document] = counts.get(annotation.document, 0) + 1
    rows = [(d.id[:8], d.title, counts.get(d.id, 0), _file_status(context, d), d.encoding, d.path)
            for d in store.documents()]
    context.output.table(("id", "title", "annotations", "file", "encoding", "path"), rows,
                         title=f"{len(rows)} document(s)")
    return 0


def cmd_tags(context: Context) -> int:
    args = context.args
    store = context.store
    action = args.tags_command
    if action is None:
        from reader.analysis.counts import rolled_up_counts

        codebook = store.codebook()
        # Parents count their children's passages, as in the reader's codebook bar and screen.
        counts = rolled_up_counts(codebook, (a.tags for a in store.annotations()))
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


def _export(context: Context, format_name: str, output: str, docs: Sequence[str],
            tags: Sequence[str], options: dict[str, Any]) -> int:
    """Run the export format's exporter (see reader/interop/registry.py) and say what it wrote."""
    from reader.interop.registry import export_format

    entry = export_format(format_name)
    if docs and not entry.has_documents:
        raise UserError(f"--doc does not apply to --format {entry.name} (it has no documents)")
    store = context.store
    document_ids = [store.find_document(doc).id for doc in docs] or None
    tag_ids: list[str] | None = None
    if tags:
        tag_ids = []
        for reference in tags:
            tag = _tag(context, reference)
            tag_ids += [tag.id, *store.codebook().descendants(tag.id)]
    values = entry.option_values(options)
    if output == "-":
        if entry.binary:
            if context.output.is_terminal:
                raise UserError(f"a .{entry.name} file is binary: give -o FILE{entry.suffix}, "
                                "or redirect the output to a file")
            stream = context.output.stdout
            binary = getattr(stream, "buffer", stream)
            outcome = entry.export(store, binary, document_ids=document_ids, tag_ids=tag_ids,
                                   **values)
        else:
            stream = context.output.stdout
            reconfigure = getattr(stream, "reconfigure", None)
            if reconfigure is not None:
                reconfigure(encoding="utf-8", newline="")
            with context.output.document_text() as shown:
                outcome = entry.export(store, shown, document_ids=document_ids,
                                       tag_ids=tag_ids, **values)
        for warning in outcome.warnings:
            context.output.warn(warning)
        return 0
    destination = Path(output).expanduser()
    from reader.paths import database_file_role

    if role := database_file_role(destination, context.db):
        raise UserError(f"cannot write the export to {destination}: it is {role}; "
                        "choose another file")
    outcome = entry.export(store, destination, document_ids=document_ids, tag_ids=tag_ids,
                           **values)
    for warning in outcome.warnings:
        context.output.warn(warning)
    context.output.say(f"Wrote {outcome.count} {outcome.what}(s) to {destination}")
    return 0


def cmd_export(context: Context) -> int:
    from reader.interop.registry import EXPORT_FORMATS, all_options

    args = context.args
    entry = EXPORT_FORMATS[args.format]
    given = {option.keyword: getattr(args, f"option_{option.keyword}")
             for option in all_options() if hasattr(args, f"option_{option.keyword}")}
    for option in all_options():
        if option.keyword in given and option not in entry.options:
            owners = ", ".join(name for name, other in EXPORT_FORMATS.items()
                               if option in other.options)
            raise UserError(f"{option.flag} goes with --format {owners}, not {args.format}")
    return _export(context, args.format, args.output, args.doc, args.tag, given)


def cmd_import(context: Context) -> int:
    from reader.interop.registry import import_format_for

    source = Path(context.args.file).expanduser()
    if source.is_dir():
        raise UserError(f"{source}: is a folder; give the file to import")
    if not source.is_file():
        raise UserError(f"{source}: " + ("is not a regular file" if os.path.lexists(source)
                                          else "no such file"))
    outcome = import_format_for(source).run(context.store, source)
    context.output.say(outcome.summary)
    for note in outcome.notes:
        context.output.say(note)
    for warning in outcome.warnings:
        context.output.warn(warning)
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


# ---------------------------------------------------------------------------- analysis


def _write_csv(context: Context, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    import csv

    with context.output.document_text() as shown:
        writer = csv.writer(shown, lineterminator="\n")
        writer.writerow(headers)
        writer.writerows(rows)


def _write_json(context: Context, value: object) -> None:
    with context.output.document_text() as shown:
        json.dump(value, shown, ensure_ascii=False, indent=2)
        shown.write("\n")


def cmd_stats(context: Context) -> int:
    from reader.core.collector import collector_paused

    # Counting makes a few hundred thousand small objects that hold no cycles: the collector's
    # passes over them took a quarter of the command's time.
    with collector_paused():
        return _stats(context)


def _stats(context: Context) -> int:
    from reader.analysis.counts import cooccurrence, tag_matrix
    from reader.analysis.model import CountedCorpus

    args = context.args
    corpus = CountedCorpus.from_store(context.store)
    if args.cooccurrence:
        pairs = cooccurrence(corpus)
        ids = [tag.id for tag in pairs.tags]
        rows = [[path, *(pairs.count(tag_id, other) for other in ids)]
                for tag_id, path in zip(ids, pairs.tag_paths, strict=True)]
        if args.format == "json":
            _write_json(context, {"tags": list(pairs.tag_paths),
                                  "matrix": [row[1:] for row in rows]})
        elif args.format == "csv":
            _write_csv(context, ["tag", *pairs.tag_paths], rows)
        else:
            context.output.table(["tag", *pairs.tag_paths], rows,
                                 title="Overlapping passages per pair of tags "
                                       "(diagonal: passages with the tag)")
        return 0
    matrix = tag_matrix(corpus, by=args.by)
    ids = [tag.id for tag in matrix.tags]
    if args.format == "json":
        _write_json(context, {
            "by": args.by,
            "tags": list(matrix.tag_paths),
            "rows": [
                {args.by: row.label, **({"id": row.key} if args.by == "document" else {}),
                 "passages": row.passages, "characters": row.characters,
                 "tags": {path: {"passages": matrix.count(row.key, tag_id),
                                 "characters": matrix.characters_coded(row.key, tag_id)}
                          for tag_id, path in zip(ids, matrix.tag_paths, strict=True)}}
                for row in matrix.rows
            ],
            "totals": {path: matrix.totals.get(tag_id, 0)
                       for tag_id, path in zip(ids, matrix.tag_paths, strict=True)},
        })
        return 0
    rows = [[row.label, *(matrix.count(row.key, tag_id) for tag_id in ids)]
            for row in matrix.rows]
    if args.format == "csv":
        _write_csv(context, [args.by, *matrix.tag_paths], rows)
        return 0
    totals = ["total", *(matrix.totals.get(tag_id, 0) for tag_id in ids)]
    coded = sum(row.passages for row in matrix.rows)
    context.output.table([args.by, *matrix.tag_paths], [*rows, totals],
                         title=f"Passages per {args.by} and tag ({coded} passage(s); "
                               "parents include the passages of their children)")
    return 0


def cmd_search(context: Context) -> int:
    from reader.analysis.autocode import CachedTexts
    from reader.analysis.kwic import pages_for_database, search_corpus, texts_for_database
    from reader.core.search import SearchError, SearchQuery

    args = context.args
    if not args.pattern:
        raise UserError("the search PATTERN is empty")
    if args.context < 0:
        raise UserError("--context counts characters, from 0")
    if args.unit != "match" and not args.code:
        raise UserError("--unit goes with --code")
    store = context.store
    documents = store.documents()
    if args.doc:
        wanted = store.find_document(args.doc).id
        documents = [document for document in documents if document.id == wanted]
    texts = CachedTexts(texts_for_database(context.db))
    query = SearchQuery(args.pattern, regex=args.regex, case_sensitive=args.case)
    try:
        result = search_corpus(documents, query, text_of=texts, context=args.context,
                               page_of=pages_for_database(context.db))
    except SearchError as error:
        raise UserError(str(error)) from None
    for document, reason in result.unreadable:
        context.output.warn(f"skipped {document.title!r}: {reason}")
    if result.truncated:
        context.output.warn(f"only the first {len(result.hits)} hits are listed")
    if args.code:
        return _code_hits(context, result.hits, texts)
    headers = ["document", "line", "page", "left", "match", "right", "start", "end"]
    rows = [[hit.document.title, hit.line, hit.page or "", hit.left, hit.match, hit.right,
             hit.start, hit.end] for hit in result.hits]
    if args.format == "json":
        _write_json(context, [
            {"document": hit.document.title, "document_id": hit.document.id, "line": hit.line,
             "page": hit.page, "start": hit.start, "end": hit.end, "left": hit.left,
             "match": hit.match, "right": hit.right}
            for hit in result.hits
        ])
    elif args.format == "csv":
        _write_csv(context, headers, rows)
    else:
        # On a terminal the page column only where some hit has a page: the context keeps room.
        shown = [0, 1, 2, 3, 4, 5] if any(hit.page for hit in result.hits) else [0, 1, 3, 4, 5]
        styles = {3: "dim", 4: "bold", 5: "dim"}
        context.output.table([headers[i] for i in shown], [[row[i] for i in shown] for row in rows],
                             title=result.summary(),
                             styles=[styles.get(i) for i in shown])
    return 0


def _code_hits(context: Context, hits: Sequence[Any], texts: Any) -> int:
    """`reader search --code`: every hit coded, in one undo step with any tag it creates."""
    from reader.analysis.autocode import apply_autocoding, autocoding_label, plan_autocoding
    from reader.core.codebook import CodebookError

    args = context.args
    store = context.store
    try:
        known = store.codebook().resolve(args.code)
    except CodebookError:
        known = None  # created with the passages below
    # A tag that does not exist yet has no passages to skip.
    candidates = plan_autocoding(hits, known.id if known else "", store.annotations(), texts,
                                 unit=args.unit)
    skipped = len(hits) - len(candidates)
    if not hits:
        context.output.say(f"No hits for {args.pattern!r}: nothing to code")
        return 0
    if not candidates:
        context.output.say(f"Nothing to code: each of the {len(hits)} hit(s) is already coded "
                           f"with {args.code!r}")
        return 0
    label = autocoding_label(len(candidates),
                             store.codebook().path(known) if known else args.code)
    with store.batch(label):
        tag = known or store.ensure_tags([args.code])[0][0]
        path = store.codebook().path(tag)
        apply_autocoding(store, candidates, tag.id, texts, label=label)
    context.output.say(
        f"Coded {len(candidates)} passage(s) with {path!r}"
        + (f"; {skipped} hit(s) skipped (already coded, or in one {args.unit} with another)"
           if skipped else "")
        + "; `reader undo` takes them back"
    )
    return 0


def cmd_report(context: Context) -> int:
    from reader.analysis.kwic import pages_for_database, texts_for_database
    from reader.analysis.model import Corpus
    from reader.analysis.report import RENDERERS, build_report, line_locator

    args = context.args
    store = context.store
    tag_ids: set[str] | None = None
    if args.tag:
        tag_ids = set()
        for reference in args.tag:
            tag = _tag(context, reference)
            tag_ids |= {tag.id, *store.codebook().descendants(tag.id)}
    document_ids = {store.find_document(doc).id for doc in args.doc} or None
    locate = line_locator(texts_for_database(context.db), pages_for_database(context.db))
    sections = build_report(Corpus.from_store(store), locate,
                            tag_ids=tag_ids, document_ids=document_ids)
    text = RENDERERS[args.format](sections, "Coded passages")
    if args.output == "-":
        with context.output.document_text() as shown:
            shown.write(text)
        return 0
    destination = Path(args.output).expanduser()
    from reader.paths import database_file_role

    if role := database_file_role(destination, context.db):
        raise UserError(f"cannot write the report to {destination}: it is {role}; "
                        "choose another file")
    destination.write_text(text, encoding="utf-8")
    count = sum(section.count for section in sections)
    context.output.say(f"Wrote {count} passage(s) under {len(sections)} tag(s) to {destination}")
    return 0


COMMANDS: dict[str, Callable[[Context], int]] = {
    "open": cmd_open, "add": cmd_add, "list": cmd_list, "docs": cmd_docs, "tags": cmd_tags,
    "export": cmd_export, "import": cmd_import, "undo": cmd_undo, "redo": cmd_redo,
    "locate": cmd_locate, "stats": cmd_stats, "search": cmd_search, "report": cmd_report,
}


def _user_errors() -> tuple[type[BaseException], ...]:
    from reader.config import ConfigError
    from reader.core.codebook import CodebookError
    from reader.core.store import StoreError
    from reader.formats.base import DocumentError
    from reader.interop.csv_format import CsvFormatError
    from reader.interop.registry import ExchangeError

    return (UserError, ConfigError, CodebookError, StoreError, DocumentError, CsvFormatError,
            ExchangeError)


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
            context.checkpoint()  # (first: it may find a step to repair, and say so)
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
