"""Memory of a long `nlp.pipe` stream stays bounded (issue 15, item 13).

No test here reads RSS (too noisy for a test): `benchmarks/pipe_memory.py` does.
These check the mechanisms a long stream relies on, each against a quantity known
from outside the code: the kernel's view of which pages are resident, the number of
batches, and the strings, lexemes, docs and Python memory left when zones end.
"""

import ctypes
import errno
import gc
import itertools
import os
import tracemalloc
import weakref
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest
import spacy
from spacy.language import Language
from spacy.training import Example

from spacy_biolm.annotations import SPANS_KEY, set_annotated_labels
from spacy_biolm.memory import heap_usage, trim_heap
from spacy_biolm.packaging import DOC_CLEANER_ATTRS

COMMON = ("patients", "with", "the", "disease", "were", "given", "a", "dose", "of", "in", "mice")
WORDS_PER_DOC = 20
NEW_PER_DOC = 10
# New strings are long: anything that keeps one object per string keeps over 250
# bytes per string.
NEW_STRING_CHARS = 200
DOCS_PER_ZONE = 16
N_ZONES = 4
MIB = 1 << 20
PAGE = 4096

# The test sets the scene through glibc's own heuristics, which a threshold fixed in
# the environment turns off.
needs_glibc_defaults = pytest.mark.skipif(
    heap_usage() is None or "MALLOC_MMAP_THRESHOLD_" in os.environ,
    reason="glibc's malloc with its default, dynamic mmap threshold only",
)


def new_string_texts(start: int = 0) -> Iterator[str]:
    """Endless texts in which every other word is a string never seen before."""
    for serial in itertools.count(start):
        words: List[str] = []
        for k in range(WORDS_PER_DOC):
            if k % 2:
                stem = f"zq{serial}x{k}y"
                words.append(stem + "a" * (NEW_STRING_CHARS - len(stem)))
            else:
                words.append(COMMON[(serial + k) % len(COMMON)])
        yield " ".join(words) + " ."


def make_pipeline(encoder: Path) -> Language:
    """`en_biolm`'s shape (spacy_biolm/packaging.py) with a random head that marks
    spans (threshold 0), so span groups and doc.ents are exercised."""
    nlp = spacy.blank(
        "en", config={"nlp": {"tokenizer": {"@tokenizers": "spacy-biolm.Tokenizer.v1"}}}
    )
    nlp.add_pipe("biolm_transformer", config={"model": {"name": str(encoder)}})
    nlp.add_pipe("biolm_ner", config={"threshold": 0.0})
    nlp.add_pipe("doc_cleaner", config={"attrs": DOC_CLEANER_ATTRS})
    docs = [nlp.make_doc(text) for text in itertools.islice(new_string_texts(10**6), 2)]
    for doc in docs:
        set_annotated_labels(doc, None)
    nlp.initialize(lambda: [Example(doc, doc) for doc in docs])
    return nlp


def n_lexemes(nlp: Language) -> int:
    # len(vocab) counts every lexeme ever added, also those a memory zone dropped.
    return sum(1 for _ in nlp.vocab)


def predictions(nlp: Language, texts: List[str]) -> List[List[Tuple[int, int, str, float]]]:
    return [
        [(s.start, s.end, s.label_, s._.biolm_score) for s in doc.spans[SPANS_KEY]]
        for doc in nlp.pipe(texts, batch_size=8)
    ]


@pytest.fixture(scope="module")
def nlp(tiny_bert_dir: Path) -> Language:
    return make_pipeline(tiny_bert_dir)


def memory_held_by_pipes() -> int:
    """Bytes of live Python allocations made by the lines of spacy-biolm and
    spacy-transformers themselves (a cache, a list of docs or spans, a listener's
    outputs). Not spaCy's: the hash tables of its vocab and StringStore keep a
    tombstone for each distinct string a zone dropped and double when full, about
    32 bytes per distinct string ever seen (BENCHMARKS.md); not torch's or numpy's
    caches of small buffers and shapes, which are bounded."""
    gc.collect()
    snapshot = tracemalloc.take_snapshot().filter_traces(
        [
            tracemalloc.Filter(True, "*/spacy_biolm/*"),
            tracemalloc.Filter(True, "*/spacy_transformers/*"),
        ]
    )
    return sum(stat.size for stat in snapshot.statistics("filename"))


def test_memory_zones_keep_a_stream_of_new_strings_bounded(nlp: Language):
    """Zone after zone of new strings leaves the StringStore and the vocab as they
    were, no doc alive, and Python memory not growing with the strings seen."""
    n_strings, n_lex = len(nlp.vocab.strings), n_lexemes(nlp)
    texts = new_string_texts()
    traced: List[int] = []
    tracemalloc.start()
    try:
        for _ in range(N_ZONES):
            refs = []
            with nlp.memory_zone():
                for doc in nlp.pipe(itertools.islice(texts, DOCS_PER_ZONE), batch_size=8):
                    assert len(doc.spans[SPANS_KEY]) > 0  # used inside the zone
                    refs.append(weakref.ref(doc))
            del doc
            traced.append(memory_held_by_pipes())
            assert len(nlp.vocab.strings) == n_strings
            assert n_lexemes(nlp) == n_lex
            assert not [ref for ref in refs if ref() is not None]
    finally:
        tracemalloc.stop()
    # From the end of the first zone on, nothing may accumulate per string.
    n_new = (N_ZONES - 1) * DOCS_PER_ZONE * NEW_PER_DOC
    assert traced[-1] - traced[0] < 20 * n_new, traced


def test_memory_zones_do_not_change_predictions(nlp: Language):
    """Components keep no string hash or lexeme across zones: the same texts give the
    same spans and scores in a zone, after other zones, and outside any zone."""
    texts = list(itertools.islice(new_string_texts(), 8))
    with nlp.memory_zone():
        inside = predictions(nlp, texts)
    with nlp.memory_zone():
        predictions(nlp, list(itertools.islice(new_string_texts(100), 8)))
    outside = predictions(nlp, texts)
    assert inside == outside
    assert any(inside)


def test_biolm_transformer_trims_the_heap_after_each_batch(nlp: Language, monkeypatch):
    """Freed encoder activations go back to the system once per batch of nlp.pipe."""
    import spacy_biolm.transformer.component as component

    calls: List[int] = []
    monkeypatch.setattr(component, "trim_heap", lambda: calls.append(1) or True, raising=False)
    texts = list(itertools.islice(new_string_texts(), 20))
    with nlp.memory_zone():
        n_docs = sum(1 for _ in nlp.pipe(texts, batch_size=8))
    assert n_docs == 20
    assert len(calls) == 3  # batches of 8, 8 and 4


def _resident_pages(libc: ctypes.CDLL, address: int, size: int) -> int:
    """Whole pages of [address, address + size) in RAM, as the kernel says (mincore);
    a page no longer mapped (the heap shrank) is not resident."""
    first = (address + PAGE - 1) // PAGE * PAGE
    flag = ctypes.c_ubyte()
    resident = 0
    for page in range(first, address + size - PAGE + 1, PAGE):
        if libc.mincore(ctypes.c_void_p(page), ctypes.c_size_t(PAGE), ctypes.byref(flag)) == 0:
            resident += flag.value & 1
        elif ctypes.get_errno() != errno.ENOMEM:
            raise OSError(ctypes.get_errno(), "mincore failed")
    return resident


@needs_glibc_defaults
def test_trim_heap_gives_freed_pages_back():
    """Freed blocks that glibc keeps in the heap (a larger freed block raised its
    mmap threshold, and a small live block after each keeps it from the heap's top)
    stay resident until trim_heap, and are not resident after it."""
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    libc.free(libc.malloc(16 * MIB))
    blocks = [(libc.malloc(MIB), libc.malloc(64)) for _ in range(8)]
    for block, _ in blocks:
        ctypes.memset(block, 1, MIB)
    for block, _ in blocks:
        libc.free(block)
    try:
        kept = sum(_resident_pages(libc, block, MIB) for block, _ in blocks)
        assert kept > 8 * (MIB // PAGE) // 2  # what the stream suffered from
        trim_heap()
        left = sum(_resident_pages(libc, block, MIB) for block, _ in blocks)
        assert left <= 8  # glibc keeps a chunk header in the first page of each
    finally:
        for _, small in blocks:
            libc.free(small)
