"""E-mail messages (.eml) with the standard library's `email`: a From / To / Date / Subject block,
the body decoded (an HTML-only body through the web-page loader), attachments listed by name."""

from __future__ import annotations

import codecs
import email
import email.policy
from email.message import EmailMessage
from pathlib import Path

from reader.formats.base import DocumentError, Extraction
from reader.formats.building import TextBuilder
from reader.formats.extracting import ExtractingLoader
from reader.formats.webpage import feed_html

_HEADER_BLOCK = ("From", "To", "Cc", "Date", "Subject")
# One of these must be there for bytes to be taken for a message.
_MESSAGE_HEADERS = ("from", "to", "date", "subject", "message-id")


def _header(message: EmailMessage, name: str) -> str:
    try:
        value = message.get(name)
    except (ValueError, IndexError, TypeError, AttributeError):
        # The standard library's header parser gives up on some malformed headers (an
        # unclosed "<" in an address): show the header as written, encoded words decoded.
        value = next(
            (raw for key, raw in message.raw_items() if key.lower() == name.lower()), None
        )
        value = None if value is None else _decoded_words(str(value))
    return " ".join(str(value).split()) if value is not None else ""


def _decoded_words(raw: str) -> str:
    from email.header import decode_header, make_header

    try:
        return str(make_header(decode_header(raw)))
    except (ValueError, LookupError, UnicodeDecodeError, IndexError):
        return raw


def _part_text(part: EmailMessage) -> str:
    """A text part decoded (quoted-printable, base64; its charset, else UTF-8 with
    replacements, so a mislabelled charset loses one character, not the message)."""
    try:
        content = part.get_content()
        if isinstance(content, str):
            return content
    except (LookupError, UnicodeDecodeError, KeyError, ValueError, AssertionError):
        pass
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset()
    return payload.decode(charset if charset and _known(charset) else "utf-8", "replace")


def _known(charset: str) -> bool:
    try:
        codecs.lookup(charset)
    except LookupError:
        return False
    return True


def _attachment_names(message: EmailMessage) -> list[str]:
    names = []
    for part in message.walk():
        if part.is_multipart():
            continue
        disposition = part.get_content_disposition()
        filename = part.get_filename()
        if disposition == "attachment" or (filename and disposition != "inline"):
            names.append(" ".join((filename or f"unnamed {part.get_content_type()}").split()))
    return names


class EmailLoader(ExtractingLoader):
    """Single messages saved from a mail program (.eml, RFC 5322)."""

    name = "email"
    suffixes = (".eml",)

    def extract_document(self, path: Path, data: bytes) -> Extraction:
        message = email.message_from_bytes(data, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        if not any(name in message for name in _MESSAGE_HEADERS):
            raise DocumentError("is not an e-mail message (it has no From, To, Date or Subject)")
        builder = TextBuilder()
        header_lines = [
            f"{name}: {value}" for name in _HEADER_BLOCK if (value := _header(message, name))
        ]
        builder.paragraph("\n".join(header_lines))
        body = message.get_body(preferencelist=("plain", "html"))
        if isinstance(body, EmailMessage):
            text = _part_text(body)
            if body.get_content_type() == "text/html":
                feed_html(text, builder)
            else:
                for paragraph in text.replace("\r\n", "\n").split("\n\n"):
                    builder.paragraph(paragraph.rstrip())
        attachments = _attachment_names(message)
        if attachments:
            builder.paragraph("Attachments: " + ", ".join(attachments))
        text, structure = builder.build()
        return Extraction(text=text, structure=structure, title=_header(message, "Subject"))
