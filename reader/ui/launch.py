"""Starts the TUI: `run_tui(paths, db)`, or `python -m reader.ui.launch [PATHS] [--db PATH]`.

Nothing heavy at module level: the command line imports this to start the app, and start-up time
is spent where the first screen needs it.
"""

from __future__ import annotations

import argparse
import sys


def run_tui(paths: list[str], db: str | None = None) -> int:
    """Run the reader on `paths` (documents or folders); no paths resumes the last session."""
    import gc

    # Start-up allocates tens of thousands of long-lived objects (Textual's CSS, widgets, the
    # document index); collecting cycles among them while nothing can be garbage yet only
    # delays the first frame. The app turns collection back on once that frame is painted.
    gc.disable()
    try:
        from pathlib import Path

        from reader.paths import db_path
        from reader.ui.app import ReaderApp

        app = ReaderApp([Path(path) for path in paths], db_path=db_path(db))
        app.run()
    finally:
        gc.enable()  # in case the app ended before its first frame
    return app.return_code or 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m reader.ui.launch", description="Run the reader TUI."
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="documents or folders to open")
    parser.add_argument("--db", metavar="PATH", help="the annotation database to use")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    return run_tui(args.paths, args.db)


if __name__ == "__main__":
    raise SystemExit(main())
