"""What an uploaded file is, judged by its bytes (never its name), and the name it is served under.

Allowed: PDF, PNG, JPEG, TIFF and plain text / CSV. Everything else is refused, and so is anything
a browser could take for markup (HTML, SVG, XML) — including a polyglot that starts as an allowed
type but carries markup where a sniffing browser would look. The client's file name is kept only
as a label: it never becomes a path, and is reduced to a safe, short name whose extension is the
detected type's.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from lawledger.documents.errors import DocumentTypeRefused


@dataclass(frozen=True, slots=True)
class FileType:
    name: str
    content_type: str
    extension: str


PDF = FileType("PDF", "application/pdf", "pdf")
PNG = FileType("PNG", "image/png", "png")
JPEG = FileType("JPEG", "image/jpeg", "jpg")
TIFF = FileType("TIFF", "image/tiff", "tif")
TEXT = FileType("plain text", "text/plain", "txt")
CSV = FileType("CSV", "text/csv", "csv")

# Extensions the name may carry for each type; a name claiming one type over another's bytes
# is refused (a PNG called receipt.pdf is a mistake or a trick either way).
KNOWN_EXTENSIONS = {"pdf": PDF, "png": PNG, "jpg": JPEG, "jpeg": JPEG, "jpe": JPEG,
                    "tif": TIFF, "tiff": TIFF, "txt": TEXT, "text": TEXT, "csv": CSV}
# Names that ask to be rendered as active content are refused whatever the bytes are.
FORBIDDEN_EXTENSIONS = frozenset({"html", "htm", "xhtml", "shtml", "svg", "svgz", "xml", "xsl",
                                  "js", "mjs", "swf", "hta", "php", "jsp", "asp", "aspx"})
# Markup a sniffing browser acts on, searched (case-insensitively) in the first bytes it reads.
MARKUP = re.compile(rb"<\s*(?:!doctype|html|head|body|script|svg|iframe|object|embed|\?xml|"
                    rb"meta|style|img|a\s|div|xsl|foreignobject)", re.IGNORECASE)
SNIFF_WINDOW_BYTES = 1024
NAME_LIMIT = 120


def detect(data: bytes) -> FileType:
    """The allowed type of `data`, or DocumentTypeRefused naming what is wrong."""
    if not data:
        raise DocumentTypeRefused("file: the file is empty", param="file")
    kind = _binary_type(data)
    if kind is None:
        kind = _text_type(data)
    if MARKUP.search(data[:SNIFF_WINDOW_BYTES]):
        raise DocumentTypeRefused(f"file: {kind.name} file carries HTML/SVG markup at its start "
                                  "(a polyglot is not accepted)", param="file")
    if kind is PDF and b"%%EOF" not in data[-1024:]:
        raise DocumentTypeRefused("file: the PDF is truncated (no %%EOF at its end)", param="file")
    return kind


def _binary_type(data: bytes) -> FileType | None:
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith((b"II*\x00", b"MM\x00*")):
        return TIFF
    return None


def _text_type(data: bytes) -> FileType:
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise DocumentTypeRefused("file: not a PDF, PNG, JPEG, TIFF or UTF-8 text file",
                                  param="file") from None
    if any(ch not in "\t\n\r\f" and unicodedata.category(ch) == "Cc" for ch in text):
        raise DocumentTypeRefused("file: text contains control characters (a binary file of a "
                                  "type that is not allowed?)", param="file")
    if text.lstrip().startswith("<"):
        raise DocumentTypeRefused("file: markup (HTML, SVG or XML) is not an allowed type",
                                  param="file")
    return TEXT


def settle(data: bytes, file_name: str) -> tuple[FileType, str]:
    """The detected type and the safe name to keep, after checking the name against the bytes."""
    kind = detect(data)
    stem, extension = _split(_base_name(file_name))
    if extension in FORBIDDEN_EXTENSIONS:
        raise DocumentTypeRefused(f"file: .{extension} files are not accepted", param="file")
    claimed = KNOWN_EXTENSIONS.get(extension)
    if kind is TEXT and claimed is CSV:
        kind = CSV
    elif claimed is not None and claimed is not kind:
        raise DocumentTypeRefused(f"file: the content is {kind.name} but the name says "
                                  f".{extension}", param="file")
    if claimed is None and extension:
        stem = f"{stem}_{extension}"
    return kind, f"{(stem or 'document')[:NAME_LIMIT]}.{kind.extension}"


def _base_name(file_name: str) -> str:
    # The last segment of either separator: a name is a label, never a path.
    name = (file_name or "").replace("\x00", "").replace("\\", "/").rsplit("/", 1)[-1]
    name = unicodedata.normalize("NFKC", name)
    return "".join(ch if ch.isalnum() or ch in "-_ ." else "_" for ch in name)


def _split(name: str) -> tuple[str, str]:
    name = name.strip(" .")
    stem, dot, extension = name.rpartition(".")
    if not dot:
        return _clean_stem(name), ""
    return _clean_stem(stem), extension.lower()


def _clean_stem(stem: str) -> str:
    stem = re.sub(r"\.{2,}", "_", stem).strip(" ._")
    return re.sub(r"[ _]{2,}", "_", stem)
