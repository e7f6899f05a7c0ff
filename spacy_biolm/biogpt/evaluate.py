"""Measure what the BioGPT card claims: PubMedQA accuracy and macro-F1, and BC5CDR
chemical-induced-disease (CID) relation P/R/F.

PubMedQA: the 500 questions of the official test split (`test_ground_truth.json`,
their questions and contexts in `ori_pqal.json`), the reasoning-required setting
(question and context, without the long answer). Each question becomes a doc whose
text is the context (its CONTEXTS joined by spaces) and whose
`doc._.biogpt_question` is the question, so the `biogpt` component builds its own
prompt and scores "yes", "no" and "maybe" as it always does.

BC5CDR: the gold is every CID line of `CDR_TestSet.PubTator.txt`, as document-level
(chemical MeSH, disease MeSH) pairs, as the BioCreative V CDR task scores them. Each
test document becomes a doc with its gold Chemical and Disease mentions in
`doc.spans["biolm_ents"]` (the names BioGPT's output is matched to), then the
pipeline runs (one with its own NER and linker replaces them with its own spans and
their kb_id_). A relation of `doc._.biogpt_relations` is grounded entity by entity:
the head must be a Chemical and the tail a Disease; an entity's IDs are the
`kb_id_` of its span when a linker set one, else the gold IDs of the mention at that
place (a composite mention has several: the relation stands for every pair). The
grounded pairs of a document form a set (a pair said twice counts once).

Unmatched names: a relation whose head or tail matches no entity of the doc, is of
the wrong type, or has no ID, is counted as ONE false positive per distinct
(document, head text, tail text): BioGPT's own scripts map such a name to the ID "-1",
which no gold pair has. These are reported separately (`unmatched`, by reason, with
examples), so a low precision from ungroundable names is told apart from wrong pairs.
"""

import itertools
import time
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple, Union

import srsly
from spacy.language import Language
from spacy.tokens import Doc
from wasabi import MarkdownRenderer

from ..annotations import SPANS_KEY
from ..corpora.source import CorpusError, InvalidRecords, iter_lines
from ..errors import Errors, Warnings
from ..linking.gold import MESH_ID, GoldMention, LinkingCorpus, corpus_files, read_gold
from . import tasks
from .component import BioGpt, install_extensions

PUBMEDQA_DIR = "pubmedqa"
GROUND_TRUTH_FILE = "test_ground_truth.json"
QUESTIONS_FILE = "ori_pqal.json"
# The official test split, and its share of "yes" (the paper's majority baseline).
OFFICIAL_TEST_SIZE = 500
OFFICIAL_YES_SHARE = 0.552
CID = "CID"
CHEMICAL, DISEASE = "Chemical", "Disease"
MESH_PREFIX = "MESH:"
# Unmatched relations listed in the metrics, to show what the names look like.
N_EXAMPLES = 20

Pair = Tuple[str, str]


@dataclass(frozen=True)
class PubMedQaQuestion:
    """One PubMedQA test question.

    id (str): Its PMID.
    question (str): The question.
    context (str): The abstract without its conclusion (CONTEXTS joined by spaces).
    answer (str): The gold answer: "yes", "no" or "maybe".
    """

    id: str
    question: str
    context: str
    answer: str


@dataclass
class CidDocument:
    """One BC5CDR test document with its gold mentions and CID relations.

    id (str): Its PMID.
    text (str): Title, a space, abstract (the text the offsets refer to).
    mentions (List[GoldMention]): Its Chemical and Disease mentions with their IDs.
    relations (Set[Pair]): Its (chemical, disease) CURIE pairs.
    """

    id: str
    text: str
    mentions: List[GoldMention]
    relations: Set[Pair]


def read_pubmedqa(
    corpora_dir: Union[str, Path], *, max_questions: int = 0
) -> List[PubMedQaQuestion]:
    """Read the PubMedQA test questions in the order of test_ground_truth.json.

    corpora_dir (Union[str, Path]): Folder holding pubmedqa/ (test_ground_truth.json
        and ori_pqal.json), e.g. ../shared/corpora or assets.
    max_questions (int): Only the first N questions (0: all).
    RETURNS (List[PubMedQaQuestion]): The questions.
    """
    _check_limit("max_questions", max_questions)
    folder = Path(corpora_dir) / PUBMEDQA_DIR
    truth_path, questions_path = folder / GROUND_TRUTH_FILE, folder / QUESTIONS_FILE
    for path, what in (
        (truth_path, "the official test ids and answers"),
        (questions_path, "the questions and contexts of the labelled PubMedQA"),
    ):
        if not path.exists():
            raise FileNotFoundError(Errors.E1137.format(path=path, what=what))
    truth: Dict[str, Any] = srsly.read_json(truth_path)
    records: Dict[str, Any] = srsly.read_json(questions_path)
    if max_questions:
        truth = dict(itertools.islice(truth.items(), max_questions))
    questions = []
    for pmid, answer in truth.items():
        if answer not in tasks.QA_ANSWERS:
            problem = f"the answer {answer!r}, not one of {', '.join(tasks.QA_ANSWERS)}"
            raise ValueError(Errors.E1139.format(path=truth_path, id=pmid, problem=problem))
        record = records.get(pmid)
        if record is None:
            raise ValueError(
                Errors.E1138.format(id=pmid, ground_truth=truth_path, questions=questions_path)
            )
        missing = [key for key in ("QUESTION", "CONTEXTS") if not record.get(key)]
        if missing:
            problem = f"no {' and no '.join(missing)}"
            raise ValueError(Errors.E1139.format(path=questions_path, id=pmid, problem=problem))
        context = " ".join(part.strip() for part in record["CONTEXTS"])
        questions.append(PubMedQaQuestion(pmid, record["QUESTION"].strip(), context, answer))
    return questions


def check_official_split(questions: Sequence[PubMedQaQuestion], path: Union[str, Path]) -> bool:
    """Warn (W1042) unless the questions are the official test split: 500 of them,
    55.2% "yes".

    questions (Sequence[PubMedQaQuestion]): All questions of the file.
    path (Union[str, Path]): The file, for the message.
    RETURNS (bool): Whether they are.
    """
    share = majority_share([question.answer for question in questions])
    official = len(questions) == OFFICIAL_TEST_SIZE and round(share, 3) == OFFICIAL_YES_SHARE
    if not official:
        warnings.warn(Warnings.W1042.format(path=path, n=len(questions), share=share), stacklevel=2)
    return official


def majority_share(answers: Sequence[str]) -> float:
    """The accuracy of always giving the most frequent answer."""
    if not answers:
        return 0.0
    return Counter(answers).most_common(1)[0][1] / len(answers)


def evaluate_pubmedqa(
    nlp: Language,
    questions: Sequence[PubMedQaQuestion],
    *,
    batch_size: int = 64,
    progress: bool = False,
) -> Dict[str, Any]:
    """Answer the questions with the pipeline and score the answers.

    nlp (Language): A pipeline with a component that writes doc._.biogpt_answer
        (a `biogpt` component with task "qa").
    questions (Sequence[PubMedQaQuestion]): The questions (read_pubmedqa).
    batch_size (int): Docs per nlp.pipe batch (the component runs its own
        batch_size at a time inside).
    progress (bool): Show a progress bar.
    RETURNS (Dict[str, Any]): questions, accuracy, macro_f1, per_label, confusion,
        majority_baseline, label_counts, no_answer, words, seconds, words_per_second.
    """
    check_pipeline(nlp, "biogpt_answer", tasks.QA)
    install_extensions()
    docs = []
    for question in questions:
        doc = nlp.make_doc(question.context)
        doc._.biogpt_question = question.question
        docs.append(doc)
    start = time.perf_counter()
    docs = _run(nlp, docs, batch_size, progress)
    seconds = time.perf_counter() - start
    predicted = [doc._.biogpt_answer for doc in docs]
    _warn_missing(
        [q.id for q, answer in zip(questions, predicted) if answer is None], len(docs), "answer"
    )
    gold = [question.answer for question in questions]
    words = sum(
        _n_words(doc) + len(question.question.split()) for doc, question in zip(docs, questions)
    )
    return {
        "questions": len(questions),
        **classification_scores(gold, predicted),
        "majority_baseline": majority_share(gold),
        "label_counts": dict(Counter(gold)),
        "no_answer": sum(answer is None for answer in predicted),
        **_speed(words, seconds),
    }


def classification_scores(
    gold: Sequence[str],
    predicted: Sequence[Optional[str]],
    labels: Sequence[str] = tasks.QA_ANSWERS,
) -> Dict[str, Any]:
    """Accuracy, macro-F1 and the confusion matrix, as the PubMedQA paper scores.

    Macro-F1 averages the F1 of the labels that occur in the gold or the
    predictions (scikit-learn's f1_score(average="macro")); a label's F1 is 0 when
    it has no true positive. A missing prediction (None) is wrong.

    gold (Sequence[str]): The gold answers.
    predicted (Sequence[Optional[str]]): The predicted answers, None for none.
    labels (Sequence[str]): The answers, in table order.
    RETURNS (Dict[str, Any]): accuracy, macro_f1, per_label (p, r, f, support) and
        confusion (gold -> predicted -> count; predicted "none" for None).
    """
    pairs = list(zip(gold, predicted))
    confusion = {g: dict.fromkeys([*labels, "none"], 0) for g in labels}
    for g, p in pairs:
        confusion[g][p or "none"] += 1
    per_label = {}
    for label in labels:
        tp = confusion[label][label]
        n_predicted = sum(p == label for _, p in pairs)
        n_gold = sum(g == label for g, _ in pairs)
        per_label[label] = {**_prf(tp, n_predicted - tp, n_gold - tp), "support": n_gold}
    present = [label for label in labels if label in gold or label in predicted]
    return {
        "accuracy": sum(g == p for g, p in pairs) / len(pairs) if pairs else 0.0,
        "macro_f1": sum(per_label[label]["f"] for label in present) / len(present)
        if present
        else 0.0,
        "per_label": per_label,
        "confusion": confusion,
    }


def read_cid_relations(path: Union[str, Path]) -> Dict[str, Set[Pair]]:
    """The CID relations of a PubTator file: PMID -> {(chemical, disease)} as MeSH
    CURIEs ("MESH:D015738"). Other lines are not read; a malformed CID line stops
    the reading with its place and the layout (E1140).

    path (Union[str, Path]): The PubTator file.
    RETURNS (Dict[str, Set[Pair]]): The relations of each document that has any.
    """
    relations: Dict[str, Set[Pair]] = {}
    for where, line in iter_lines(Path(path), InvalidRecords()):
        fields = line.split("\t")
        if len(fields) < 2 or fields[1].strip() != CID:
            continue
        problem = ""
        if len(fields) != 4:
            problem = f"{len(fields)} tab-separated fields, not 4"
        elif not fields[0].strip().isdigit():
            problem = f"the PMID {fields[0]!r} is not a number"
        else:
            bad = [value for value in fields[2:] if not MESH_ID.match(value.strip())]
            if bad:
                problem = f"{bad[0]!r} is not a MeSH ID (D or C and digits)"
        if problem:
            raise CorpusError(Errors.E1140.format(where=where, line=line, problem=problem))
        pmid, _, chemical, disease = (value.strip() for value in fields)
        relations.setdefault(pmid, set()).add((MESH_PREFIX + chemical, MESH_PREFIX + disease))
    return relations


def read_bc5cdr_test(corpora_dir: Union[str, Path], *, max_docs: int = 0) -> List[CidDocument]:
    """The BC5CDR test documents with their gold mentions and CID relations.

    corpora_dir (Union[str, Path]): Folder holding bc5cdr/, laid out like its release.
    max_docs (int): Only the first N documents (0: all).
    RETURNS (List[CidDocument]): The documents in file order.
    """
    _check_limit("max_docs", max_docs)
    corpora_dir = Path(corpora_dir)
    path = corpora_dir / corpus_files(LinkingCorpus.bc5cdr, "test")[0]
    if not path.exists():
        raise FileNotFoundError(Errors.E1137.format(path=path, what="the BC5CDR test set"))
    # A relation line of a document without title and abstract stops the reading
    # of the documents (the PubTator reader names its line).
    gold = read_gold(corpora_dir, LinkingCorpus.bc5cdr, "test")
    relations = read_cid_relations(path)
    if not relations:
        raise ValueError(Errors.E1141.format(path=path))
    if max_docs:
        gold = gold[:max_docs]
    return [
        CidDocument(
            document.id, document.text, document.mentions, relations.get(document.id, set())
        )
        for document in gold
    ]


def evaluate_relations(
    nlp: Language,
    documents: Sequence[CidDocument],
    *,
    batch_size: int = 64,
    progress: bool = False,
) -> Dict[str, Any]:
    """Extract relations with the pipeline and score them against the CID pairs
    (see the module docstring for the grounding and the unmatched-name rule).

    nlp (Language): A pipeline with a component that writes doc._.biogpt_relations
        (a `biogpt` component with task "relations").
    documents (Sequence[CidDocument]): The documents (read_bc5cdr_test).
    batch_size (int): Docs per nlp.pipe batch.
    progress (bool): Show a progress bar.
    RETURNS (Dict[str, Any]): docs, gold, predicted, tp, fp, fn, p, r, f, unmatched
        (count, by reason, examples), docs_without_relations, words, seconds,
        words_per_second.
    """
    check_pipeline(nlp, "biogpt_relations", tasks.RELATIONS)
    install_extensions()
    prepared = [_relation_doc(nlp, document) for document in documents]
    gold_ids = [ids for _, ids in prepared]
    start = time.perf_counter()
    predicted_docs = _run(nlp, [doc for doc, _ in prepared], batch_size, progress)
    seconds = time.perf_counter() - start
    tp = fp = fn = 0
    n_predicted = 0
    unmatched: Counter = Counter()
    examples: List[Dict[str, str]] = []
    missing = []
    for document, doc, ids in zip(documents, predicted_docs, gold_ids):
        if doc._.biogpt_relations is None:
            missing.append(document.id)
        pairs: Set[Pair] = set()
        failed: Dict[Tuple[str, str], str] = {}
        for relation in doc._.biogpt_relations or []:
            head, head_why = _ground(relation["head"], CHEMICAL, doc, ids)
            tail, tail_why = _ground(relation["tail"], DISEASE, doc, ids)
            if head_why or tail_why:
                key = (_normal(relation["head"]["text"]), _normal(relation["tail"]["text"]))
                failed.setdefault(key, head_why or tail_why)
                continue
            pairs.update(itertools.product(head, tail))
        n_predicted += len(pairs)
        tp += len(pairs & document.relations)
        fp += len(pairs - document.relations) + len(failed)
        fn += len(document.relations - pairs)
        unmatched.update(failed.values())
        for (head_text, tail_text), why in failed.items():
            if len(examples) < N_EXAMPLES:
                examples.append(
                    {"doc": document.id, "head": head_text, "tail": tail_text, "reason": why}
                )
    _warn_missing(missing, len(documents), "relations")
    words = sum(_n_words(doc) for doc in predicted_docs)
    return {
        "docs": len(documents),
        "gold": sum(len(document.relations) for document in documents),
        "predicted": n_predicted + sum(unmatched.values()),
        "tp": tp,
        "fp": fp,
        "fn": fn,
        **_prf(tp, fp, fn),
        "unmatched": sum(unmatched.values()),
        "unmatched_by_reason": dict(unmatched),
        "unmatched_examples": examples,
        "docs_without_relations": sum(not doc._.biogpt_relations for doc in predicted_docs),
        **_speed(words, seconds),
    }


def check_pipeline(nlp: Language, attr: str, task: str) -> List[str]:
    """The enabled components that write doc._.<attr> for `task`; raise if there is
    none, or if a `biogpt` qa component's tokenizer cannot spell the answers.

    nlp (Language): The pipeline.
    attr (str): The extension the evaluation reads ("biogpt_answer", ...).
    task (str): The biogpt task it needs.
    RETURNS (List[str]): Their names.
    """
    names = [
        name
        for name, pipe in nlp.pipeline
        if f"doc._.{attr}" in nlp.get_pipe_meta(name).assigns
        and (not isinstance(pipe, BioGpt) or pipe.task == task)
    ]
    if not names:
        raise ValueError(Errors.E1142.format(attr=attr, task=task, names=nlp.pipe_names))
    for name in names:
        pipe = nlp.get_pipe(name)
        if isinstance(pipe, BioGpt) and task == tasks.QA:
            check_answer_vocabulary(pipe)
    return names


def check_answer_vocabulary(pipe: BioGpt) -> None:
    """Raise (E1143) if the component's tokenizer turns an answer word into <unk>.

    pipe (BioGpt): A loaded `biogpt` component.
    """
    tokenizer = pipe.tokenizer
    unknown = [
        answer
        for answer in tasks.QA_ANSWERS
        if tokenizer.unk_token_id in tokenizer(answer, add_special_tokens=False)["input_ids"]
    ]
    if unknown:
        raise ValueError(
            Errors.E1143.format(name=pipe.name, model=pipe.model_name, answers=unknown)
        )


def biogpt_pipeline(
    model: Union[str, Path], task: str, *, batch_size: int = 8, lowercase: Optional[bool] = None
) -> Language:
    """The pipeline an evaluation runs: a spaCy pipeline folder or package with a
    `biogpt` component (enabled here if it ships disabled), or a BioGPT (Hugging
    Face name or folder) in a blank English pipeline.

    model (Union[str, Path]): Pipeline or BioGPT.
    task (str): "qa" or "relations".
    batch_size (int): Prompts per forward pass of a new component.
    lowercase (Optional[bool]): Lowercase the prompts of a new component (BioGPT's
        base-size PubMedQA fine-tune was trained on lowercased text); None: the
        task's default.
    RETURNS (Language): The initialized pipeline.
    """
    import spacy
    from spacy.util import is_package

    if (Path(model) / "config.cfg").exists() or is_package(str(model)):
        nlp = spacy.load(model)
        for name in nlp.disabled:
            if isinstance(nlp.get_pipe(name), BioGpt):
                nlp.enable_pipe(name)
        for name, pipe in nlp.pipeline:
            if isinstance(pipe, BioGpt) and pipe.task != task:
                raise ValueError(
                    Errors.E1145.format(model=model, name=name, found=pipe.task, task=task)
                )
        return nlp
    nlp = spacy.blank("en")
    config = {"model": str(model), "task": task, "batch_size": batch_size, "lowercase": lowercase}
    nlp.add_pipe("biogpt", config=config)
    nlp.initialize()
    return nlp


def pubmedqa_markdown(results: Dict[str, Any], title: str) -> str:
    """The PubMedQA scores, per label and as a confusion matrix, in markdown."""
    md = MarkdownRenderer()
    summary = [
        [
            results["questions"],
            _pct(results["accuracy"]),
            _pct(results["macro_f1"]),
            _pct(results["majority_baseline"]),
            _rate(results["words_per_second"]),
        ]
    ]
    md.add(md.title(3, f"PubMedQA test: {title}"))
    md.add(
        _table(
            md,
            summary,
            ["questions", "accuracy", "macro-F1", "always majority", "words/s"],
            aligns=["r"] * 5,
        )
    )
    labels = list(results["per_label"])
    per_label = [
        [
            label,
            *(_pct(results["per_label"][label][key]) for key in "prf"),
            results["per_label"][label]["support"],
        ]
        for label in labels
    ]
    md.add(
        _table(md, per_label, ["answer", "P", "R", "F", "gold"], aligns=["l", "r", "r", "r", "r"])
    )
    columns = [*labels, "none"]
    aligns: Any = ["l"] + ["r"] * len(columns)
    confusion = [[f"gold {g}", *(results["confusion"][g][p] for p in columns)] for g in labels]
    md.add(
        _table(
            md,
            confusion,
            ["", *(f"predicted {p}" for p in columns)],
            aligns=aligns,
        )
    )
    return md.text + "\n"


def relations_markdown(results: Dict[str, Any], title: str) -> str:
    """The BC5CDR CID scores and the unmatched names, in markdown."""
    md = MarkdownRenderer()
    md.add(md.title(3, f"BC5CDR CID relations (test): {title}"))
    row = [
        results["docs"],
        results["gold"],
        results["predicted"],
        results["tp"],
        results["fp"],
        results["fn"],
        *(_pct(results[key]) for key in "prf"),
        results["unmatched"],
        _rate(results["words_per_second"]),
    ]
    header = [
        "docs",
        "gold",
        "predicted",
        "TP",
        "FP",
        "FN",
        "P",
        "R",
        "F",
        "unmatched (in FP)",
        "words/s",
    ]
    md.add(_table(md, [row], header, aligns=["r"] * len(header)))
    md.add(
        "Document-level (chemical MeSH, disease MeSH) pairs against the test file's CID "
        "lines. A relation whose chemical or disease name matches no entity of the "
        "document, one of the wrong type or one without an ID is one false positive "
        f"(unmatched: {results['unmatched_by_reason'] or 'none'})."
    )
    return md.text + "\n"


def _table(md: MarkdownRenderer, rows: List[List[Any]], header: List[str], aligns: Any) -> str:
    return md.table([[str(cell) for cell in row] for row in rows], header, aligns=aligns)


def write_metrics(results: Dict[str, Any], markdown: str, output: Union[str, Path]) -> List[Path]:
    """Write the scores to OUTPUT (JSON) and their table beside it (.md).

    results (Dict[str, Any]): The scores.
    markdown (str): Their table.
    output (Union[str, Path]): The JSON file, e.g. metrics/pubmedqa.json.
    RETURNS (List[Path]): The two files.
    """
    json_path = Path(output)
    md_path = json_path.with_suffix(".md")
    json_path.parent.mkdir(parents=True, exist_ok=True)
    srsly.write_json(json_path, results)
    md_path.write_text(markdown, encoding="utf8")
    return [json_path, md_path]


def _run(nlp: Language, docs: List[Doc], batch_size: int, progress: bool) -> List[Doc]:
    from tqdm import tqdm

    stream = nlp.pipe(docs, batch_size=batch_size)
    return list(tqdm(stream, total=len(docs), disable=not progress, unit="doc"))


def _relation_doc(
    nlp: Language, document: CidDocument
) -> Tuple[Doc, Dict[Tuple[int, int, str], Set[str]]]:
    # The gold mentions go on the doc, so that the relation parser can match names
    # to them; keyed by the span's own offsets, which a tokenizer that does not split
    # at a mention boundary widens ("expand").
    doc = nlp.make_doc(document.text)
    spans = []
    ids: Dict[Tuple[int, int, str], Set[str]] = {}
    for mention in document.mentions:
        span = doc.char_span(
            mention.start, mention.end, label=mention.label, alignment_mode="expand"
        )
        if span is None:
            continue
        spans.append(span)
        ids.setdefault((span.start_char, span.end_char, mention.label), set()).update(mention.ids)
    doc.spans[SPANS_KEY] = spans
    return doc, ids


def _ground(
    entity: Dict[str, Any], label: str, doc: Doc, gold_ids: Dict[Tuple[int, int, str], Set[str]]
) -> Tuple[Set[str], str]:
    # (IDs, "") or (empty, why not).
    if entity["start"] is None:
        return set(), "name matches no entity"
    if entity["label"] != label:
        return set(), f"not a {label}"
    key = (entity["start"], entity["end"], label)
    spans = [*doc.spans[SPANS_KEY], *doc.ents] if SPANS_KEY in doc.spans else list(doc.ents)
    linked = {
        kb_id
        for span in spans
        if (span.start_char, span.end_char, span.label_) == key and span.kb_id_
        for kb_id in span.kb_id_.split("|")
    }
    ids = linked or gold_ids.get(key, set())
    return (set(ids), "") if ids else (set(), "entity without ID")


def _prf(tp: int, fp: int, fn: int) -> Dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"p": p, "r": r, "f": 2 * p * r / (p + r) if p + r else 0.0}


def _speed(words: int, seconds: float) -> Dict[str, Any]:
    return {
        "words": words,
        "seconds": round(seconds, 3),
        "words_per_second": round(words / seconds, 1) if seconds else None,
    }


def _n_words(doc: Doc) -> int:
    return sum(1 for token in doc if not token.is_space)


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


def _warn_missing(ids: Sequence[str], total: int, what: str) -> None:
    if ids:
        warnings.warn(
            Warnings.W1043.format(n=len(ids), total=total, what=what, ids=", ".join(ids[:5])),
            stacklevel=3,
        )


def _check_limit(option: str, value: int) -> None:
    if value < 0:
        raise ValueError(Errors.E1144.format(option=option, value=value))


def _pct(value: float) -> str:
    return f"{100 * value:.1f}"


def _rate(value: Optional[float]) -> str:
    return "-" if value is None else f"{value:,.0f}"
