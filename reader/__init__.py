"""reader: a keyboard-driven terminal reader and annotator for qualitative text analysis."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("reader-annotator")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"
