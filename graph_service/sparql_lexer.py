"""The SPARQL 1.1 lexical grammar as one tokenizer, and where a query's WHERE group opens.

Shared by the query guard (services) and the remote backend, which must place bound values
inside the query's outermost group rather than after it.
"""

from __future__ import annotations

import re

__all__ = ["TOKEN", "UCHAR", "group_starts", "where_group_start"]

_BASE = ("A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
         "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff")
_U = _BASE + "_"
_CHARS = _U + r"\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PREFIX = f"[{_BASE}](?:[{_CHARS}.]*[{_CHARS}])?"
_LOCAL = f"(?:[{_U}:0-9]|{_PLX})(?:(?:[{_CHARS}.:]|{_PLX})*(?:[{_CHARS}:]|{_PLX}))?"
UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
TOKEN = re.compile(
    rf"""
    (?P<space>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*+'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*+\"\"\"
              |'(?:[^'\\\n\r]|\\.)*+'|"(?:[^"\\\n\r]|\\.)*+")
  | (?P<iri><(?:[^<>"{{}}|^`\\\x00-\x20]|{UCHAR})*+>)
  | (?P<var>[?$][{_U}0-9][{_U}0-9\u00b7\u0300-\u036f\u203f-\u2040]*+)
  | (?P<bnode>_:[{_U}0-9](?:[{_CHARS}.]*[{_CHARS}])?)
  | (?P<pname>(?P<prefix>{_PREFIX})?:(?:{_LOCAL})?)
  | (?P<number>(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)
  | (?P<word>[{_U}](?:[{_CHARS}]|\.(?=[{_CHARS}]))*+)
  | (?P<open>[{{(\[]|<<)
  | (?P<close>[}})\]]|>>)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


def where_group_start(text: str) -> int | None:
    """The offset just after the ``{`` that opens the query's outermost WHERE group.

    ``None`` when the query has no group pattern (``DESCRIBE <x>``).

    >>> q = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(?s = ?x) }"
    >>> q[:where_group_start(q)]
    'CONSTRUCT { ?s ?p ?o } WHERE {'
    >>> q = "SELECT (1 AS ?one) { ?s ?p '{' }"
    >>> q[where_group_start(q):]
    " ?s ?p '{' }"
    """
    depth = 0
    seen_where = False
    seen_form = False
    for match in TOKEN.finditer(text):
        kind, value = match.lastgroup, match.group()
        if kind == "open":
            # with SELECT/ASK the first top-level { is the group even without WHERE;
            # with CONSTRUCT it is the template, and the group follows WHERE
            if depth == 0 and value == "{" and (seen_where or seen_form):
                return match.end()
            depth += 1
        elif kind == "close":
            depth = max(depth - 1, 0)
        elif kind == "word" and depth == 0:
            lowered = value.lower()
            if lowered == "where":
                seen_where = True
            elif lowered in ("select", "ask"):
                seen_form = True
    return None



def group_starts(text: str) -> list[int]:
    """Offsets just after every ``{`` that opens a group pattern of the WHERE clause.

    Skips CONSTRUCT templates, ``VALUES`` data blocks and groups that hold a sub-SELECT (a
    sub-SELECT must be its group's only content).

    >>> q = "SELECT * { ?s ?p ?o OPTIONAL { ?o ?q ?r } { SELECT ?s { ?s ?p 1 } } VALUES ?s { 1 } }"
    >>> [q[i:i + 4] for i in group_starts(q)]
    [' ?s ', ' ?o ', ' ?s ']
    """
    start = where_group_start(text)
    if start is None:
        return []
    found: list[int] = [start]
    pending: int | None = None  # a group just opened: keep it unless SELECT follows
    after_values = False
    for match in TOKEN.finditer(text, start):
        kind, value = match.lastgroup, match.group()
        if kind in ("space", "comment"):
            continue
        if pending is not None:
            if not (kind == "word" and value.lower() == "select"):
                found.append(pending)
            pending = None
        if kind == "word":
            after_values = value.lower() == "values"
            continue
        if kind == "open" and value == "{":
            if not after_values:
                pending = match.end()
            after_values = False
        elif kind != "var" and not (kind == "open" and value == "("):
            after_values = False
    return found
