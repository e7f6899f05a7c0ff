"""Align character-offset mentions to token spans, and describe misalignments.

A mention whose offsets fall on token boundaries is "strict". Otherwise it is
expanded to the tokens it touches ("recovered"), which makes the gold span longer
than the mention: the misalignment patterns tell the tokenizer where to split.
"""

from dataclasses import dataclass
from typing import List, Optional

from spacy.tokens import Doc, Span

STRICT = "strict"
RECOVERED = "recovered"
DROPPED = "dropped"

WHITESPACE_ONLY = "the mention is whitespace only"
NO_TOKEN = "no token overlaps the mention"
CONTEXT_CHARS = 40


@dataclass(frozen=True)
class Alignment:
    """The outcome of aligning one mention.

    status (str): STRICT, RECOVERED or DROPPED.
    span (Optional[Span]): The labelled token span, None when dropped.
    reason (str): Why a mention was dropped.
    """

    status: str
    span: Optional[Span] = None
    reason: str = ""


def align(doc: Doc, text: str, start: int, end: int, label: str) -> Alignment:
    """Align the characters start:end of doc to tokens.

    doc (Doc): The tokenized document.
    text (str): Its text (`doc.text` is rebuilt from the tokens on every access).
    start (int): Offset of the mention's first character.
    end (int): Offset after its last character.
    label (str): The label of the span.
    RETURNS (Alignment): The span and how it was found.
    """
    if not text[start:end].strip():
        return Alignment(DROPPED, reason=WHITESPACE_ONLY)
    span = doc.char_span(start, end, label=label)
    if span is not None:
        return Alignment(STRICT, span)
    span = doc.char_span(start, end, label=label, alignment_mode="expand")
    if span is None:
        return Alignment(DROPPED, reason=NO_TOKEN)
    return Alignment(RECOVERED, span)


def misaligned_boundaries(span: Span, text: str, start: int, end: int) -> List[str]:
    """The patterns of the mention boundaries that fall inside a token.

    A pattern names the boundary and the character classes on either side of it,
    e.g. "end 0|-" for "IL-2" inside the token "IL-2-induced".

    span (Span): The expanded span of the mention.
    text (str): The document text.
    start (int): Offset of the mention's first character.
    end (int): Offset after its last character.
    RETURNS (List[str]): One pattern per misaligned boundary.
    """
    patterns = []
    if span.start_char != start:
        patterns.append(f"start {_char_class(text[start - 1])}|{_char_class(text[start])}")
    if span.end_char != end:
        patterns.append(f"end {_char_class(text[end - 1])}|{_char_class(text[end])}")
    return patterns


def show_misalignment(span: Span, text: str, start: int, end: int) -> str:
    """One line showing a mention in context and the tokens it was expanded to.

    span (Span): The expanded span of the mention.
    text (str): The document text.
    start (int): Offset of the mention's first character.
    end (int): Offset after its last character.
    RETURNS (str): E.g. "…activation of [[IL-2]]-induced T cells…  tokens: IL-2-induced".
    """
    left = text[max(0, start - CONTEXT_CHARS) : start]
    right = text[end : end + CONTEXT_CHARS]
    shown = f"{left}[[{text[start:end]}]]{right}".replace("\n", " ").replace("\t", " ")
    tokens = " · ".join(token.text for token in span)
    return f"…{shown}…  tokens: {tokens}"


def _char_class(char: str) -> str:
    if char.isspace():
        return "␣"
    if char.isdigit():
        return "0"
    if char.isalpha():
        return "A" if char.isupper() else "a"
    return char
