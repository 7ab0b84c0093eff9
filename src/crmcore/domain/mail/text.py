"""What a message says: HTML as text, and the new text apart from quoted history and signature.

A reply usually carries the whole conversation below it.  Shown as is, every
line of a timeline would repeat the ones before; so the text is split into
what was said now, the quoted history (``>`` lines and everything after an
attribution such as "On ... wrote:" or Outlook's "-----Original Message-----"
block), and the signature (after the ``-- `` line of RFC 3676, or a
"Sent from my iPhone" line).
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import attrs

__all__ = ["MessageText", "html_to_text", "split_reply"]

_BLOCKS = frozenset(
    {
        "address", "article", "blockquote", "br", "div", "dl", "dt", "dd", "footer", "h1", "h2",
        "h3", "h4", "h5", "h6", "header", "hr", "li", "ol", "p", "pre", "section", "table", "tr",
        "ul",
    }
)  # fmt: skip
_HIDDEN = frozenset({"head", "script", "style", "title", "template"})


class _TextMaker(HTMLParser):
    """Collects the text of an HTML document, a line per block, quoted blocks marked."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self._line: list[str] = []
        self._hidden = 0
        self._quote = 0
        self._pre = 0

    def _break(self) -> None:
        text = "".join(self._line)
        if not self._pre:
            text = " ".join(text.split())
        self.lines.append("> " * self._quote + text if text else "")
        self._line = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self._hidden += 1
        elif tag in _BLOCKS:
            self._break()
            if tag == "blockquote":
                self._quote += 1
            elif tag == "pre":
                self._pre += 1
        elif tag in ("td", "th"):
            self._line.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        elif tag in _BLOCKS:
            self._break()
            if tag == "blockquote":
                self._quote = max(0, self._quote - 1)
            elif tag == "pre":
                self._pre = max(0, self._pre - 1)

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self._line.append(data)


def html_to_text(markup: str) -> str:
    """The text a reader sees in an HTML message, a line per paragraph.

    Example:
        >>> html_to_text("<html><style>p{}</style><p>Добрий день,</p><p>ціна &mdash; 5 грн</p>")
        'Добрий день,\\n\\nціна — 5 грн'
    """
    maker = _TextMaker()
    try:
        maker.feed(markup)
        maker.close()
    except AssertionError:  # html.parser gives up on some broken markup
        return " ".join(html.unescape(re.sub(r"<[^>]*>", " ", markup)).split())
    maker._break()
    return _tidy("\n".join(maker.lines))


def _tidy(text: str) -> str:
    """Trailing spaces off, runs of blank lines down to one, no blank ends."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    kept: list[str] = []
    for line in lines:
        if line or (kept and kept[-1]):
            kept.append(line)
    while kept and not kept[-1]:
        kept.pop()
    return "\n".join(kept)


@attrs.frozen
class MessageText:
    """A message's text in three parts: what was said now, the quoted history, the signature."""

    new: str
    quoted: str = ""
    signature: str = ""


_ATTRIBUTION = re.compile(
    r"^\s*("
    r"on\b.{0,300}\bwrote:?"  # Gmail, Thunderbird, Apple Mail
    r"|am\b.{0,300}\bschrieb.{0,40}:"
    r"|le\b.{0,300}\ba écrit\s*:"
    r"|.{0,300}\b(написал|написала|написав|написала\(а\)|написал\(а\)|пише|пишет)\s*:?"
    r"|-{2,}\s*(original message|исходное сообщение|вихідне повідомлення|"
    r"ursprüngliche nachricht|forwarded message|пересланное сообщение)\s*-{2,}"
    r"|_{10,}"  # Outlook's line above the quoted headers
    r")\s*$",
    re.IGNORECASE,
)
# Outlook (and Exchange) quote without ">": the old message starts with its headers.
_QUOTED_HEADER = re.compile(r"^\s*\**(from|von|від|от|de)\s*:\**\s+\S", re.IGNORECASE)
_SENT_HEADER = re.compile(
    r"^\s*\**(sent|date|gesendet|надіслано|отправлено|дата|envoyé)\s*:", re.IGNORECASE
)
_MOBILE_SIGNATURE = re.compile(
    r"^\s*(sent from my \w+|get outlook for \w+|отправлено с (iphone|ipad|android)"
    r"|надіслано з (iphone|ipad|android)|von meinem \w+ gesendet)\b.*$",
    re.IGNORECASE,
)


def _history_starts(lines: list[str]) -> int | None:
    """The index of the first line of quoted history, if the text has one."""
    for index, line in enumerate(lines):
        if _ATTRIBUTION.match(line):
            return index
        if _QUOTED_HEADER.match(line) and any(
            _SENT_HEADER.match(next_line) for next_line in lines[index + 1 : index + 4]
        ):
            return index
        if line.startswith(">"):
            rest = lines[index:]
            if all(not other.strip() or other.startswith(">") for other in rest):
                return index
    return None


def split_reply(text: str) -> MessageText:
    """Split a message's text into what is new, the quoted history and the signature.

    Example:
        >>> parts = split_reply(
        ...     "Згоден, підписуємо.\\n-- \\nІван Петров\\n\\n"
        ...     "On Mon, 3 Nov 2014, Olena wrote:\\n> Ціна 5 грн?"
        ... )
        >>> parts.new, parts.signature, parts.quoted
        ('Згоден, підписуємо.', 'Іван Петров', 'On Mon, 3 Nov 2014, Olena wrote:\\n> Ціна 5 грн?')
    """
    lines = _tidy(text).split("\n")
    start = _history_starts(lines)
    body, history = (lines, []) if start is None else (lines[:start], lines[start:])
    signature: list[str] = []
    for index, line in enumerate(body):
        if line in ("-- ", "--", "—"):
            body, signature = body[:index], body[index + 1 :]
            break
        if _MOBILE_SIGNATURE.match(line):
            body, signature = body[:index], body[index:]
            break
    new = _tidy("\n".join(body))
    if not new and history:
        # A forward with nothing added: what was forwarded is what it says.
        return MessageText(new=_tidy("\n".join(history)), signature=_tidy("\n".join(signature)))
    return MessageText(
        new=new, quoted=_tidy("\n".join(history)), signature=_tidy("\n".join(signature))
    )
