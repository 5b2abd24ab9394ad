"""File formats: bank statements (OFX, CAMT.053, BAI2, MT940, CSV) and e-billing (LEDES).

Parsers here are pure: bytes in, plain dataclasses out, no Django. They may use well-kept parsing
libraries (ofxtools, mt-940, bai2, defusedxml) — see docs/decisions/0002-formats-in-the-core.md.
"""
