"""Small files of each kind for the documents tests, and a helper to walk the storage tree."""

from __future__ import annotations

from pathlib import Path

PDF_BYTES = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
             b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
             b"trailer << /Root 1 0 R >>\n%%EOF\n")
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(64))
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(64)) + b"\xff\xd9"
TIFF_BYTES = b"II*\x00\x08\x00\x00\x00" + bytes(32)
CSV_BYTES = b"date,amount\n2026-03-01,100.00\n"
CANARY = b"CANARY-SETTLEMENT-7f3a9"
RECEIPT_TEXT = b"Receipt for filing fee, " + CANARY + b"\n"
HTML_BYTES = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG_BYTES = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">'
             b"<script>alert(1)</script></svg>")
POLYGLOT_BYTES = (b"%PDF-1.4\n<html><body><script>alert(1)</script></body></html>\n"
                  b"trailer << >>\n%%EOF\n")


def storage_files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file())
