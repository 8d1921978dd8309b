"""French INN -> English INN: an exception table plus suffix rules that fire only on known stems.

The rules are deliberately conservative. A name gets an English form only if it is one lower-case
word (after accents are stripped) that is in :data:`EXCEPTIONS` or ends with one of the stems of
:data:`SUFFIX_RULES` (with at least three letters before the stem). Anything else gets ``None``:
there is no fuzzy matching here, and ``morphine`` or ``héparine calcique`` get no English form
even though their English names look alike.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["EXCEPTIONS", "SUFFIX_RULES", "english_inn", "fold", "name_candidates"]

#: French name (accent-stripped, lower case) -> English name, checked before the suffix rules.
EXCEPTIONS: dict[str, str] = {
    "disulfirame": "disulfiram",
    "isoniazide": "isoniazid",
    "dextromethorphane": "dextromethorphan",
    "paracetamol": "acetaminophen",
    "acide acetylsalicylique": "aspirin",
    "acide valproique": "valproic acid",
    "acide mefenamique": "mefenamic acid",
    "acide folique": "folic acid",
    "acide ascorbique": "ascorbic acid",
    "acide fusidique": "fusidic acid",
    "acide nicotinique": "nicotinic acid",
    "acide zoledronique": "zoledronic acid",
    "millepertuis": "St John's wort",
    "amphotericine b": "amphotericin B",
}

#: (French stem, English stem): the stem is replaced at the end of a one-word name.
SUFFIX_RULES: tuple[tuple[str, str], ...] = (
    ("statine", "statin"),  # simvastatine -> simvastatin
    ("mycine", "mycin"),  # clarithromycine -> clarithromycin
    ("micine", "micin"),  # gentamicine -> gentamicin
    ("oxacine", "oxacin"),  # ciprofloxacine -> ciprofloxacin
    ("cilline", "cillin"),  # amoxicilline -> amoxicillin
    ("arine", "arin"),  # warfarine -> warfarin, enoxaparine -> enoxaparin
    ("irame", "iram"),  # disulfirame -> disulfiram
    ("ytoine", "ytoin"),  # phenytoine -> phenytoin
    ("tinoine", "tinoin"),  # isotretinoine -> isotretinoin
    ("profene", "profen"),  # ibuprofene -> ibuprofen
    # stems spelt the same in French and English
    ("azole", "azole"),  # miconazole, metronidazole, omeprazole
    ("olol", "olol"),
    ("pril", "pril"),
    ("sartan", "sartan"),
    ("tinib", "tinib"),
    ("mab", "mab"),
    ("vir", "vir"),
    ("afil", "afil"),
    ("setron", "setron"),
    ("triptan", "triptan"),
    ("codone", "codone"),
    ("morphone", "morphone"),
    ("adol", "adol"),
    ("fentanil", "fentanil"),
)

_WORD = re.compile(r"[a-z]+")
_MIN_STEM = 3


def fold(text: str) -> str:
    """Accent-strip, lower-case and collapse white space (also typographic apostrophes).

    >>> fold("  PHÉNYTOÏNE  (ET)")
    'phenytoine (et)'
    >>> fold("l\u2019abiratérone")
    "l'abiraterone"
    """
    decomposed = unicodedata.normalize("NFKD", text.replace("\u2019", "'"))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.split()).casefold().replace("œ", "oe")


def english_inn(french: str) -> str | None:
    """The English INN for a French one, or ``None`` when no exception or stem rule applies.

    >>> english_inn("Simvastatine"), english_inn("warfarine"), english_inn("phénytoïne")
    ('simvastatin', 'warfarin', 'phenytoin')
    >>> english_inn("morphinique") is None, english_inn("héparine calcique") is None
    (True, True)
    """
    name = fold(french)
    if name in EXCEPTIONS:
        return EXCEPTIONS[name]
    if not _WORD.fullmatch(name):
        return None
    for french_stem, english_stem in SUFFIX_RULES:
        if name.endswith(french_stem) and len(name) - len(french_stem) >= _MIN_STEM:
            return name[: -len(french_stem)] + english_stem
    return None


def name_candidates(french: str) -> tuple[str, ...]:
    """Folded English names to look up for a French name: the rule's output, then the name itself.

    Only exact (folded) equality with a curated label counts as a match; the bare French name is
    tried too because many INNs are spelt the same once accents are gone (méthadone, fentanyl).

    >>> name_candidates("Clarithromycine")
    ('clarithromycin', 'clarithromycine')
    >>> name_candidates("méthadone")
    ('methadone',)
    """
    folded = fold(french)
    english = english_inn(french)
    found = [fold(english)] if english else []
    if folded not in found:
        found.append(folded)
    return tuple(found)
