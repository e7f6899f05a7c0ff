"""Merge converted corpora into one training stream: `spacy-biolm.MergedCorpus.v1`.

In a config:

    [corpora.train]
    @readers = "spacy-biolm.MergedCorpus.v1"
    paths = ["corpus/*/train.spacy"]
    temperature = 0.5

    [corpora.dev]
    @readers = "spacy-biolm.MergedCorpus.v1"
    paths = ["corpus/*/dev.spacy"]
    mode = "dev"

Train mode samples one epoch per call. A corpus is the set of docs with the same
`doc._.biolm_source` (or, without one, the same file). Corpora are weighed by
tokens, not documents, because their documents range from BC2GM's sentences to
LINNAEUS's full texts: by default corpus c gets the share p_c ∝ n_c ** temperature
of the epoch's tokens (n_c: its number of tokens). With the default 0.5 a corpus
100 times larger gets only 10 times as many tokens, so small corpora (S800,
NCBI-disease) are not drowned by large ones. temperature=1 gives each corpus its
natural share, 0 equal shares; explicit `weights` (relative, per corpus name, 0
leaves a corpus out) replace the temperature. An epoch holds `epoch_tokens` tokens
(default: as many as all corpora hold). A corpus draws docs in reshuffled passes
until its share is filled: a corpus with a larger share than its size is repeated,
one with a smaller share contributes a random subset that changes every epoch. The
stream is shuffled with `seed` and the epoch number, so runs are reproducible.

With spaCy's `[training] max_epochs = -1` the reader is called every epoch and
each epoch is a fresh sample; with `max_epochs >= 0` spaCy reads one sample once
and reshuffles it every epoch (the same docs each epoch).

`trim_trailing` (label -> words) applies a span convention to the gold entities
of every mode, e.g. `{"Gene": "GENE_HEAD_NOUNS"}` (a list of `conventions.py`, by
name) teaches "BRCA1" rather than "BRCA1 gene"; the number of spans shortened per
corpus and label is logged once.

`unknown_words` (corpus name -> label -> words) marks the given words as unknown
for the label in that corpus's documents, in every mode, wherever no gold span of
the label covers them: neither entity nor O, so neither `biolm_ner` nor spaCy's
`ner` learns them there. `{"s800": {"Species": "S800_UNANNOTATED_SPECIES"}}` stops
S800, which never annotates "patients" or "rats", from teaching them as not species
against LINNAEUS and BioRED (see `conventions.py`; a list may be given by the name
of one there). The number of tokens marked per corpus and label is logged once.

Dev mode yields every doc of every file once, in file order, unweighted and
unshuffled, for evaluation; `doc._.biolm_source` stays on each reference doc for
per-corpus scores.
"""

import glob
import logging
import random
import re
import warnings
from collections import defaultdict
from pathlib import Path
from typing import Dict, Iterator, List, Mapping, Sequence, Set, Tuple, Union

from spacy.language import Language
from spacy.tokens import Doc, DocBin
from spacy.training import Example
from spacy.util import SimpleFrozenDict, registry

from ..annotations import SOURCE_ATTR, SPANS_KEY
from ..errors import Errors, Warnings
from .chunking import chunk_doc
from .conventions import mark_unknown_words, resolve_words, trim_trailing_words
from .reader import make_example

logger = logging.getLogger("spacy_biolm")

MODES = ("train", "dev")
# A brace list, one item or several: --vars.train_corpora may name one corpus.
BRACES = re.compile(r"\{([^{}]+)\}")


@registry.readers("spacy-biolm.MergedCorpus.v1")
def create_merged_reader_v1(
    paths: Union[str, Sequence[str]],
    *,
    mode: str = "train",
    weights: Dict[str, float] = SimpleFrozenDict(),
    temperature: float = 0.5,
    epoch_tokens: int = 0,
    seed: int = 0,
    limit: int = 0,
    max_doc_tokens: int = 0,
    per_corpus_limit: int = 0,
    trim_trailing: Dict[str, Union[str, List[str]]] = SimpleFrozenDict(),
    unknown_words: Dict[str, Dict[str, Union[str, List[str]]]] = SimpleFrozenDict(),
    spans_key: str = SPANS_KEY,
) -> "MergedCorpus":
    """Read several .spacy files as one stream of Examples.

    paths (Union[str, Sequence[str]]): .spacy files, folders (searched for .spacy
        files) or glob patterns such as "corpus/*/train.spacy" or
        "corpus/{bc5cdr,s800}/train.spacy".
    mode (str): "train" (weighted, shuffled sample per call) or "dev" (every doc
        once, in order).
    weights (Dict[str, float]): Relative share of the tokens per corpus name; empty:
        p ∝ n ** temperature (n: the corpus's tokens). Must name every corpus if given.
    temperature (float): Exponent of the default weights (0: equal, 1: by size).
    epoch_tokens (int): Tokens per call in train mode (0: all tokens of all corpora).
    seed (int): Seed of the sampling and shuffling.
    limit (int): Yield at most this many examples per call (0: no limit).
    max_doc_tokens (int): Train mode: cut longer docs into chunks of at most this
        many tokens, never inside a gold mention (0: whole docs). Full texts in one
        batch otherwise need gigabytes for backprop.
    per_corpus_limit (int): Dev mode: only the first N docs of each corpus (0: all),
        a cheaper evaluation that still covers every corpus.
    trim_trailing (Dict[str, Union[str, List[str]]]): Label -> lowercase words cut
        off the end of its gold spans ("gene", "mRNA", ...), or the name of such a
        list in `conventions.py` ("GENE_HEAD_NOUNS"); empty: spans as converted.
    unknown_words (Dict[str, Dict[str, Union[str, List[str]]]]): Corpus name ->
        label -> lowercase words that are unknown for the label in that corpus's
        docs outside its gold spans, or the name of such a list in
        `conventions.py` ("S800_UNANNOTATED_SPECIES"); empty: none.
    spans_key (str): The span group holding the gold entities.
    RETURNS (MergedCorpus): Callable `nlp -> Iterator[Example]`.
    """
    if isinstance(paths, str):
        paths = [paths]
    return MergedCorpus(
        list(paths),
        mode=mode,
        weights=weights,
        temperature=temperature,
        epoch_tokens=epoch_tokens,
        seed=seed,
        limit=limit,
        max_doc_tokens=max_doc_tokens,
        per_corpus_limit=per_corpus_limit,
        trim_trailing=trim_trailing,
        unknown_words=unknown_words,
        spans_key=spans_key,
    )


class MergedCorpus:
    """Several converted corpora as one Example stream; see the module docstring.

    paths (List[str]): .spacy files, folders or glob patterns.
    mode (str): "train" or "dev".
    weights (Mapping[str, float]): Relative weight per corpus name, or empty.
    temperature (float): Exponent of the default weights.
    epoch_tokens (int): Tokens per call in train mode (0: all tokens).
    seed (int): Seed of the sampling and shuffling.
    limit (int): At most this many examples per call (0: no limit).
    max_doc_tokens (int): Train mode: chunk longer docs (0: whole docs).
    per_corpus_limit (int): Dev mode: first N docs of each corpus (0: all).
    trim_trailing (Mapping[str, Union[str, Sequence[str]]]): Label -> words cut off
        the end of its gold spans, or the name of a list in `conventions.py`.
    unknown_words (Mapping[str, Mapping[str, Union[str, Sequence[str]]]]): Corpus
        name -> label -> words unknown for the label in that corpus's docs, or the
        name of a list in `conventions.py`.
    spans_key (str): The span group holding the gold entities.
    """

    def __init__(
        self,
        paths: List[str],
        *,
        mode: str = "train",
        weights: Mapping[str, float] = SimpleFrozenDict(),
        temperature: float = 0.5,
        epoch_tokens: int = 0,
        seed: int = 0,
        limit: int = 0,
        max_doc_tokens: int = 0,
        per_corpus_limit: int = 0,
        trim_trailing: Mapping[str, Union[str, Sequence[str]]] = SimpleFrozenDict(),
        unknown_words: Mapping[str, Mapping[str, Union[str, Sequence[str]]]] = SimpleFrozenDict(),
        spans_key: str = SPANS_KEY,
    ) -> None:
        if mode not in MODES:
            raise ValueError(Errors.E1079.format(mode=mode))
        if temperature < 0 or any(weight < 0 for weight in weights.values()):
            raise ValueError(Errors.E1078.format(problem="a negative weight or temperature"))
        self.files = find_spacy_files(paths)
        self.mode = mode
        self.weights = dict(weights)
        self.temperature = temperature
        self.epoch_tokens = epoch_tokens
        self.seed = seed
        self.limit = limit
        self.max_doc_tokens = max_doc_tokens
        self.per_corpus_limit = per_corpus_limit
        # Names resolved here, so that an unknown one fails before training starts.
        self.trim_trailing = {
            label: resolve_words(words, f"trim_trailing[{label!r}]")
            for label, words in trim_trailing.items()
        }
        self.unknown_words = {
            corpus: {
                label: resolve_words(words, f"unknown_words[{corpus!r}][{label!r}]")
                for label, words in by_label.items()
            }
            for corpus, by_label in unknown_words.items()
        }
        self.spans_key = spans_key
        self._logged: Set[str] = set()
        self.epoch = 0
        self._docbins: Dict[Path, DocBin] = {}

    def __call__(self, nlp: Language) -> Iterator[Example]:
        """Yield the examples of one epoch (train) or of all docs (dev).

        nlp (Language): The current pipeline; its tokenizer makes the predicted docs.
        YIELDS (Example): Examples whose reference docs keep their user_data.
        """
        if self.mode == "dev":
            limit = self.per_corpus_limit or None
            docs = [doc for group in self._group(nlp).values() for doc in group[:limit]]
        else:
            docs = self._sample(nlp)
            self.epoch += 1
        for doc in docs[: self.limit or None]:
            yield make_example(nlp, doc)

    def corpus_sizes(self, nlp: Language) -> Dict[str, int]:
        """The number of tokens per corpus name.

        nlp (Language): The pipeline whose vocab reads the docs.
        RETURNS (Dict[str, int]): Corpus name -> tokens.
        """
        return {name: _tokens(docs) for name, docs in self._group(nlp).items()}

    def probabilities(self, sizes: Mapping[str, int]) -> Dict[str, float]:
        """The sampling probability of each corpus.

        sizes (Mapping[str, int]): Corpus name -> number of tokens.
        RETURNS (Dict[str, float]): Corpus name -> probability (summing to 1).
        """
        if self.weights:
            if set(self.weights) != set(sizes):
                raise ValueError(
                    Errors.E1077.format(
                        weighted=", ".join(sorted(self.weights)), found=", ".join(sorted(sizes))
                    )
                )
            raw = dict(self.weights)
        else:
            raw = {name: float(n) ** self.temperature for name, n in sizes.items() if n}
        total = sum(raw.values())
        if total <= 0:
            raise ValueError(Errors.E1078.format(problem="every corpus has weight 0"))
        return {name: weight / total for name, weight in raw.items()}

    def _read(self, nlp: Language) -> Iterator[Tuple[Path, Doc]]:
        trimmed: Dict[Tuple[str, str], int] = defaultdict(int)
        # Every configured pair is logged, 0 included: a misspelt corpus name shows.
        unknown: Dict[Tuple[str, str], int] = {
            (corpus, label): 0
            for corpus, by_label in self.unknown_words.items()
            for label in by_label
        }
        for path in self.files:
            if path not in self._docbins:
                self._docbins[path] = DocBin().from_disk(path)
            for doc in self._docbins[path].get_docs(nlp.vocab):
                if len(doc):
                    corpus = doc._.get(SOURCE_ATTR) or str(path)
                    if self.trim_trailing:
                        counts = trim_trailing_words(doc, self.trim_trailing, self.spans_key)
                        for label, n in counts.items():
                            trimmed[corpus, label] += n
                    if corpus in self.unknown_words:
                        words = self.unknown_words[corpus]
                        for label, n in mark_unknown_words(doc, words, self.spans_key).items():
                            unknown[corpus, label] += n
                    yield path, doc
        if self.trim_trailing:
            self._log_once("Gold spans shortened by trim_trailing", trimmed)
        if self.unknown_words:
            self._log_once("Tokens marked unknown by unknown_words", unknown)

    def _log_once(self, what: str, counts: Mapping[Tuple[str, str], int]) -> None:
        if what in self._logged:
            return
        self._logged.add(what)
        logger.info(
            "%s (%s reader): %s",
            what,
            self.mode,
            ", ".join(f"{c} {label} {n}" for (c, label), n in sorted(counts.items())) or "none",
        )

    def _group(self, nlp: Language) -> Dict[str, List[Doc]]:
        groups: Dict[str, List[Doc]] = defaultdict(list)
        for path, doc in self._read(nlp):
            groups[doc._.get(SOURCE_ATTR) or str(path)].append(doc)
        return dict(groups)

    def _sample(self, nlp: Language) -> List[Doc]:
        rng = random.Random(f"{self.seed}-{self.epoch}")
        groups = {
            name: [chunk for doc in docs for chunk in chunk_doc(doc, self.max_doc_tokens)]
            for name, docs in self._group(nlp).items()
        }
        probabilities = self.probabilities({name: _tokens(docs) for name, docs in groups.items()})
        budget = self.epoch_tokens or sum(_tokens(docs) for docs in groups.values())
        sample: List[Doc] = []
        for name, probability in probabilities.items():
            if probability == 0:
                warnings.warn(
                    Warnings.W1021.format(
                        corpus=name, paths=", ".join(map(str, self.files)), n=len(groups[name])
                    ),
                    stacklevel=2,
                )
            sample.extend(draw(groups[name], probability * budget, rng))
        rng.shuffle(sample)
        return sample


def draw(docs: Sequence[Doc], tokens: float, rng: random.Random) -> List[Doc]:
    """Docs in reshuffled passes until they hold at least `tokens` tokens.

    docs (Sequence[Doc]): The docs of one corpus.
    tokens (float): The corpus's share of the epoch, in tokens.
    rng (random.Random): The epoch's random generator.
    RETURNS (List[Doc]): The drawn docs; the last one may overshoot the share.
    """
    drawn: List[Doc] = []
    total = 0
    while total < tokens:
        order = list(docs)
        rng.shuffle(order)
        for doc in order:
            if total >= tokens:
                break
            drawn.append(doc)
            total += len(doc)
    return drawn


def _tokens(docs: Sequence[Doc]) -> int:
    return sum(len(doc) for doc in docs)


def expand_braces(pattern: str) -> List[str]:
    """Expand the brace lists of a path pattern, as a shell would:
    "corpus/{bc5cdr,s800}/train.spacy" -> the bc5cdr and the s800 path.

    pattern (str): The pattern; lists do not nest.
    RETURNS (List[str]): The patterns, in the lists' order.
    """
    match = BRACES.search(pattern)
    if match is None:
        return [pattern]
    head, tail = pattern[: match.start()], pattern[match.end() :]
    return [
        expanded
        for item in match.group(1).split(",")
        for expanded in expand_braces(f"{head}{item.strip()}{tail}")
    ]


def find_spacy_files(paths: Sequence[Union[str, Path]]) -> List[Path]:
    """Resolve files, folders and glob patterns to .spacy files, in the given order.

    paths (Sequence[Union[str, Path]]): The entries; a folder is searched
        recursively and a pattern expanded, both sorted. A brace list picks
        several folders ("corpus/{bc5cdr,s800}/train.spacy"), each of which must
        hold a file.
    RETURNS (List[Path]): The .spacy files, each once.
    """
    found: List[Path] = []
    for entry in (pattern for path in paths for pattern in expand_braces(str(path))):
        matches = sorted(Path(match) for match in glob.glob(str(entry), recursive=True))
        files = []
        for match in matches:
            files.extend(sorted(match.rglob("*.spacy")) if match.is_dir() else [match])
        files = [path for path in files if path.suffix == ".spacy"]
        if not files:
            raise ValueError(Errors.E1076.format(path=entry))
        found.extend(path for path in files if path not in found)
    return found
