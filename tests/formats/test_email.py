"""E-mail messages: the header block, decoded bodies and headers, HTML-only bodies, attachments."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest

from reader.formats.base import DocumentError, load_document


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


RAW = b"""From: =?UTF-8?B?2LPYp9mF2Yo=?= <sami@example.org>
To: Field Team <team@example.org>
Date: Mon, 4 Mar 2024 09:15:00 +0100
Subject: =?UTF-8?Q?Retour_=C3=A0_Mossoul?=
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="BOUNDARY"

--BOUNDARY
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: quoted-printable

Bonjour =C3=A0 tous,

Les familles sont rentr=C3=A9es au printemps. Une tr=C3=A8s longue ligne qui =
continue sur la ligne suivante.

=D8=B9=D8=A7=D8=AF =D8=A7=D9=84=D9=84=D8=A7=D8=AC=D8=A6=D9=88=D9=86.
--BOUNDARY
Content-Type: application/pdf; name="report.pdf"
Content-Disposition: attachment; filename="report.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQK
--BOUNDARY
Content-Type: image/jpeg
Content-Disposition: attachment; filename*=UTF-8''%D8%B5%D9%88%D8%B1%D8%A9.jpg
Content-Transfer-Encoding: base64

/9j/4AAQ
--BOUNDARY--
"""


def test_header_block_decoded_body_and_attachments(tmp_path: Path) -> None:
    document = load_document(write(tmp_path, "m.eml", RAW))
    assert document.format == "email"
    assert document.title == "Retour à Mossoul"
    blocks = document.text.rstrip("\n").split("\n\n")
    assert blocks[0] == (
        "From: سامي <sami@example.org>\n"
        "To: Field Team <team@example.org>\n"
        "Date: Mon, 04 Mar 2024 09:15:00 +0100\n"
        "Subject: Retour à Mossoul"
    )
    assert blocks[1] == "Bonjour à tous,"
    # A quoted-printable soft line break joins the line; the message's own breaks stay.
    assert blocks[2] == (
        "Les familles sont rentrées au printemps. Une très longue ligne qui continue sur la"
        " ligne suivante."
    )
    assert blocks[3] == "عاد اللاجئون."
    assert blocks[4] == "Attachments: report.pdf, صورة.jpg"
    assert "JVBER" not in document.text


def test_a_base64_html_only_body_goes_through_the_web_page_loader(tmp_path: Path) -> None:
    message = EmailMessage()
    message["From"] = "press@example.org"
    message["To"] = "desk@example.org"
    message["Subject"] = "Statement"
    message.set_content(
        "<html><head><style>p{}</style></head><body><h1>Statement</h1>"
        "<p>We welcome the returns.</p><p>Second&nbsp;point.</p></body></html>",
        subtype="html",
        cte="base64",
    )
    document = load_document(write(tmp_path, "h.eml", message.as_bytes()))
    assert document.title == "Statement"
    assert document.text == (
        "From: press@example.org\nTo: desk@example.org\nSubject: Statement\n\n"
        "Statement\n\nWe welcome the returns.\n\nSecond\u00a0point.\n"
    )
    heading = document.structure[0]
    assert (heading.label, heading.level) == ("Statement", 1)
    assert document.text[heading.offset :].startswith("Statement\n\nWe welcome")


def test_plain_text_is_preferred_to_html(tmp_path: Path) -> None:
    message = EmailMessage()
    message["Subject"] = "Both"
    message.set_content("Plain words.\n")
    message.add_alternative("<p>HTML words.</p>", subtype="html")
    document = load_document(write(tmp_path, "a.eml", message.as_bytes()))
    assert "Plain words." in document.text and "HTML words" not in document.text


def test_an_unknown_charset_still_reads(tmp_path: Path) -> None:
    raw = b"Subject: x\nContent-Type: text/plain; charset=x-klingon\n\nplain ascii words\n"
    assert "plain ascii words" in load_document(write(tmp_path, "k.eml", raw)).text


def test_a_file_that_is_not_a_message(tmp_path: Path) -> None:
    path = write(tmp_path, "x.eml", b"just some words\nand more\n")
    with pytest.raises(DocumentError) as caught:
        load_document(path)
    assert "is not an e-mail message" in str(caught.value) and "\n" not in str(caught.value)


def test_a_header_the_parser_gives_up_on_is_shown_as_written(tmp_path: Path) -> None:
    raw = b"From: =?UTF-8?Q?Sami_=C3=A0?= <\nTo: Team <\nSubject: Broken\n\nBody words.\n"
    document = load_document(write(tmp_path, "b.eml", raw))
    assert document.text.startswith("From: Sami à <\nTo: Team <\nSubject: Broken\n\nBody words.")
