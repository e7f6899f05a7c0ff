"""The fidelity report of a conversion: what each source mention became.

Every mention the source states ends up in exactly one bucket, so that
`sum(source_mentions) == sum(converted) + sum(dropped) + sum(unmapped) + invalid`
where `invalid` counts the mention records skipped with `skip_invalid`. Documents
held out because a test split holds them (`held_out`, see `heldout.py`) are not
read into any count but their own.
"""

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List

from .alignment import RECOVERED, STRICT

EXAMPLES_PER_PATTERN = 10
INVALID_EXAMPLES = 20


@dataclass
class SplitReport:
    """Counts for one split of one corpus.

    corpus (str): The corpus name.
    split (str): The split name.
    """

    corpus: str
    split: str
    docs: int = 0
    source_mentions: Counter = field(default_factory=Counter)
    converted: Counter = field(default_factory=Counter)
    strict: int = 0
    recovered: int = 0
    dropped: Counter = field(default_factory=Counter)
    unmapped: Counter = field(default_factory=Counter)
    invalid_mentions: int = 0
    skipped_invalid: Dict[str, int] = field(default_factory=dict)
    invalid_examples: List[str] = field(default_factory=list)
    ignored: Counter = field(default_factory=Counter)
    merged_duplicates: int = 0
    errata: List[str] = field(default_factory=list)
    duplicate_doc_ids: List[str] = field(default_factory=list)
    misaligned: Counter = field(default_factory=Counter)
    misaligned_examples: Dict[str, List[str]] = field(default_factory=dict)
    held_out: Dict[str, List[str]] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def aligned(self) -> int:
        """Mentions that were mapped to a label and reached the tokenizer."""
        return self.strict + self.recovered + sum(self.dropped.values())

    @property
    def strict_pct(self) -> float:
        """The % of mapped mentions whose offsets fall on token boundaries."""
        return 100.0 * self.strict / self.aligned if self.aligned else 100.0

    @property
    def held_out_by_corpus(self) -> Counter:
        """The held-out documents per corpus whose test split holds them."""
        return Counter(corpus for corpora in self.held_out.values() for corpus in corpora)

    def add_alignment(self, status: str, label: str) -> None:
        """Count a converted mention by how it was aligned."""
        self.converted[label] += 1
        if status == STRICT:
            self.strict += 1
        elif status == RECOVERED:
            self.recovered += 1

    def add_misalignment(self, patterns: Iterable[str], example: str) -> None:
        """Count the misaligned boundaries of a recovered mention, keeping examples."""
        for pattern in patterns:
            self.misaligned[pattern] += 1
            examples = self.misaligned_examples.setdefault(pattern, [])
            if len(examples) < EXAMPLES_PER_PATTERN:
                examples.append(example)

    def add_skipped(self, counts: Dict[str, int], messages: Iterable[str]) -> None:
        """Record the invalid records skipped while reading this split."""
        self.skipped_invalid = dict(counts)
        self.invalid_examples = list(messages)[:INVALID_EXAMPLES]

    def to_dict(self) -> Dict[str, Any]:
        """The report as JSON-serializable data."""
        return {
            "corpus": self.corpus,
            "split": self.split,
            "docs": self.docs,
            "source_mentions": dict(sorted(self.source_mentions.items())),
            "converted": dict(sorted(self.converted.items())),
            "strict": self.strict,
            "recovered": self.recovered,
            "dropped": dict(self.dropped),
            "strict_pct": round(self.strict_pct, 3),
            "unmapped_type": dict(sorted(self.unmapped.items())),
            "invalid_mentions": self.invalid_mentions,
            "skipped_invalid": self.skipped_invalid,
            "invalid_examples": self.invalid_examples,
            "ignored_annotations": dict(self.ignored),
            "merged_duplicates": self.merged_duplicates,
            "errata": self.errata,
            "duplicate_doc_ids": self.duplicate_doc_ids,
            "held_out_test_docs": len(self.held_out),
            "held_out_by_test_split": dict(sorted(self.held_out_by_corpus.items())),
            "held_out_ids": dict(sorted(self.held_out.items())),
            "misaligned_patterns": dict(self.misaligned.most_common()),
            "misaligned_examples": self.misaligned_examples,
            "seconds": round(self.seconds, 2),
        }


def format_misalignments(reports: Iterable[SplitReport], *, per_pattern: int = 5) -> str:
    """A text listing of the misalignment patterns, most frequent first, with examples.

    reports (Iterable[SplitReport]): The split reports of one or more corpora.
    per_pattern (int): How many examples to show per pattern.
    RETURNS (str): The listing.
    """
    reports = list(reports)
    patterns: Counter = Counter()
    shown: Dict[str, List[str]] = {}
    for report in reports:
        patterns.update(report.misaligned)
        for pattern, lines in report.misaligned_examples.items():
            shown.setdefault(pattern, []).extend(f"[{report.split}] {line}" for line in lines)
    names = ", ".join(f"{report.corpus}/{report.split}" for report in reports)
    out = [
        f"# {sum(r.recovered for r in reports)} recovered mentions in {names}",
        "# A pattern names the mention boundary that falls inside a token and the",
        "# character classes on either side of it (a: lower, A: upper, 0: digit,",
        "# ␣: space, else the character itself). Examples show the mention in [[ ]]",
        "# and the tokens it was expanded to.",
    ]
    for pattern, count in patterns.most_common():
        out.append(f"\n## {pattern}  ({count})")
        out.extend(shown[pattern][:per_pattern])
    return "\n".join(out) + "\n"
