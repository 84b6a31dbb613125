"""Span finding shared by the gold builders of eval/own and eval/news.

Occurrence numbers count case-sensitive matches of a text that are not glued to a letter or digit
on either side ("Iran" is not counted inside "Iranian"), including matches nested inside longer
names; spans are converted from characters to UTF-8 byte offsets, end exclusive.
"""


class GoldError(Exception):
    pass


def glued(text, i, j):
    before = text[i - 1] if i > 0 else ""
    after = text[j] if j < len(text) else ""
    return before.isalnum() or after.isalnum()


def find_occurrence(text, needle, occ):
    """Character span of the occ-th (1-based) unglued occurrence of needle in text."""
    n, start = 0, 0
    while True:
        i = text.find(needle, start)
        if i < 0:
            raise GoldError(f"occurrence {occ} of {needle!r} not found (only {n})")
        j = i + len(needle)
        if not glued(text, i, j):
            n += 1
            if n == occ:
                return i, j
        start = i + 1


def byte_span(text, i, j):
    start = len(text[:i].encode("utf-8"))
    return start, start + len(text[i:j].encode("utf-8"))
