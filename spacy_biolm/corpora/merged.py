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
`doc._.biolm_source` (or, without one, the same file). By default corpus c is
drawn with probability p_c ∝ n_c ** temperature (n_c: its number of docs), so
with the default 0.5 a corpus 100 times larger is drawn only 10 times as often:
small corpora (LINNAEUS, NCBI-disease) are not drowned by BC2GM's sentences.
temperature=1 gives the plain concatenation, 0 equal shares; explicit `weights`
(relative, per corpus name, 0 leaves a corpus out) replace the temperature. An
epoch has `epoch_size` examples (default: as many as all corpora hold); a corpus
drawn more often than it has docs is repeated in reshuffled passes, one drawn
less often contributes a random subset that changes every epoch. The stream is
shuffled with `seed` and the epoch number, so runs are reproducible.

With spaCy's `[training] max_epochs = -1` the reader is called every epoch and
each epoch is a fresh sample; with `max_epochs >= 0` spaCy reads one sample once
and reshuffles it every epoch (the same docs each epoch).

Dev mode yields every doc of every file once, in file order, unweighted and
unshuffled, for evaluation; `doc._.biolm_source` stays on each reference doc for
per-corpus scores.
"""

import glob
import random
import warnings
from collections import defaultdict
from pathlib import Path
from typing import Dict, Iterator, List, Mapping, Sequence, Tuple, Union

from spacy.language import Language
from spacy.tokens import Doc, DocBin
from spacy.training import Example
from spacy.util import SimpleFrozenDict, registry

from ..annotations import SOURCE_ATTR
from ..errors import Errors, Warnings
from .reader import make_example

MODES = ("train", "dev")


@registry.readers("spacy-biolm.MergedCorpus.v1")
def create_merged_reader(
    paths: Union[str, Sequence[str]],
    *,
    mode: str = "train",
    weights: Dict[str, float] = SimpleFrozenDict(),
    temperature: float = 0.5,
    epoch_size: int = 0,
    seed: int = 0,
    limit: int = 0,
) -> "MergedCorpus":
    """Read several .spacy files as one stream of Examples.

    paths (Union[str, Sequence[str]]): .spacy files, folders (searched for .spacy
        files) or glob patterns such as "corpus/*/train.spacy".
    mode (str): "train" (weighted, shuffled sample per call) or "dev" (every doc
        once, in order).
    weights (Dict[str, float]): Relative sampling weight per corpus name; empty:
        p ∝ n ** temperature. Must name every corpus if given.
    temperature (float): Exponent of the default weights (0: equal, 1: by size).
    epoch_size (int): Examples per call in train mode (0: all docs of all corpora).
    seed (int): Seed of the sampling and shuffling.
    limit (int): Yield at most this many examples per call (0: no limit).
    RETURNS (MergedCorpus): Callable `nlp -> Iterator[Example]`.
    """
    if isinstance(paths, str):
        paths = [paths]
    return MergedCorpus(
        list(paths),
        mode=mode,
        weights=weights,
        temperature=temperature,
        epoch_size=epoch_size,
        seed=seed,
        limit=limit,
    )


class MergedCorpus:
    """Several converted corpora as one Example stream; see the module docstring.

    paths (List[str]): .spacy files, folders or glob patterns.
    mode (str): "train" or "dev".
    weights (Mapping[str, float]): Relative weight per corpus name, or empty.
    temperature (float): Exponent of the default weights.
    epoch_size (int): Examples per call in train mode (0: all docs).
    seed (int): Seed of the sampling and shuffling.
    limit (int): At most this many examples per call (0: no limit).
    """

    def __init__(
        self,
        paths: List[str],
        *,
        mode: str = "train",
        weights: Mapping[str, float] = SimpleFrozenDict(),
        temperature: float = 0.5,
        epoch_size: int = 0,
        seed: int = 0,
        limit: int = 0,
    ) -> None:
        if mode not in MODES:
            raise ValueError(Errors.E1079.format(mode=mode))
        if temperature < 0 or any(weight < 0 for weight in weights.values()):
            raise ValueError(Errors.E1078.format(problem="a negative weight or temperature"))
        self.files = find_spacy_files(paths)
        self.mode = mode
        self.weights = dict(weights)
        self.temperature = temperature
        self.epoch_size = epoch_size
        self.seed = seed
        self.limit = limit
        self.epoch = 0
        self._docbins: Dict[Path, DocBin] = {}

    def __call__(self, nlp: Language) -> Iterator[Example]:
        """Yield the examples of one epoch (train) or of all docs (dev).

        nlp (Language): The current pipeline; its tokenizer makes the predicted docs.
        YIELDS (Example): Examples whose reference docs keep their user_data.
        """
        if self.mode == "dev":
            docs = [doc for _, doc in self._read(nlp)]
        else:
            docs = self._sample(nlp)
            self.epoch += 1
        for doc in docs[: self.limit or None]:
            yield make_example(nlp, doc)

    def corpus_sizes(self, nlp: Language) -> Dict[str, int]:
        """The number of docs per corpus name.

        nlp (Language): The pipeline whose vocab reads the docs.
        RETURNS (Dict[str, int]): Corpus name -> docs.
        """
        return {name: len(docs) for name, docs in self._group(nlp).items()}

    def probabilities(self, sizes: Mapping[str, int]) -> Dict[str, float]:
        """The sampling probability of each corpus.

        sizes (Mapping[str, int]): Corpus name -> number of docs.
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
        for path in self.files:
            if path not in self._docbins:
                self._docbins[path] = DocBin().from_disk(path)
            for doc in self._docbins[path].get_docs(nlp.vocab):
                if len(doc):
                    yield path, doc

    def _group(self, nlp: Language) -> Dict[str, List[Doc]]:
        groups: Dict[str, List[Doc]] = defaultdict(list)
        for path, doc in self._read(nlp):
            groups[doc._.get(SOURCE_ATTR) or str(path)].append(doc)
        return dict(groups)

    def _sample(self, nlp: Language) -> List[Doc]:
        rng = random.Random(f"{self.seed}-{self.epoch}")
        groups = self._group(nlp)
        probabilities = self.probabilities({name: len(docs) for name, docs in groups.items()})
        for name, probability in probabilities.items():
            if probability == 0:
                warnings.warn(
                    Warnings.W1021.format(
                        corpus=name, paths=", ".join(map(str, self.files)), n=len(groups[name])
                    ),
                    stacklevel=2,
                )
        size = self.epoch_size or sum(len(docs) for docs in groups.values())
        sample: List[Doc] = []
        for name, count in allocate(size, probabilities).items():
            sample.extend(_draw(groups[name], count, rng))
        rng.shuffle(sample)
        return sample


def allocate(size: int, probabilities: Mapping[str, float]) -> Dict[str, int]:
    """Split `size` draws over corpora in proportion to their probabilities.

    Largest remainders round the shares, so the counts sum to `size` exactly.

    size (int): The number of draws.
    probabilities (Mapping[str, float]): Corpus name -> probability.
    RETURNS (Dict[str, int]): Corpus name -> number of draws.
    """
    shares = {name: size * p for name, p in probabilities.items()}
    counts = {name: int(share) for name, share in shares.items()}
    by_remainder = sorted(shares, key=lambda name: (counts[name] - shares[name], name))
    for name in by_remainder[: size - sum(counts.values())]:
        counts[name] += 1
    return counts


def _draw(docs: List[Doc], count: int, rng: random.Random) -> List[Doc]:
    # Whole reshuffled passes over the docs, then part of one more.
    drawn: List[Doc] = []
    while len(drawn) < count:
        order = list(docs)
        rng.shuffle(order)
        drawn.extend(order[: count - len(drawn)])
    return drawn


def find_spacy_files(paths: Sequence[Union[str, Path]]) -> List[Path]:
    """Resolve files, folders and glob patterns to .spacy files, in the given order.

    paths (Sequence[Union[str, Path]]): The entries; a folder is searched
        recursively and a pattern expanded, both sorted.
    RETURNS (List[Path]): The .spacy files, each once.
    """
    found: List[Path] = []
    for entry in paths:
        matches = sorted(Path(match) for match in glob.glob(str(entry), recursive=True))
        files = []
        for match in matches:
            files.extend(sorted(match.rglob("*.spacy")) if match.is_dir() else [match])
        files = [path for path in files if path.suffix == ".spacy"]
        if not files:
            raise ValueError(Errors.E1076.format(path=entry))
        found.extend(path for path in files if path not in found)
    return found
