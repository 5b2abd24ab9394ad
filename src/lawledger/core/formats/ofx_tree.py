"""A tolerant reader for OFX bodies: one tokenizer for OFX 1.x SGML and OFX 2.x XML alike.

Real files mix the two syntaxes (an XML prolog over unclosed SGML leaves, closed and unclosed
tags side by side), so no strict XML parser sees them. This reader closes an open leaf element at
the next tag, treats an empty element as a leaf unless its name is an OFX aggregate, ignores stray
closing tags, unescapes the XML/HTML entities exactly once, and refuses DOCTYPE and ENTITY
declarations outright. It builds a small tree of `OfxNode`, bounded in size and depth.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lawledger.core.formats.statement import StatementMalformed

MAX_ELEMENTS = 1_000_000
MAX_DEPTH = 64

_TOKEN = re.compile(r"<(?:(?P<decl>[?!][^>]*)|(?P<close>/)?\s*(?P<name>[A-Za-z][\w.:-]*)(?P<rest>[^<>]*))>")
_ENTITY = re.compile(
    r"&(?:(?P<named>amp|lt|gt|quot|apos|nbsp)|#(?P<dec>[0-9]{1,7})|#[xX](?P<hex>[0-9a-fA-F]{1,6}));")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'", "nbsp": " "}

_AGGREGATES = frozenset({
    "OFX", "STATUS", "FI", "STMTTRN", "PAYEE", "CURRENCY", "ORIGCURRENCY", "BAL", "INVBANKTRAN",
    "INVTRAN", "SECID", "ACCTINFO", "BANKACCTINFO", "CCACCTINFO", "INVACCTINFO", "BPACCTINFO",
    "INVPOS", "POSSTOCK", "POSMF", "POSDEBT", "POSOPT", "POSOTHER", "BUYSTOCK", "SELLSTOCK", "BUYMF",
    "SELLMF", "BUYDEBT", "SELLDEBT", "BUYOTHER", "SELLOTHER", "BUYOPT", "SELLOPT", "INVBUY", "INVSELL",
    "INCOME", "REINVEST", "TRANSFER", "STOCKINFO", "MFINFO", "DEBTINFO", "OPTINFO", "OTHERINFO",
    "SECINFO", "INV401K", "MATCHINFO", "MFASSETCLASS", "PORTION", "CLOSING", "EXTBANKACCTINFO",
})
_AGGREGATE_SUFFIXES = ("RS", "RQ", "MSGSRSV1", "MSGSRSV2", "ACCTFROM", "ACCTTO", "TRANLIST", "LIST", "BAL")


def is_aggregate(tag: str) -> bool:
    return tag in _AGGREGATES or tag.endswith(_AGGREGATE_SUFFIXES)


class OfxNode:
    """One element: a tag, its text (leaves) or children (aggregates), and its 1-based line."""

    __slots__ = ("children", "line", "tag", "text")

    def __init__(self, tag: str, line: int) -> None:
        self.tag = tag
        self.line = line
        self.text: str | None = None
        self.children: list[OfxNode] = []

    def child(self, tag: str) -> OfxNode | None:
        return next((node for node in self.children if node.tag == tag), None)

    def indexed(self) -> OfxNode:
        """Self, with child() answered from a dict: for nodes asked about many tags."""
        return _IndexedNode(self)

    def value(self, *path: str) -> str:
        """The stripped text at a path of child tags, "" when any step is missing."""
        node: OfxNode | None = self
        for tag in path:
            node = node.child(tag) if node is not None else None
        return (node.text or "").strip() if node is not None else ""

    def walk(self) -> Iterator[OfxNode]:
        """Every descendant in document order, iteratively (no recursion limit to hit)."""
        stack = list(reversed(self.children))
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))

    def find_all(self, *tags: str) -> list[OfxNode]:
        return [node for node in self.walk() if node.tag in tags]


class _IndexedNode(OfxNode):
    __slots__ = ("_by_tag",)

    def __init__(self, node: OfxNode) -> None:
        super().__init__(node.tag, node.line)
        self.text, self.children = node.text, node.children
        self._by_tag = {child.tag: child for child in reversed(node.children)}  # the first one wins

    def child(self, tag: str) -> OfxNode | None:
        return self._by_tag.get(tag)


def unescape(text: str) -> str:
    """Replace the XML entities and numeric references once; leave any other '&' as written."""

    def replace(match: re.Match[str]) -> str:
        if match.group("named"):
            return _NAMED[match.group("named")]
        number = int(match.group("dec")) if match.group("dec") else int(match.group("hex"), 16)
        if number == 0 or number > 0x10FFFF or 0xD800 <= number <= 0xDFFF:
            return "\ufffd"
        return chr(number)

    return _ENTITY.sub(replace, text) if "&" in text else text


def parse_tree(text: str) -> tuple[OfxNode, bool]:
    """The element tree of an OFX body (the header before the first tag is skipped), and whether
    the closing </OFX> was seen: a file cut short must not pass for a shorter statement."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    root = OfxNode("#root", 1)
    ofx_closed = False
    stack: list[OfxNode] = [root]
    just_closed: OfxNode | None = None  # a leaf closed by its text, whose </TAG> may follow
    elements = 0
    max_elements = MAX_ELEMENTS  # read once, so that a test may lower it
    line = 1
    position = 0
    for match in _TOKEN.finditer(text):
        between = text[position:match.start()]
        line += text.count("\n", position, match.start())
        position = match.end()
        top = stack[-1]
        if between.strip() and top is not root and not top.children and top.text is None:
            top.text = unescape(between)
            stack.pop()
            just_closed = top
        decl = match.group("decl")
        if decl is not None:
            if re.match(r"!\s*(DOCTYPE|ENTITY)", decl, re.IGNORECASE):
                raise StatementMalformed(f"OFX line {line}: DOCTYPE/entities not allowed", param="file")
            continue
        tag = match.group("name").upper()
        top = stack[-1]
        if match.group("close"):
            ofx_closed = ofx_closed or (tag == "OFX" and len(stack) > 1 and stack[1].tag == "OFX")
            if just_closed is not None and just_closed.tag == tag:
                just_closed = None
                continue
            if any(node.tag == tag for node in stack[1:]):
                while stack[-1].tag != tag:
                    stack.pop()
                closing = stack.pop()
                if closing.text is None and not closing.children:
                    closing.text = ""  # <NAME></NAME>
            just_closed = None
            continue
        just_closed = None
        if top is not root and not top.children and top.text is None and not is_aggregate(top.tag):
            top.text = ""  # an empty leaf left unclosed (<BALAMT><DTASOF>…)
            stack.pop()
            top = stack[-1]
        elements += 1
        if elements > max_elements:
            raise StatementMalformed(f"OFX line {line}: more than {MAX_ELEMENTS} elements; download "
                                     "shorter periods", param="file")
        node = OfxNode(tag, line)
        top.children.append(node)
        if match.group("rest").rstrip().endswith("/"):
            node.text = ""
            continue
        if len(stack) > MAX_DEPTH:
            raise StatementMalformed(f"OFX line {line}: elements nested more than {MAX_DEPTH} deep",
                                     param="file")
        stack.append(node)
    tail = text[position:]
    top = stack[-1]
    if tail.strip() and top is not root and not top.children and top.text is None:
        top.text = unescape(tail)
    return root, ofx_closed
