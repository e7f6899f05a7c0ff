"""Abbreviation definitions (Schwartz & Hearst, PSB 2003) and their extensions.

A definition is a parenthesis pair next to a candidate long form:
"long form (SF)" or, reversed, "SF (long form)". The short form must start with a
letter or digit, hold a letter, have 2 to 10 letters and digits and at most two
words. Its long form is found by matching the short form's letters and digits,
last to first, to characters of the text before the parentheses, read backwards;
the first letter must start a word. The long form starts at the start of that word
and must be plausible: not shorter than the short form, not containing it as a
word, and at most min(2 * |SF|, |SF| + 5) words (|SF|: its letters and digits).

Every later or earlier whole-token occurrence of a defined short form (same
tokens, same case) is an occurrence of the abbreviation: "BRCA" in "BRCA1" is a
different token and not one. Where one short form is defined twice, an occurrence
belongs to the closest definition before it (the first one before any
definition).

`doc._.abbreviations`: (short form, long form) Span pairs, one per occurrence.
`span._.long_form`: the long form of a short form occurrence, else None.
Both are computed from token offsets kept in `doc._.biolm_abbreviation_offsets`
(a list of [short start, short end, long start, long end]), a plain value that
`Doc.to_bytes` and DocBin (with `store_user_data=True`) keep.
"""

import re
from typing import Dict, List, Optional, Sequence, Tuple

from spacy.tokens import Doc, Span

OFFSETS_ATTR = "biolm_abbreviation_offsets"
PAIRS_ATTR = "abbreviations"
LONG_FORM_ATTR = "long_form"
# Tokens that end a sentence where the doc has no sentence boundaries.
SENTENCE_END = frozenset((".", "!", "?"))
# A short form may be followed by more text after these ("(TNF; ref. 3)").
CLAUSE_BREAK = frozenset((",", ";"))
MAX_SF_WORDS = 2
MIN_SF_LENGTH = 2
MAX_SF_ALNUM = 10
LONG_FORM_WORD = re.compile(r"[^\s-]+")

Offsets = Tuple[int, int, int, int]


def install_extensions() -> None:
    """Register the abbreviation extensions (once; never forced)."""
    if not Doc.has_extension(OFFSETS_ATTR):
        Doc.set_extension(OFFSETS_ATTR, default=None)
    if not Doc.has_extension(PAIRS_ATTR):
        Doc.set_extension(PAIRS_ATTR, getter=get_abbreviations)
    if not Span.has_extension(LONG_FORM_ATTR):
        Span.set_extension(LONG_FORM_ATTR, getter=get_long_form)


def get_abbreviations(doc: Doc) -> List[Tuple[Span, Span]]:
    """The (short form, long form) pairs of a doc, one per short form occurrence.

    doc (Doc): A doc processed by `biolm_abbreviations`.
    RETURNS (List[Tuple[Span, Span]]): The pairs in order of the short forms; [] if
        the doc has none or was not processed.
    """
    offsets = doc._.get(OFFSETS_ATTR) or []
    return [(doc[s:e], doc[ls:le]) for s, e, ls, le in offsets]


def get_long_form(span: Span) -> Optional[Span]:
    """The long form of a span that is an occurrence of a defined short form.

    span (Span): Any span.
    RETURNS (Optional[Span]): The long form, or None.
    """
    for start, end, long_start, long_end in span.doc._.get(OFFSETS_ATTR) or []:
        if (start, end) == (span.start, span.end):
            return span.doc[long_start:long_end]
    return None


def long_forms(doc: Doc) -> Dict[Tuple[int, int], Span]:
    """Short form occurrence (start, end) -> its long form, for fast lookups.

    doc (Doc): A processed doc.
    RETURNS (Dict[Tuple[int, int], Span]): The map.
    """
    return {(s, e): doc[ls:le] for s, e, ls, le in doc._.get(OFFSETS_ATTR) or []}


def find_abbreviations(doc: Doc) -> List[Offsets]:
    """Every occurrence of every short form the doc defines, with its long form.

    doc (Doc): A tokenized doc.
    RETURNS (List[Offsets]): (short start, short end, long start, long end) token
        offsets, sorted by short form.
    """
    definitions = find_definitions(doc)
    by_short: Dict[Tuple[str, ...], List[Tuple[Span, Span]]] = {}
    for short, long in definitions:
        by_short.setdefault(tuple(token.text for token in short), []).append((short, long))
    found = []
    for i in range(len(doc)):
        for words, defs in by_short.items():
            end = i + len(words)
            if end > len(doc) or words[0] != doc[i].text:
                continue
            if tuple(token.text for token in doc[i:end]) != words:
                continue
            before = [d for d in defs if d[0].start <= i]
            short, long = before[-1] if before else defs[0]
            if long.start < end and i < long.end:
                continue
            found.append((i, end, long.start, long.end))
    return sorted(found)


def find_definitions(doc: Doc) -> List[Tuple[Span, Span]]:
    """The abbreviation definitions of a doc: (short form, long form) at the
    places where the short forms are defined.

    doc (Doc): A tokenized doc.
    RETURNS (List[Tuple[Span, Span]]): The definitions, in doc order.
    """
    definitions = []
    for open_i, close_i, floor in _parenthesis_pairs(doc):
        definition = _definition_at(doc, open_i, close_i, floor)
        if definition is not None:
            definitions.append(definition)
    return definitions


def _parenthesis_pairs(doc: Doc) -> List[Tuple[int, int, int]]:
    # (open, close, first token a long form may use) of each pair holding no
    # other pair. A long form stays inside the pair that encloses the definition
    # ("(interleukin 6 (IL-6))") and in the sentence.
    pairs = []
    stack: List[Tuple[int, bool]] = []
    for token in doc:
        if token.text == "(":
            if stack:
                stack[-1] = (stack[-1][0], True)
            stack.append((token.i, False))
        elif token.text == ")" and stack:
            open_i, nested = stack.pop()
            if not nested:
                floor = stack[-1][0] + 1 if stack else 0
                pairs.append((open_i, token.i, max(floor, _sentence_start(doc, open_i))))
    return sorted(pairs)


def _sentence_start(doc: Doc, i: int) -> int:
    if doc.has_annotation("SENT_START"):
        return doc[i].sent.start
    for j in range(i - 1, -1, -1):
        if doc[j].text in SENTENCE_END:
            return j + 1
    return 0


def _definition_at(doc: Doc, open_i: int, close_i: int, floor: int) -> Optional[Tuple[Span, Span]]:
    inside_end = close_i
    for j in range(open_i + 1, close_i):
        if doc[j].text in CLAUSE_BREAK:
            inside_end = j
            break
    inside = doc[open_i + 1 : inside_end]
    before = doc[floor:open_i]
    if not len(inside) or not len(before):
        return None
    if len(inside.text.split()) > MAX_SF_WORDS or len(inside.text) > len(before.text):
        # Reversed: "SF (long form)", the short form the word before "(".
        short = _last_word(doc, floor, open_i)
        if not any(char.isupper() for char in short.text):
            return None
        region = inside
    else:
        short, region = inside, before
    if not is_short_form(short.text):
        return None
    offset = best_long_form(short.text, region.text)
    if offset is None:
        return None
    long_text = region.text[offset:]
    if not is_plausible(short.text, long_text):
        return None
    start_char = region.start_char + offset
    long = doc.char_span(start_char, region.end_char, alignment_mode="expand")
    if long is None or (long.start < short.end and short.start < long.end):
        return None
    return short, long


def _last_word(doc: Doc, floor: int, end: int) -> Span:
    # The tokens before `end` back to the previous whitespace.
    start = end - 1
    while start > floor and not doc[start - 1].whitespace_:
        start -= 1
    return doc[start:end]


def is_short_form(text: str) -> bool:
    """Whether `text` can be a short form: starts with a letter or digit, holds a
    letter, has 2 to 10 letters and digits and at most two words.

    text (str): The candidate.
    RETURNS (bool): Whether it qualifies.
    """
    n_alnum = sum(char.isalnum() for char in text)
    return (
        len(text) >= MIN_SF_LENGTH
        and text[0].isalnum()
        and any(char.isalpha() for char in text)
        and n_alnum <= MAX_SF_ALNUM
        and len(text.split()) <= MAX_SF_WORDS
    )


def best_long_form(short: str, text: str) -> Optional[int]:
    """Where the shortest long form of `short` starts at the end of `text`.

    Each letter or digit of the short form, last first, must match a character of
    `text` read backwards (case-insensitive); the first one must start a word.

    short (str): The short form.
    text (str): The text before (or, reversed, inside) the parentheses.
    RETURNS (Optional[int]): The offset in `text` of the word the long form starts
        with, or None if the letters cannot be matched.
    """
    t = len(text) - 1
    for s in range(len(short) - 1, -1, -1):
        char = short[s].lower()
        if not char.isalnum():
            continue
        while t >= 0 and (text[t].lower() != char or (s == 0 and t > 0 and text[t - 1].isalnum())):
            t -= 1
        if t < 0:
            return None
        t -= 1
    return text.rfind(" ", 0, t + 1) + 1


def is_plausible(short: str, long: str) -> bool:
    """Whether `long` is a plausible long form of `short` (Schwartz & Hearst's
    final checks).

    short (str): The short form.
    long (str): The long form found by `best_long_form`.
    RETURNS (bool): Whether the pair is kept.
    """
    size = sum(char.isalnum() for char in short)
    n_words = len(LONG_FORM_WORD.findall(long))
    return (
        len(long) >= len(short)
        and f"{short} " not in long
        and not long.endswith(short)
        and n_words <= min(2 * size, size + 5)
    )


def set_abbreviations(doc: Doc, offsets: Sequence[Offsets]) -> None:
    """Store the abbreviation occurrences of a doc.

    doc (Doc): The doc.
    offsets (Sequence[Offsets]): From `find_abbreviations`.
    """
    doc._.set(OFFSETS_ATTR, [list(o) for o in offsets])


install_extensions()
