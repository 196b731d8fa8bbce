"""Bytes to text: byte order marks, strict UTF-8, then legacy-encoding detection; refuses binary."""

from __future__ import annotations

import codecs
import io
from typing import TYPE_CHECKING, BinaryIO

from reader.core.text import Canonicalizer, canonicalize
from reader.formats.errors import BinaryDocumentError, UndecodableDocumentError

if TYPE_CHECKING:
    from reader.core.spooled_text import SpoolWriter

# Order matters: the UTF-32 LE mark begins with the UTF-16 LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

SNIFF_BYTES = 8 * 1024
# Detection reads only this much, so a 22 MB legacy file costs the same as a 64 KiB one.
DETECT_BYTES = 64 * 1024
# C0 controls other than tab, line feed, vertical tab, form feed, carriage return and escape
# (escape sequences are legitimate data in captured terminal output), plus DEL.
_CONTROL_BYTES = bytes(sorted(set(range(0x20)) - {0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1B})) + b"\x7f"
# Valid UTF-8 is very likely text, and control characters in it are data (rendering shows
# them safely), so only a file made mostly of controls is refused; bytes that are not UTF-8
# get far less benefit of the doubt.
_CONTROL_RATIO_UTF8 = 0.25
_CONTROL_RATIO_LEGACY = 0.05

_BINARY = "looks like a binary file, not text"

# charset-normalizer's answers, in the names we report.
_NAMES = {"iso8859-1": "latin-1", "utf-8": "utf-8"}


# The legacy code pages most documents come in, most common first.
_PREFERRED = (
    "cp1252",
    "cp1256",
    "cp1251",
    "cp1250",
    "latin-1",
    "cp1253",
    "cp1254",
    "cp1255",
    "cp1257",
    "cp1258",
    "cp874",
    "shift_jis",
    "gb18030",
    "big5",
    "euc_kr",
)


def _normal_name(encoding: str) -> str:
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        return encoding
    return _NAMES.get(name, name)


def _looks_binary(sample: bytes, ratio: float) -> bool:
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    return controls > max(2, len(sample) * ratio)


# Of the 2-byte units in a sample, at least this share must have a NUL high byte (spaces,
# digits and line breaks give that even in Arabic or Cyrillic text), and at most this share of
# those NULs may sit in the other byte, for the sample to count as UTF-16 without a BOM.
_UTF16_NUL_SHARE = 0.1
_UTF16_STRAY_NULS = 0.05


def _bomless_utf16(head: bytes) -> str | None:
    """"utf-16-le" or "utf-16-be" if `head`, which has NULs, is UTF-16 text without a byte order
    mark: NULs in alternate bytes (the high bytes of ASCII characters), decoding cleanly to
    text with hardly any control characters; None otherwise."""
    sample = head[: len(head) // 2 * 2]
    units = len(sample) // 2
    even_nuls, odd_nuls = sample[0::2].count(0), sample[1::2].count(0)
    if odd_nuls > even_nuls:
        encoding, nuls, stray = "utf-16-le", odd_nuls, even_nuls
    else:
        encoding, nuls, stray = "utf-16-be", even_nuls, odd_nuls
    if nuls < max(1, units * _UTF16_NUL_SHARE) or stray > nuls * _UTF16_STRAY_NULS:
        return None
    try:  # not final: the sample may end inside a surrogate pair
        text = codecs.getincrementaldecoder(encoding)("strict").decode(sample, final=False)
    except UnicodeDecodeError:
        return None
    controls = sum(1 for character in text if _is_control(character))
    return None if controls > max(2, len(text) * _CONTROL_RATIO_LEGACY) else encoding


def _is_control(character: str) -> bool:
    code = ord(character)
    return (code < 0x20 and code not in _ALLOWED_C0) or 0x7F <= code < 0xA0


_ALLOWED_C0 = frozenset(range(0x20)) - frozenset(_CONTROL_BYTES)


def _detection_sample(data: bytes, size: int) -> bytes:
    if len(data) <= size:
        return data
    # End on a line break so the sample does not end in half a multi-byte character.
    cut = data.rfind(b"\n", 0, size)
    return data[: cut + 1] if cut > size // 2 else data[:size]


def decode(data: bytes) -> tuple[str, str]:
    """The text in `data` and the encoding it was read with.

    Raises BinaryDocumentError for binary data and UndecodableDocumentError when no encoding
    fits. The text is not canonicalised here (see reader.core.text.canonicalize).
    """
    # BytesIO shares the bytes rather than copying them.
    return decode_stream(io.BytesIO(data))


def decode_stream(
    stream: BinaryIO, *, canonical: bool = False, spool: SpoolWriter | None = None
) -> tuple[str, str]:
    """Like `decode` on the bytes of `stream` (read from its start to its end); with `canonical`
    the text comes back canonical (see reader.core.text.canonicalize).

    A file with a BOM or in UTF-8 is read, decoded and canonicalised a chunk at a time, so its
    bytes never sit in memory beside its text, nor its CRLF text beside the canonical one: a
    22 MB file costs its text and one chunk. Only a legacy-encoded file, which is rare and needs
    guessing, is read whole.

    With `spool`, the canonical text goes to that writer instead (reader.core.spooled_text),
    and the str returned is empty: a huge text is then never held in memory at all.
    """
    head = stream.read(SNIFF_BYTES)
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            try:
                text = _decode_chunks(head, stream, encoding, canonical=canonical, spool=spool)
                return text, encoding
            except _InvalidByte:
                raise UndecodableDocumentError(
                    f"starts with a {encoding.upper()} byte order mark but is not valid "
                    f"{encoding.upper()}"
                ) from None
    # A NUL never appears in text except as UTF-16/32; without a BOM, UTF-16 is recognised by
    # where its NULs are (Notepad and PowerShell write it so), anything else is binary.
    if b"\x00" in head:
        utf16 = _bomless_utf16(head)
        if utf16 is None:
            raise BinaryDocumentError(_BINARY)
        try:
            text = _decode_chunks(head, stream, utf16, canonical=canonical, spool=spool)
            return text, utf16
        except _InvalidByte as error:
            name = utf16.upper()
            raise UndecodableDocumentError(
                f"looks like {name} without a byte order mark but is not valid {name} "
                f"(at byte offset {error.offset}); save it as UTF-8 and try again"
            ) from None
    # Before decoding, not after: a sample this full of controls is refused whether or not the
    # whole file is UTF-8, since the legacy test below is stricter still.
    if _looks_binary(head, _CONTROL_RATIO_UTF8):
        raise BinaryDocumentError(_BINARY)
    try:
        text = _decode_chunks(head, stream, "utf-8", canonical=canonical, spool=spool)
        return text, "utf-8"
    except _InvalidByte as error:
        bad_byte = error.offset
    if spool is not None:
        spool.restart()  # (what was spooled as UTF-8 up to the bad byte)
    stream.seek(0)
    data = stream.read()
    if b"\x00" in data or _looks_binary(head, _CONTROL_RATIO_LEGACY):
        raise BinaryDocumentError(_BINARY)
    detected = _detect(data)
    del data  # not beside the text while it is made canonical
    if detected is None:
        raise UndecodableDocumentError(
            f"is not UTF-8 (invalid byte at offset {bad_byte}) and no other text encoding "
            "fits; save it as UTF-8 and try again"
        )
    text, encoding = detected
    if canonical:
        text = canonicalize(text)
    if spool is not None:
        spool.feed(text)
        return "", encoding
    return text, encoding


def decode_head(data: bytes) -> tuple[str, str] | None:
    """The canonical text that `data`, the first bytes of a file, begins, and the encoding it is
    read with: what `decode_stream(..., canonical=True)` of the whole file begins with, when the
    whole file turns out to be in that encoding (a legacy-encoded file can only be told from
    all of it). None when the start alone cannot say: not UTF-8 or UTF-16/32 there, or binary.

    A character or a "\r" cut by the end of `data` is left out (the rest of the file decides
    it), so the text is a prefix of the whole file's canonical text.
    """
    head = data[:SNIFF_BYTES]
    encoding = next((name for bom, name in _BOMS if head.startswith(bom)), None)
    if encoding is None and b"\x00" in head:
        encoding = _bomless_utf16(head)
        if encoding is None:
            return None
    elif encoding is None:
        if _looks_binary(head, _CONTROL_RATIO_UTF8):
            return None
        encoding = "utf-8"
    try:  # the same decoder `decode_stream` feeds, fed the same bytes, not told they end
        text = codecs.getincrementaldecoder(encoding)("strict").decode(data, final=False)
    except UnicodeDecodeError:
        return None
    return Canonicalizer().feed(text), encoding


# Bytes decoded at a time. Small enough that the buffers of one chunk are reused for the next
# (with 1 MiB chunks glibc kept ~4 MB of them resident after a 22 MB file), large enough that
# a 22 MB file takes under a hundred reads.
CHUNK_BYTES = 256 * 1024


class _InvalidByte(Exception):
    """The bytes are not valid in the encoding, from `offset` on (counted from the start)."""

    def __init__(self, offset: int) -> None:
        super().__init__(offset)
        self.offset = offset


def _decode_chunks(
    head: bytes, stream: BinaryIO, encoding: str, *, canonical: bool = False,
    spool: SpoolWriter | None = None,
) -> str:
    """`head` and the rest of `stream` decoded strictly (and canonicalised), a chunk at a time.

    Raises _InvalidByte, having let go of the text decoded so far.
    """
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    canonicalizer = Canonicalizer() if canonical else None
    text = ""
    position = 0  # bytes fed to the decoder before `chunk`
    chunk = head
    while True:
        final = not chunk
        try:
            # The decoder keeps an incomplete character from the previous chunk.
            pending = len(decoder.getstate()[0])
            # CPython grows a str held only by this local in place (a realloc, which moves a
            # large block's pages rather than copying them), so the text is never held twice;
            # only a character wider than any before it (the first "é", the first "—") copies
            # what there is so far, once.
            piece = decoder.decode(chunk, final=final)
            if canonicalizer is not None:
                piece = canonicalizer.feed(piece, final=final)
            if spool is None:
                text += piece
            else:
                spool.feed(piece)
        except UnicodeDecodeError as error:
            text = ""  # the traceback keeps this frame alive: not the partial text with it
            raise _InvalidByte(position - pending + error.start) from None
        if final:
            return text
        position += len(chunk)
        chunk = stream.read(CHUNK_BYTES)


def _detect(data: bytes) -> tuple[str, str] | None:
    # Imported on demand: it takes a while to import and most documents are UTF-8.
    from charset_normalizer import from_bytes

    # UTF-8 already failed, and UTF-16/32 without a BOM we do not guess. charset-normalizer
    # occasionally finds nothing for one sample length and plenty for another (its chunking),
    # so a smaller sample gets a second chance.
    for size in (DETECT_BYTES, DETECT_BYTES // 4):
        sample = _detection_sample(data, size)
        matches = [m for m in from_bytes(sample) if not _normal_name(m.encoding).startswith("utf")]
        if matches or len(data) <= size // 4:
            break
    if not matches:
        return None
    best = matches[0]
    # charset-normalizer's ranking is shaky on short samples and on mostly-ASCII text with a
    # few accents: "café" fits cp1250 and cp1252 equally, and English with curly quotes can
    # rank cp1257 just above cp1252. Among the fits about as good as the best (as little mess,
    # nearly as coherent), prefer the most widely used code page; so does one giving exactly
    # the best fit's text (charset-normalizer drops such duplicates from its list).
    close = [
        _normal_name(m.encoding)
        for m in matches
        if m.chaos <= best.chaos + 0.01 and m.coherence >= best.coherence - 0.03
    ]
    best_text = str(best)
    guesses = [
        preferred
        for preferred in _PREFERRED
        if preferred in close or _decodes_to(sample, preferred, best_text)
    ]
    # Then charset-normalizer's own order: the whole file may not fit the sample's best guess.
    guesses += [_normal_name(m.encoding) for m in matches]
    latin = _likeliest_latin(sample)
    if latin is not None:
        guesses.insert(0, latin)
    for encoding in dict.fromkeys(guesses):
        try:
            return data.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError):
            continue  # the sample fitted, the rest of the file does not: try the next guess
    return None


# Latin-script code pages that charset-normalizer confuses on short, mostly-ASCII text (French
# read as cp1257 or cp1250); they are told apart by which gives letters European languages use.
_LATIN_CODE_PAGES = ("cp1252", "latin-1", "cp1250", "cp1254", "cp1257", "cp1258")
# The accented letters of each language group: a real text takes its letters from one group,
# a wrong code page mixes them (French read as cp1257 has é beside ļ, ą and č).
_LETTER_GROUPS = tuple(
    frozenset(group)
    for group in (
        "éèêëàâäáãåæçîïíìôöóòõøœùûüúÿñß",  # Western European
        "áéíóúýčćďěłńňőřśšťůűźżžąęöüôä",  # Central European
        "çğıişöüâîû",  # Turkish
        "āčēģīķļņšūžąęėįųõäöü",  # Baltic
    )
)


_TEXT_PUNCTUATION = frozenset("\u00a0‘’‚“”„–—…«»‹›€£°§·•©®™×")


def _likeliest_latin(sample: bytes) -> str | None:
    """For text in Latin script (mostly ASCII letters), the Latin code page whose accented
    letters come from one language group; None for other scripts. Ties go to the commoner."""

    def score(encoding: str) -> float:
        try:
            text = sample.decode(encoding)
        except UnicodeDecodeError:
            return -1.0
        letters = [c for c in text if c.isalpha()]
        accented = [c.lower() for c in letters if ord(c) > 0x7F]
        if not letters or len(accented) * 2 > len(letters):
            return -1.0  # not Latin script: Greek, Cyrillic, Arabic, Hebrew...
        # Symbols where letters should be ("gêœl¹" is Polish read as cp1252) count against.
        stray = sum(
            1 for c in text if ord(c) > 0x7F and not c.isalpha() and c not in _TEXT_PUNCTUATION
        )
        if not accented:  # English with curly quotes and dashes: whichever reads them as such
            return 0.5 if stray == 0 else -1.0
        in_group = max(sum(c in group for c in accented) for group in _LETTER_GROUPS)
        return in_group / (len(accented) + stray)

    scores = {encoding: score(encoding) for encoding in _LATIN_CODE_PAGES}
    best = max(_LATIN_CODE_PAGES, key=lambda encoding: scores[encoding])
    return best if scores[best] >= 0 else None


def _decodes_to(sample: bytes, encoding: str, text: str) -> bool:
    try:
        return sample.decode(encoding) == text
    except UnicodeDecodeError:
        return False
