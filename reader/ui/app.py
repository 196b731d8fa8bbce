"""The reader app: composes the workspace, opens documents, routes commands, keeps the session."""

from __future__ import annotations

import asyncio
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, work
from textual.binding import Binding, BindingType
from textual.css.query import NoMatches
from textual.screen import Screen

from reader.core.display import printable
from reader.core.filepaths import resolved_path
from reader.paths import session_path, styles_dir
from reader.session import (
    Session,
    SessionError,
    load_session,
    remember_recent,
    save_session,
)
from reader.ui.annotator_app import AnnotatorApp
from reader.ui.opening import (
    FOLDER_TAB_LIMIT,
    describe,
    describe_skipped,
    expand_folder,
    load_or_reason,
)
from reader.ui.screens.main import MainScreen
from reader.ui.widgets.footer import ReaderFooter
from reader.ui.widgets.workspace import PaneTabs, Workspace

if TYPE_CHECKING:
    from rich.console import RenderableType
    from textual.dom import DOMNode

    from reader.formats.base import DocumentHead, LoadedDocument
    from reader.ui.keymap import BindingRow
    from reader.ui.widgets.document_pane import DocumentPane
    from reader.ui.widgets.extraction_status import ExtractionRun

AUTOSAVE_SECONDS = 2.0
"""How often positions (which change without any message) are compared with the saved ones."""
SAVE_DELAY = 0.5
"""Debounce after a structural change before the session is written."""
DOCUMENT_CHECK_SECONDS = 2.0
"""How often the open documents' files are checked for having been rewritten."""
SHOW_OPENING_AFTER = 0.5
"""Seconds a document may take to open before the bar over the footer says it is opening."""
FIRST_DOCUMENT_SYNC_BYTES = 2_000_000
"""The first document is read before the first frame only if it is at most this big."""
_WORKSPACE_ACTIONS = frozenset({
    "close_pane", "close_tab", "split", "toggle_wrap", "toggle_line_numbers", "next_tab",
    "previous_tab", "move_to_other_pane", "switch_layout",
})
"""The actions whose availability depends on the panes and tabs open (see `check_action`)."""


def _reader_commands() -> type:
    from reader.ui.commands import ReaderCommands

    return ReaderCommands


class ReaderApp(AnnotatorApp):
    """Reads documents side by side; `reader` alone resumes where the last session ended."""

    TITLE = "reader"
    CSS_PATH: ClassVar[list[str | PurePath]] = [
        path
        for path in (styles_dir() / "app.tcss", styles_dir() / "document.tcss")
        if path.is_file()
    ]
    LATER_CSS_PATH: ClassVar[tuple[str, ...]] = ("review.tcss", "dialogs.tcss", "search.tcss")
    """Styles of what the first frame does not show (sidebar, codebook bar, dialogs, the search
    bar): read once that frame is painted, since parsing them took a twentieth of start-up."""
    COMMANDS: ClassVar[set[Any]] = {_reader_commands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+q",
            "quit",
            "Quit",
            id="app.quit",
            tooltip="Save the session and quit",
            priority=True,  # from any dialog too, as in every Textual app
        ),
        Binding(
            "q",
            "quit",
            "Quit",
            id="app.quit-q",
            tooltip="Save the session and quit (not while typing in a field)",
            show=False,
        ),
        Binding("question_mark,f1", "help", "Help", id="app.help", tooltip="Every key binding"),
        Binding(
            "ctrl+p",
            "command_palette",
            "Commands",
            id="app.command-palette",
            tooltip="Search every command",
            show=False,
            priority=True,
        ),
        Binding(
            "escape",
            "cancel_extraction",
            "Stop extracting",
            id="app.cancel-extraction",
            tooltip="Stop reading a long PDF, Word file or e-book (it is not opened)",
            show=False,  # (the bar over the footer says so while it applies)
            priority=True,  # before the document's own escape, only while an extraction runs
        ),
        Binding(
            "ctrl+o",
            "open_document",
            "Open",
            id="app.open-document",
            tooltip="Choose a document from a folder or the recent list",
        ),
        Binding(
            "ctrl+backslash",
            "split",
            "Split",
            id="pane.split",
            tooltip="Open a new pane beside the active one, showing the next document of this "
            "pane (or a second view of a lone document)",
        ),
        Binding(
            "ctrl+w",
            "close_pane",
            "Close pane",
            id="pane.close",
            tooltip="Close the active pane and the documents in it",
        ),
        Binding(
            "alt+w",
            "close_tab",
            "Close tab",
            id="tab.close",
            tooltip="Close the active document (its pane too, if it was the last one there)",
            show=False,
        ),
        Binding(
            "ctrl+pagedown,alt+right",
            "next_tab",
            "Next tab",
            id="tab.next",
            priority=True,  # before the document view's own ctrl+page keys (page sideways)
            tooltip="Show the next document in the active pane",
            show=False,
        ),
        Binding(
            "ctrl+pageup,alt+left",
            "previous_tab",
            "Previous tab",
            id="tab.previous",
            priority=True,  # before the document view's own ctrl+page keys (page sideways)
            tooltip="Show the previous document in the active pane",
            show=False,
        ),
        Binding(
            "alt+m",
            "move_to_other_pane",
            "Move to other pane",
            id="tab.move-to-other-pane",
            tooltip="Move the active document to the next pane (splitting if there is one pane)",
            show=False,
        ),
        Binding(
            "alt+l",
            "switch_layout",
            "Layout",
            id="pane.switch-layout",
            tooltip="Panes side by side or stacked",
            show=False,
        ),
        Binding(
            "alt+z",
            "toggle_wrap",
            "Wrap",
            id="app.toggle-wrap",
            tooltip="Wrap long lines to the pane width, or scroll sideways",
            show=False,
        ),
        Binding(
            "alt+n",
            "toggle_line_numbers",
            "Line numbers",
            id="app.toggle-line-numbers",
            tooltip="Show or hide line numbers",
            show=False,
        ),
        Binding(
            "alt+t",
            "change_theme",
            "Theme",
            id="app.switch-theme",
            tooltip="Choose a colour theme",
            show=False,
        ),
    ]

    def __init__(
        self,
        paths: list[Path] | None = None,
        *,
        db_path: Path,
        config_path: Path | None = None,
    ) -> None:
        super().__init__()
        self.paths = list(paths or [])
        self.db_path = db_path
        self.session_file = session_path(db_path)
        self.config_path = config_path
        self._extractions: list[ExtractionRun] = []  # documents being read, oldest first
        self._cancels = 0  # how often escape stopped opening: a folder stops opening too
        self.recent: list[str] = []
        self.keymap: dict[str, str] = {}
        self._last_saved: dict[str, Any] | None = None
        self._save_timer: Any = None
        self._session_ready = False
        self._save_failed = False
        self._had_documents = False
        self._startup_session: Session | None = None
        self._first_placed: tuple[Path, int, int] | None = None
        self._later_styles_read = False
        self._held_keys: list[events.Key] | None = []
        self._exiting = False
        self.main_screen = MainScreen(id="main")

    def get_default_screen(self) -> Screen[None]:
        return self.main_screen

    @property
    def workspace(self) -> Workspace:
        return self.main_screen.query_one(Workspace)

    # ---- start-up ------------------------------------------------------------------------------

    def on_load(self) -> None:
        # Before the driver takes the terminal over, so no moment of the app's life ends in a
        # terminal left in the alternate screen with mouse reporting on.
        self._quit_on_terminating_signals()

    def _quit_on_terminating_signals(self) -> None:
        """SIGTERM (a shutdown, `kill`) and SIGHUP (the terminal closed) quit the way `q` does:
        the session and every queued change are written, and the terminal is given back.

        The exit status is then 128 + the signal's number, what a shell reports for a process
        the signal ended, so a script or supervisor still learns the reader was terminated;
        nothing is lost by it, which the status cannot say but the data on disk does.
        """
        import signal

        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGHUP):
            try:
                loop.add_signal_handler(signum, self._quit_on_signal, signum)
            except (NotImplementedError, RuntimeError, ValueError):
                return  # no Unix signals here, or not the main thread: the default stands

    def _quit_on_signal(self, signum: int) -> None:
        self.save_now()
        self.exit(return_code=128 + signum)

    def on_mount(self) -> None:
        self._apply_settings()
        session = self._startup_session = self._read_session()
        options: dict[str, Any] = {}
        if session is not None:
            self.recent = list(session.recent)
            self._apply_theme(session.theme)
            options.update(wrap=session.wrap, line_numbers=session.line_numbers)
            options.update(layout=session.layout)
        first = self._load_first_document(session)
        if first is not None:
            options["first"] = first
        self.main_screen.workspace_options = options
        self.theme_changed_signal.subscribe(self, lambda _theme: self.schedule_save())
        self.set_interval(AUTOSAVE_SECONDS, self._autosave)
        # No file system events without another dependency: a `stat` per open document.
        self.set_interval(DOCUMENT_CHECK_SECONDS, self._check_open_documents)

    def _first_document(self, session: Session | None) -> tuple[Path, int, int, dict[str, Any]]:
        """The document to show first: path, pane and tab index in the session, saved state."""
        if self.paths:
            first = self.paths[0]
            if first.is_dir():
                files, _ = expand_folder(first, first_only=True)
                return (files[0] if files else first), 0, 0, {}
            return first, 0, 0, {}
        if session is not None and session.has_documents:
            for pane_index, pane in enumerate(session.panes):
                if pane.documents:
                    doc = pane.documents[pane.active]
                    state = {"cursor": doc.cursor, "view": doc.view}
                    return Path(doc.path), pane_index, pane.active, state
        from reader.paths import sample_docs_dir

        files, _ = expand_folder(sample_docs_dir(), first_only=True)
        return (files[0] if files else sample_docs_dir()), 0, 0, {}

    def _load_first_document(
        self, session: Session | None
    ) -> tuple[LoadedDocument | DocumentHead, dict[str, Any] | None] | None:
        """Load the first document before the first frame, so that frame shows it.

        Only a small, readable file, or the first lines of a large text (its pane reads the
        rest in a thread): anything else goes the ordinary way (a worker, and a message if it
        cannot be read), so start-up never blocks on a big document.
        """
        from reader.formats.base import read_head
        from reader.formats.cached import extraction_cache_for, load_document_once

        def not_yet(path: Path) -> LoadedDocument:
            raise LookupError("extracted later, by a worker")

        path, pane_index, doc_index, state = self._first_document(session)
        document: LoadedDocument | DocumentHead | None
        try:
            if not path.is_file():
                return None
            if path.stat().st_size > FIRST_DOCUMENT_SYNC_BYTES:
                document = read_head(path)
                if document is None:
                    return None
            else:
                # A text, or an extraction done before; a PDF never seen goes to a worker.
                document = load_document_once(path, extraction_cache_for(self.db_path), not_yet)
        except Exception:  # reported when the worker tries the same path
            return None
        self._first_placed = (resolved_path(path), pane_index, doc_index)
        return document, state or None

    async def on_event(self, event: events.Event) -> None:
        # Keys in the same burst as `q` (`qC`, `q?`) arrive after the app decided to exit: acting
        # on them would open screens and mount widgets while the app takes its widgets down, and
        # their queries find nothing. Input after the decision to exit is not for this app.
        if self._exiting and isinstance(event, events.InputEvent):
            return
        # Keys typed while the app starts (a fast typist, a paste) can arrive before the first
        # document has the keyboard, and would go to no widget's bindings; they are held until
        # the first frame is painted, then handled in order.
        if self._held_keys is not None and isinstance(event, events.Key) and not event.is_forwarded:
            self._held_keys.append(event)
            return
        await super().on_event(event)

    def _release_held_keys(self) -> None:
        held, self._held_keys = self._held_keys or [], None
        for key in held:
            self.post_message(events.Key(key.key, key.character))

    def on_ready(self) -> None:
        import gc

        # Textual lays the first screen out inside its start-up batch, where nothing may be
        # written, and then leaves it to the screen's next frame tick (up to 1/60 s later) to
        # draw. Draw it now. (`_on_timer_update` is that tick's work; Textual is pinned.)
        screen = self.screen
        screen.refresh()
        paint = getattr(screen, "_on_timer_update", None)
        if callable(paint):
            paint()
        self.load_later_styles()
        self._release_held_keys()
        # See `run_tui`: the objects made during start-up live as long as the app, so keep the
        # collector from scanning them again and again, then let it run as usual.
        if not gc.isenabled():
            gc.freeze()
            gc.enable()
            self.freeze_after_store_load = True

    def load_later_styles(self) -> None:
        """Read `LATER_CSS_PATH` (once): before the first widget or dialog that uses them."""
        if self._later_styles_read:
            return
        self._later_styles_read = True
        for name in self.LATER_CSS_PATH:
            path = styles_dir() / name
            if path.is_file():  # (parsed when the next widget is styled)
                self.stylesheet.read(path)

    def on_main_screen_composed(self, event: MainScreen.Composed) -> None:
        """Fill the workspace: the command line's documents, else the last session, else samples."""
        session = self._startup_session
        if session is not None:
            workspace = self.workspace
            workspace.wrap = session.wrap
            workspace.line_numbers = session.line_numbers
            workspace.layout_mode = session.layout
        self.call_after_refresh(self._check_keymap)
        if self.paths:
            self._open_initial(self.paths)
        elif session is not None and session.has_documents:
            self._restore(session)
        else:
            from reader.paths import sample_docs_dir

            self._open_initial([sample_docs_dir()])

    def _apply_settings(self) -> None:
        from reader.config import ConfigError, load_settings

        try:
            settings = load_settings(self.config_path)
        except ConfigError as error:
            # The annotator falls back to the login name too (see AnnotatorApp), so say "the
            # defaults", not only the keys.
            self.report(f"{error}. Using the defaults: your login name as the annotator, the "
                        "default keys.", title="Config file ignored", severity="warning")
            self.action_set_bidi("auto", announce=False)
            return
        self.keymap = dict(settings.keymap)
        if self.keymap:
            self.set_keymap(self.keymap)
        self.action_set_bidi(settings.bidi, announce=False)

    def _check_keymap(self) -> None:
        from reader.ui.keymap import bad_key_specs, keymap_clashes, unknown_binding_ids

        if not self.keymap:
            return
        unknown = unknown_binding_ids(self.keymap, self.binding_rows())
        bad = bad_key_specs(self.keymap)
        if unknown:
            self.report(
                "No binding has the id " + ", ".join(unknown) + " (see the help panel, ? or f1).",
                title="Config file: unknown keys",
                severity="warning",
            )
        clashes = keymap_clashes(self.binding_owners(), self._keymap)
        if clashes:
            lines = [f"{key}: {ident} takes it from {other}" for key, ident, other in clashes]
            self.report(
                "\n".join(lines),
                title="Config file: a key is given twice",
                severity="warning",
            )
        if bad:
            self.report(
                "Empty key in " + ", ".join(bad) + '; write keys like "ctrl+o" or "j,down".',
                title="Config file: bad keys",
                severity="warning",
            )

    def _read_session(self) -> Session | None:
        try:
            return load_session(self.session_file)
        except SessionError as error:
            self.report(f"{error}. Starting a new session.", title="Session ignored")
            return None

    def _apply_theme(self, theme: str | None) -> None:
        if theme and theme != self.theme:
            if theme in self.available_themes:
                self.theme = theme
            else:
                self.report(f"Theme {theme!r} is not available.", severity="warning")

    # ---- documents changed on disk -------------------------------------------------------------

    def _check_open_documents(self) -> None:
        if not self.main_screen.is_mounted:
            return
        for pane in list(self.workspace.document_panes()):
            pane.check_file()

    def on_document_pane_changed_on_disk(self, event: DocumentPane.ChangedOnDisk) -> None:
        self._reload_document(event.pane)

    @work(group="reload")
    async def _reload_document(self, pane: DocumentPane) -> None:
        """Show the new version of a rewritten file in place of the old one.

        What a reader expects of a viewer (nothing of theirs is in the text, unlike an editor's
        buffer): the text on screen is the file's, always. The passages follow their quotes
        into the new text (the store does that when the new version is registered); those it
        cannot place are not drawn, and the status line and sidebar say so.
        """
        from reader.ui.widgets.workspace import DocumentTab

        path = pane.document.path
        name = printable(path.name)
        loaded = await self._load(path)
        tab = pane.parent
        if not pane.is_attached or not isinstance(tab, DocumentTab):
            return
        if isinstance(loaded, str):
            pane.keep_file_signature()
            self.report(
                f"{name} changed on disk and cannot be read again ({loaded}); "
                "the text shown is the one read before.",
                severity="warning",
            )
            return
        shown = pane.loaded_document  # (a pane still loading is not checked: see check_file)
        if shown is not None and loaded.sha256 == shown.sha256:
            pane.keep_file_signature()  # touched or rewritten with the same text
            return
        if self.coding_controller is not None:
            self.coding_controller.forget_document(str(path))
        await self.workspace.replace_document(tab, loaded)
        self.notify(f"{name} changed on disk and was reloaded.", title="Document",
                    markup=False, timeout=6)

    # ---- opening documents ---------------------------------------------------------------------

    async def _load_quickly(self, path: Path) -> LoadedDocument | DocumentHead | str:
        """The first lines of a large text (its pane reads the rest), else `_load`."""
        from reader.formats.base import read_head

        head = await asyncio.to_thread(read_head, path)
        return head if head is not None else await self._load(path)

    def on_document_pane_load_failed(self, event: DocumentPane.LoadFailed) -> None:
        """The rest of a document shown by its first lines could not be read: say why, and
        close it (nothing was registered or coded in it: that waits for the whole text)."""
        self.report(describe(event.pane.document.path, event.reason))
        self._close_failed(event.pane)

    def on_document_pane_loaded(self, event: DocumentPane.Loaded) -> None:
        for pane in self.workspace.panes:  # (a title found past the start: its tab says it)
            pane.refresh_strip()
        document = event.pane.loaded_document
        if document is not None and document.structure:
            self._keep_structure(document)

    @work(thread=True, group="structure-cache", exit_on_error=False)
    def _keep_structure(self, document: LoadedDocument) -> None:
        """A Markdown file's headings, kept as loading it the ordinary way keeps them (see
        reader.formats.cached): a passage's section is then known where it is not open."""
        from reader.formats.cached import extraction_cache_for

        try:
            extraction_cache_for(self.db_path).put_structure(document.sha256, document.structure)
        except OSError:
            pass  # the next open reads the headings again: nothing is lost

    @work(group="open")
    async def _close_failed(self, pane: DocumentPane) -> None:
        if pane.is_attached:
            await self.workspace.close_document(pane)

    async def _load(self, path: Path) -> LoadedDocument | str:
        """The loaded document (read in a thread; a PDF or Word file extracted in a child
        process, with its progress shown over the footer and `escape` to stop it), or a
        one-line reason it could not be read."""
        # (Here, not at the top: the first document is read before any of this is needed.)
        from reader.ui.widgets.extraction_status import ExtractionRun

        run = ExtractionRun(path)

        def progress(done: int, total: int) -> None:  # (on the loading thread)
            self.call_from_thread(self._extraction_progress, run, done, total)

        def still_running() -> None:
            run.shown = True
            self._show_extractions()

        self._extractions.append(run)
        timer = self.set_timer(SHOW_OPENING_AFTER, still_running)
        try:
            loaded = await asyncio.to_thread(
                load_or_reason, path, self.db_path, cancelled=run.cancel.is_set,
                progress=progress,
            )
        finally:
            timer.stop()
            self._extractions.remove(run)
            self._show_extractions()
        if run.cancel.is_set() and not isinstance(loaded, str):
            # (A text has no child process to stop: it is read, and then not opened.)
            return f"{path}: opening cancelled"
        return loaded

    def _extraction_progress(self, run: ExtractionRun, done: int, total: int) -> None:
        run.done, run.total = done, total
        self._show_extractions()

    def _running_extractions(self) -> list[ExtractionRun]:
        """The opens to show and to cancel: those under way for a while or telling progress
        (a document read in a blink never shows the bar)."""
        return [run for run in self._extractions
                if (run.total or run.shown) and not run.cancel.is_set()]

    def _show_extractions(self) -> None:
        """The bar over the footer, for the opens under way (see `_running_extractions`)."""
        if not self.main_screen.is_mounted:
            return
        from reader.ui.widgets.extraction_status import ExtractionStatus  # (see `_load`)

        running = self._running_extractions()
        try:
            status = self.main_screen.query_one(ExtractionStatus)
        except NoMatches:
            if not running:
                return
            status = ExtractionStatus()
            self.main_screen.mount(status, before=self.main_screen.query_one(ReaderFooter))
        keys = self.keys_for_binding_id("app.cancel-extraction")
        status.show_runs(running, keys[0] if keys else "")
        self.refresh_bindings()

    def action_cancel_extraction(self) -> None:
        """Stop every extraction under way (their documents are not opened, nor the rest of a
        folder being opened)."""
        self._cancels += 1
        for run in self._extractions:
            run.cancel.set()
        self._show_extractions()

    @work(group="open")
    async def _open_initial(self, paths: list[Path]) -> None:
        """Open documents and folders given on the command line, all as tabs of one pane."""
        self.workspace.set_loading(True)
        # These paths replace the last session, so what is open is the session from the first
        # tab on: quitting before the rest are open keeps what is open.
        self._session_ready = True
        cancels = self._cancels
        for path in paths:
            if self._cancels != cancels:
                break  # escape stopped opening: the rest is not opened either
            if path.is_dir():
                await self._open_folder(path)
            elif not self._take_first(path):
                await self.open_path(path, activate=self.workspace.document_count == 0)
        self.workspace.set_loading(False)
        self.schedule_save()

    async def _open_folder(self, folder: Path) -> None:
        """Open the folder's first documents as tabs (at most FOLDER_TAB_LIMIT of them), and say
        what was skipped and how to reach the rest."""
        # (Listed in a thread: a deep tree must not hold up the keys.)
        files, skipped = await asyncio.to_thread(expand_folder, folder)
        opened = tried = 0
        cancels = self._cancels
        for file in files:
            if opened == FOLDER_TAB_LIMIT or self._cancels != cancels:
                break
            tried += 1
            if self._take_first(file):
                opened += 1
                continue
            loaded = await self._load_quickly(file)
            if isinstance(loaded, str):
                skipped.append((file, loaded))
            else:
                await self._show(loaded, activate=self.workspace.document_count == 0)
                opened += 1
        name = folder.name or str(folder)
        if skipped:
            self.report(
                describe_skipped(skipped, root=folder),
                title=f"Skipped {len(skipped):,} in {name}",
                severity="warning",
            )
        if tried < len(files):
            keys = self.keys_for_binding_id("app.open-document")
            how = f"{keys[0]} opens others from the folder" if keys else "open others with Open"
            self.report(
                f"Opened the first {opened} of {len(files):,} documents in {name}; {how}.",
                severity="information",
            )

    def _take_first(self, path: Path) -> bool:
        """True (once) if `path` is the document already shown by the first frame."""
        if self._first_placed is None or self.workspace.initial_tab is None:
            return False
        same = resolved_path(path) == self._first_placed[0]
        if same:
            self._first_placed = None
            document = self.workspace.initial_tab.document_pane.document
            self.recent = remember_recent(self.recent, str(document.path))
        return same

    async def open_path(self, path: Path, *, activate: bool = True) -> bool:
        """Open one document in the active pane (or switch to it if already open)."""
        path = path.expanduser()
        for pane in self.workspace.panes:
            for tab in pane.tabs:
                if resolved_path(tab.document_pane.document.path) == resolved_path(path):
                    pane.active = tab.id or ""
                    self.workspace.focus_document(tab)
                    return True
        if path.is_dir():
            self.report(f"{path.name} is a folder; choose a document inside it.")
            return False
        loaded = await self._load_quickly(path)
        if isinstance(loaded, str):
            self.report(describe(path, loaded))
            return False
        await self._show(loaded, activate=activate)
        return True

    async def _show(
        self,
        document: LoadedDocument | DocumentHead,
        *,
        pane: PaneTabs | None = None,
        state: dict[str, Any] | None = None,
        activate: bool = True,
    ) -> None:
        await self.workspace.open_document(document, pane=pane, state=state, activate=activate)
        self.recent = remember_recent(self.recent, str(document.path))

    @work(group="open")
    async def _restore(self, session: Session) -> None:
        """Bring back the panes, tabs and positions of a saved session."""
        self.workspace.set_loading(True)
        missing: list[str] = []
        focused: int | None = None
        workspace = self.workspace
        initial = workspace.initial_tab
        placed = self._first_placed[1:] if self._first_placed and initial else None
        self._first_placed = None
        for index, pane_state in enumerate(session.panes):
            pane: PaneTabs | None = None
            active_id: str | None = None
            holds_initial = placed is not None and placed[0] == index
            if holds_initial and initial is not None:
                pane = workspace.panes[0]
                if index == session.focused_pane or focused is None:
                    focused = 0
            for doc_index, doc_state in enumerate(pane_state.documents):
                if holds_initial and placed is not None and doc_index == placed[1]:
                    if doc_index <= pane_state.active or active_id is None:
                        active_id = initial.id if initial else None
                    continue
                loaded = await self._load_quickly(Path(doc_state.path))
                if isinstance(loaded, str):
                    missing.append(describe(Path(doc_state.path), loaded))
                    continue
                if pane is None:
                    pane = await workspace.add_pane()
                    if index == session.focused_pane or focused is None:
                        focused = len(workspace.panes) - 1
                state = {"cursor": doc_state.cursor, "view": doc_state.view}
                before = initial if holds_initial and placed and doc_index < placed[1] else None
                tab = await workspace.open_document(
                    loaded, pane=pane, state=state, activate=False, before=before
                )
                if doc_index <= pane_state.active or active_id is None:
                    active_id = tab.id
            if pane is not None and active_id:
                pane.active = active_id
        if focused is not None:
            workspace.focus_pane(focused)
        if missing:
            self.report(
                "\n".join(missing),
                title=f"{len(missing)} document(s) from the last session could not be opened",
                severity="warning",
            )
        if not workspace.document_count:
            from reader.paths import sample_docs_dir

            self._session_ready = False
            self._open_initial([sample_docs_dir()])
            return
        self.workspace.set_loading(False)
        self._session_ready = True
        self.schedule_save()

    # ---- messages ------------------------------------------------------------------------------

    def report(self, message: str, *, title: str = "", severity: str = "error") -> None:
        """Show a message that may contain file names: never markup, no control characters."""
        text = "\n".join(printable(line) for line in message.splitlines())
        self.notify(
            text,
            title=printable(title),
            severity=severity,  # type: ignore[arg-type]
            markup=False,
            timeout=8 if severity == "information" else 12,
        )

    # ---- actions -------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.is_running or not self.screen_stack:
            return True
        if action not in _WORKSPACE_ACTIONS:
            return self._check_app_action(action)
        # (The footer asks for each of its keys: the query for the workspace only when needed.)
        workspace = self.workspace
        if action == "close_pane":
            return True if len(workspace.panes) > 1 else None
        if action in {"close_tab", "split", "toggle_wrap", "toggle_line_numbers"}:
            return True if workspace.document_count else None
        if action in {"next_tab", "previous_tab"}:
            pane = workspace.active_pane
            return True if pane is not None and len(pane.tabs) > 1 else None
        if action == "move_to_other_pane":
            pane = workspace.active_pane
            if pane is None:
                return None
            return True if len(workspace.panes) > 1 or len(pane.tabs) > 1 else None
        return True if len(workspace.panes) > 1 else None  # switch_layout

    def _check_app_action(self, action: str) -> bool | None:
        if action == "open_recent":
            return True if self.recent else None
        if action == "cancel_extraction":
            # False, not None: escape goes on to the widgets when nothing is being extracted.
            # (Nor over a dialog: there escape closes the dialog.)
            return self.screen is self.main_screen and bool(self._running_extractions())
        return True

    async def action_quit(self) -> None:
        self.save_now()
        self.exit()

    def exit(
        self, result: None = None, return_code: int = 0, message: RenderableType | None = None
    ) -> None:
        """Exit the app; input that arrives from now on is dropped (see `on_event`), and
        extractions under way stop (the app would otherwise wait for their threads)."""
        self._exiting = True
        for run in self._extractions:
            run.cancel.set()
        super().exit(result, return_code, message)

    def action_help(self) -> None:
        from reader.ui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.binding_rows()))

    def action_open_document(self) -> None:
        from reader.ui.screens.open_document import OpenDocumentScreen

        if isinstance(self.screen, OpenDocumentScreen):
            return
        active = self.workspace.active_document
        start = Path(active.document.path).parent if active else Path.cwd()
        recent = [Path(item) for item in self.recent]
        self.push_screen(OpenDocumentScreen(start, recent), self._open_chosen)

    def _open_chosen(self, path: Path | None) -> None:
        if path is not None:
            self._open_user_path(path)

    @work(group="open")
    async def _open_user_path(self, path: Path) -> None:
        if await self.open_path(path):
            self.schedule_save()

    def action_open_recent(self, index: int) -> None:
        if 0 <= index < len(self.recent):
            self._open_user_path(Path(self.recent[index]))

    async def action_split(self) -> None:
        await self.workspace.split()

    async def action_close_pane(self) -> None:
        await self.workspace.close_pane()

    async def action_close_tab(self) -> None:
        await self.workspace.close_tab()

    def action_next_tab(self) -> None:
        self.workspace.select_tab(+1)

    def action_previous_tab(self) -> None:
        self.workspace.select_tab(-1)

    async def action_move_to_other_pane(self) -> None:
        await self.workspace.move_to_other_pane()

    def action_switch_layout(self) -> None:
        self.workspace.toggle_layout()

    def action_toggle_wrap(self) -> None:
        workspace = self.workspace
        active = workspace.active_document
        workspace.set_wrap(not (active.wrap if active else workspace.wrap))

    def action_set_bidi(self, setting: str, announce: bool = True) -> None:
        """Choose who reorders right-to-left text (the config's `display.bidi`, for this run)."""
        from reader.core.bidi import BIDI_SETTINGS, resolve_mode, set_display_mode

        if setting not in BIDI_SETTINGS:
            return
        mode = resolve_mode(setting)
        set_display_mode(mode)
        panes = self.main_screen.query(Workspace).first().document_panes() if (
            self.main_screen.is_mounted and self.main_screen.query(Workspace)) else []
        for document_pane in panes:
            document_pane.view.bidi = mode
        self.refresh(layout=True)
        if announce:
            said = {"reader": "reordered by the reader", "terminal": "left to the terminal",
                    "off": "drawn in stored order"}[mode]
            self.notify(f"Right-to-left text: {said} ({setting})", timeout=3)

    def action_toggle_line_numbers(self) -> None:
        workspace = self.workspace
        active = workspace.active_document
        workspace.set_line_numbers(not (active.line_numbers if active else workspace.line_numbers))

    # ---- bindings, for help and the palette ----------------------------------------------------

    def binding_owners(self) -> list[tuple[str, type[DOMNode]]]:
        """Every class whose bindings the user can meet: app, panes, document, then the rest."""
        from reader.ui.keymap import group_name, reader_binding_classes
        from reader.ui.widgets.document_pane import DocumentPane
        from reader.ui.widgets.document_view import DocumentView

        owners: list[tuple[str, type[DOMNode]]] = [
            ("Application", type(self)),
            ("Panes and focus", type(self.main_screen)),
            ("Document pane", DocumentPane),
            ("Document view", DocumentView),
        ]
        for found in reader_binding_classes():
            # A base (or mixin) of a listed class is already merged into that class's rows.
            if not any(issubclass(listed, found) for _, listed in owners):
                owners.append((group_name(found), found))
        return owners

    def binding_rows(self) -> list[BindingRow]:
        from reader.ui.keymap import binding_rows

        return binding_rows(self, self.binding_owners(), self._keymap)

    def keys_for_binding_id(self, binding_id: str) -> tuple[str, ...]:
        for row in self.binding_rows():
            if row.id == binding_id:
                return row.keys
        return ()

    # ---- session -------------------------------------------------------------------------------

    def snapshot(self) -> Session:
        """The session as it stands: panes, tabs, positions and preferences."""
        workspace = self.workspace
        panes, focused = workspace.pane_states()
        previous = self._startup_session
        if not panes and not self._had_documents and previous is not None:
            # Nothing could be opened this time (say, a mistyped path): keep the last
            # session's documents for the next `reader` rather than forgetting them.
            panes, focused = previous.panes, previous.focused_pane
        active_document = workspace.active_document
        return Session(
            panes=panes,
            focused_pane=focused,
            layout=workspace.layout_mode,
            theme=self.theme,
            wrap=active_document.wrap if active_document else workspace.wrap,
            line_numbers=(
                active_document.line_numbers if active_document else workspace.line_numbers
            ),
            recent=list(self.recent),
        )

    def schedule_save(self) -> None:
        if self._save_timer is not None:
            self._save_timer.stop()
        self._save_timer = self.set_timer(SAVE_DELAY, self._autosave)

    def _autosave(self) -> None:
        if self._session_ready:
            self.save_now(only_if_changed=True)

    def save_now(self, *, only_if_changed: bool = False) -> None:
        """Write the session file (atomically); a failure is reported, never raised."""
        if not self._session_ready or not self.is_running:
            return
        try:
            session = self.snapshot()
        except Exception as error:  # half-torn-down widgets while quitting
            self.log.error(f"session snapshot failed: {error!r}")
            return
        data = session.to_dict()
        if only_if_changed and data == self._last_saved:
            return
        try:
            save_session(self.session_file, session)
        except OSError as error:
            if not self._save_failed:  # once, not every autosave
                self.report(f"Cannot save the session to {self.session_file}: {error.strerror}")
            self._save_failed = True
            return
        self._save_failed = False
        self._last_saved = data

    def on_workspace_changed(self, event: Workspace.Changed) -> None:
        if not self.screen_stack:  # a late message while shutting down
            return
        self.refresh_bindings()
        if self.workspace.document_count:
            self._had_documents = True
        if self._session_ready:
            self.schedule_save()
