"""Folding names for search that ignores case and accents in any script.

PostgreSQL's lower() follows the server's locale and the embedded server has no
unaccent dictionary, so folding is one translate() with a character map built
here; Python and SQL share the map, and a generated column stores the folded
name. The map covers the Latin, Greek and Cyrillic blocks, whose case and
decomposition data Unicode keeps stable, so it never changes between Pythons.
"""

import unicodedata

from django.db import models
from django.db.models import Func, Value

BLOCKS = [
    (0x0041, 0x005A),  # A-Z
    (0x00C0, 0x024F),  # Latin-1 Supplement, Latin Extended-A and -B
    (0x0370, 0x03FF),  # Greek
    (0x0400, 0x04FF),  # Cyrillic
    (0x1E00, 0x1EFF),  # Latin Extended Additional
]
# Letters that have no decomposition but a plain reading in search.
EXTRA = {"ı": "i", "đ": "d", "ħ": "h", "ł": "l", "ø": "o", "ŧ": "t", "ς": "σ"}


def _fold_char(char: str) -> str:
    base = unicodedata.normalize("NFD", char)[0].lower()
    base = EXTRA.get(base, base)
    return base if len(base) == 1 else char


def _build_map() -> tuple[str, str]:
    sources, targets = [], []
    for start, end in BLOCKS:
        for code in range(start, end + 1):
            char = chr(code)
            if unicodedata.category(char)[0] != "L":
                continue
            folded = _fold_char(char)
            if folded != char:
                sources.append(char)
                targets.append(folded)
    return "".join(sources), "".join(targets)


FOLD_FROM, FOLD_TO = _build_map()
_TABLE = str.maketrans(FOLD_FROM, FOLD_TO)


def fold(text: str) -> str:
    """Fold a search term exactly as the database folds stored names."""
    # Combining marks typed separately (e.g. İ as I + dot) are dropped too.
    decomposed = unicodedata.normalize("NFC", text).translate(_TABLE)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()


class Fold(Func):
    """translate(expression, FOLD_FROM, FOLD_TO): the SQL side of fold()."""

    function = "translate"
    output_field = models.TextField()

    def __init__(self, expression, **extra):
        super().__init__(expression, Value(FOLD_FROM), Value(FOLD_TO), **extra)
