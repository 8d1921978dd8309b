"""Request rules stated once: the server enforces them and /openapi.json states the same patterns.

Each rule is a JSON Schema ``pattern`` (ECMA-262 syntax that Python's ``re`` reads the same
way) and the check the handlers run; ``tests/test_openapi_agreement.py`` proves they agree.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = [
    "DIGITS",
    "ENTITIES_MAX_LIMIT",
    "IRI_MAX_LENGTH",
    "IRI_PATTERN",
    "MAX_LIST_ITEMS",
    "NAME_MAX_LENGTH",
    "NON_BLANK",
    "any_case",
    "comma_list",
    "comma_names",
    "digits",
    "is_iri",
    "matches",
]

#: the characters Python's ``str.strip()`` removes (``str.isspace``): a name made only of them
#: is blank. JSON Schema's ``\s`` is a different set, so the class is spelled out.
_PY_SPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f"
             "\u205f\u3000")
#: a name: at least one character that is not white space (where the server strips names)
NON_BLANK = f"[^{_PY_SPACE}]"
#: longest name the JSON API takes (entities ``q``, check names)
NAME_MAX_LENGTH = 500
#: most candidates ``/api/v1/entities`` returns
ENTITIES_MAX_LIMIT = 50
#: most items of a list parameter of a named query
MAX_LIST_ITEMS = 100
#: node type names, comma-separated (``Drug,Receptor``)
TYPE_LIST = "^[A-Za-z0-9_]+(,[A-Za-z0-9_]+)*$"
#: a non-negative integer in a query string: ASCII digits only
DIGITS = "^[0-9]+$"

# IRIs every store accepts (oxigraph parses RFC 3987 strictly; rdflib warns on less): http(s)
# with an ASCII host, or a scheme and a rootless path; then optional query and fragment, with
# the ASCII characters RFC 3987 allows there and percent-encoded octets.
_PCHAR = "A-Za-z0-9._~!$&'()*+,;=:@"  # and "-", added last in each class
_PCT = "%[0-9A-Fa-f]{2}"
_TAIL = rf"(\?([{_PCHAR}/?-]|{_PCT})*)?(#([{_PCHAR}/?-]|{_PCT})*)?"
IRI_PATTERN = (rf"^(https?://[A-Za-z0-9.-]+(:[0-9]{{1,5}})?(/([{_PCHAR}-]|{_PCT})*)*"
               rf"|[A-Za-z][A-Za-z0-9+.-]*:([{_PCHAR.replace(':', '')}-]|{_PCT})"
               rf"([{_PCHAR}/-]|{_PCT})*){_TAIL}$")
IRI_MAX_LENGTH = 1000
_IRI = re.compile(IRI_PATTERN)


def matches(pattern: str, text: str) -> bool:
    """Whether ``text`` matches a JSON Schema ``pattern`` (unanchored search, as JSON Schema).

    >>> matches(NON_BLANK, " a "), matches(NON_BLANK, "\\u3000\\t")
    (True, False)
    """
    return re.search(pattern, text) is not None


def digits(text: str) -> bool:
    """An ASCII non-negative integer (``²`` and ``٣`` are digits to ``str.isdigit``, not here).

    >>> digits("10"), digits("²"), digits("+1")
    (True, False, False)
    """
    return matches(DIGITS, text)


def is_iri(text: str) -> bool:
    """An IRI the named-query parameters of type ``iri`` take.

    >>> is_iri("https://w3id.org/dikg/id/naltrexone"), is_iri("https://a.org/x?y=1#z")
    (True, True)
    >>> is_iri("https://0.x.com*"), is_iri("a:%zz"), is_iri("naltrexone")
    (False, False, False)
    """
    return len(text) <= IRI_MAX_LENGTH and _IRI.match(text) is not None


def _plain(name: str) -> str:
    """``name`` when it is letters, digits, ``-`` and ``_`` (literal in every regex dialect)."""
    if not re.fullmatch(r"[A-Za-z0-9_-]+", name):
        raise ValueError(f"not a plain name: {name!r}")
    return name


def any_case(names: Iterable[str]) -> str:
    """A pattern matching exactly one of ``names``, letters in any case.

    >>> any_case(["svg", "n-triples"])
    '^([nN]-[tT][rR][iI][pP][lL][eE][sS]|[sS][vV][gG])$'
    """
    spelled = ["".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in _plain(n))
               for n in sorted(names)]
    return f"^({'|'.join(spelled)})$"


def comma_list(options: Iterable[str]) -> str:
    """A pattern for ``a,b,c`` made of ``options``: no empty items, no spaces.

    >>> comma_list(["inferred", "sources"])
    '^(inferred|sources)(,(inferred|sources))*$'
    """
    one = f"({'|'.join(_plain(o) for o in options)})"
    return f"^{one}(,{one})*$"


def comma_names(most: int) -> str:
    """A pattern for 1 to ``most`` comma-separated names, none of them blank.

    >>> [matches(comma_names(2), t) for t in ("a, b", "a,", " , b", "a,b,c")]
    [True, False, False, False]
    """
    item = f"[^,]*[^,{_PY_SPACE}][^,]*"
    return f"^{item}(,{item}){{0,{most - 1}}}$"
