"""What each task of the `biogpt` component asks BioGPT and how it reads the answer.

Plain Python, no torch: the prompts (templates over the doc), the clean-up of
BioGPT's Moses-detokenized output, the PubMedQA question format, and the parsers of
the relation sentences of BioGPT's relation-extraction fine-tunes (the `relis` target
format of microsoft/BioGPT's examples/RE-BC5CDR, RE-DDI and RE-DTI).
"""

import math
import re
from string import Formatter
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from spacy.tokens import Doc, Span

from ..annotations import SPANS_KEY
from ..errors import Errors

GENERATE = "generate"
QA = "qa"
RELATIONS = "relations"
TASKS = (GENERATE, QA, RELATIONS)

# The PubMedQA labels, scored as continuations of the QA prompt.
QA_ANSWERS = ("yes", "no", "maybe")

# {prompt_tokens} is the learned prompt of a converted fairseq fine-tune
# ("learned1 ... learned9"; see convert.py), empty for other models. BioGPT's
# fine-tunes read it right after the source text.
DEFAULT_TEMPLATES = {
    GENERATE: "{text}",
    QA: (
        "question: {question} context: {context} {prompt_tokens} "
        "the answer to the question given the context is"
    ),
    RELATIONS: "{text} {prompt_tokens}",
}
PLACEHOLDERS = {
    GENERATE: {"text", "prompt_tokens"},
    QA: {"question", "context", "prompt_tokens"},
    RELATIONS: {"text", "prompt_tokens"},
}
# BioGPT's relation fine-tunes were trained on lowercased abstracts.
DEFAULT_LOWERCASE = {GENERATE: False, QA: False, RELATIONS: True}

QUESTION_FORM = re.compile(
    r"^\s*question:\s*(?P<question>.*?)\s*context:\s*(?P<context>.*)$", re.S | re.I
)

# Moses detokenization cannot know that "mg / kg" was "mg/kg" or "3 : 1" was "3:1";
# in biomedical text the unspaced forms are the rule.
_DETOK_FIXES = (
    (re.compile(r"(?<=\w) / (?=\w)"), "/"),
    (re.compile(r"(?<=\d) ?: (?=\d)"), ":"),
)

# Text BioGPT's fine-tunes emit before their answer (its postprocess.py scripts).
_ANSWER_PREFIXES = tuple(
    re.compile(pattern)
    for pattern in (
        r"(?:learned[0-9]+ ?)+",
        r"in conclusion ?,",
        r"we can conclude that",
        r"we have that",
    )
)
# "the relation between X and Y exists" (BC5CDR: chemical-induced disease) and
# "the interaction between X and Y is Z" (DDI, KD-DTI).
_RELATION_FORMS = (
    (re.compile(r"^the relation between (?P<pair>.+) exists$", re.I), "CID"),
    (re.compile(r"^the interaction between (?P<pair>.+) is (?P<label>.+)$", re.I), None),
)


def check_template(task: str, template: str) -> None:
    """Raise if `template` uses a placeholder that `task` does not fill.

    task (str): One of TASKS.
    template (str): A str.format template.
    """
    used = {field for _, field, _, _ in Formatter().parse(template) if field is not None}
    unknown = used - PLACEHOLDERS[task]
    if unknown:
        raise ValueError(
            Errors.E1123.format(
                template=template,
                task=task,
                unknown=sorted(unknown),
                allowed=sorted(PLACEHOLDERS[task]),
            )
        )


def split_question(text: str) -> Optional[Tuple[str, str]]:
    """Split a text of the form "question: … context: …".

    text (str): The doc text.
    RETURNS (Optional[Tuple[str, str]]): (question, context), or None if the text has
        another form.
    """
    match = QUESTION_FORM.match(text)
    if match is None:
        return None
    return match.group("question").strip(), match.group("context").strip()


def qa_inputs(doc: Doc, question: Optional[str]) -> Tuple[str, str]:
    """The question and context of a QA doc.

    doc (Doc): The document: its text is the context, or "question: … context: …".
    question (Optional[str]): doc._.biogpt_question, which takes precedence.
    RETURNS (Tuple[str, str]): (question, context).
    """
    if question:
        return question, doc.text
    parsed = split_question(doc.text)
    if parsed is None:
        raise ValueError(Errors.E1127.format(text=doc.text[:80]))
    return parsed


def build_prompt(
    task: str,
    doc: Doc,
    *,
    template: str,
    lowercase: bool,
    prompt_tokens: str,
    question: Optional[str] = None,
) -> str:
    """Fill `template` for one doc.

    task (str): One of TASKS.
    doc (Doc): The document.
    template (str): The prompt template (see DEFAULT_TEMPLATES).
    lowercase (bool): Lowercase the doc text (question and context too).
    prompt_tokens (str): The model's learned prompt, or "".
    question (Optional[str]): For QA: doc._.biogpt_question.
    RETURNS (str): The prompt.
    """
    fold = str.lower if lowercase else str
    if task == QA:
        q, context = qa_inputs(doc, question)
        fields = {"question": fold(q), "context": fold(context)}
    else:
        fields = {"text": fold(doc.text)}
    return template.format(prompt_tokens=prompt_tokens, **fields).strip()


def clean_generated_text(text: str) -> str:
    """Undo what Moses detokenization leaves of BioGPT's tokenization.

    text (str): The tokenizer's decode() output.
    RETURNS (str): Text that reads as normal prose.
    """
    for pattern, replacement in _DETOK_FIXES:
        text = pattern.sub(replacement, text)
    return " ".join(text.split())


def strip_answer_prefix(text: str) -> str:
    """Drop the learned-prompt tokens or lead-in phrase before a fine-tune's answer."""
    for pattern in _ANSWER_PREFIXES:
        matches = list(pattern.finditer(text))
        if matches:
            return text[matches[-1].end() :].strip()
    return text.strip()


def parse_relations(text: str, doc: Doc) -> List[Dict]:
    """Read the relations of a BioGPT relation-extraction output.

    Both entities are looked up among the doc's entities (doc.spans["biolm_ents"],
    then doc.ents; case and spacing ignored). When the output's "X and Y" can be split
    at several "and"s, a split whose two sides are both entities of the doc wins; else
    the last "and", as BioGPT's own postprocessing does.

    text (str): The generated text, e.g. "the interaction between aspirin and
        warfarin is effect; the interaction between … is mechanism."
    doc (Doc): The document the text was generated from.
    RETURNS (List[Dict]): One dict per relation: {"head": entity, "tail": entity,
        "label": str}, an entity being {"text", "start", "end", "label"} with the
        character offsets and label of the doc span it matches, else None for all
        three and the generated text.
    """
    spans = _entity_index(doc)
    relations = []
    for sentence in strip_answer_prefix(text).rstrip(" .").split(";"):
        sentence = sentence.strip()
        for pattern, fixed_label in _RELATION_FORMS:
            match = pattern.match(sentence)
            if match is None:
                continue
            pair = _split_pair(match.group("pair"), spans)
            if pair is not None:
                label = fixed_label or match.group("label").strip()
                head, tail = (_entity(part, spans) for part in pair)
                relations.append({"head": head, "tail": tail, "label": label})
            break
    return relations


def _normal(text: str) -> str:
    return "".join(text.split()).casefold()


def _entity_index(doc: Doc) -> Dict[str, Span]:
    candidates: List[Span] = list(doc.spans[SPANS_KEY]) if SPANS_KEY in doc.spans else []
    candidates.extend(doc.ents)
    index: Dict[str, Span] = {}
    for span in sorted(candidates, key=lambda s: (s.start_char, s.end_char)):
        index.setdefault(_normal(span.text), span)
    return index


def _split_pair(pair: str, spans: Dict[str, Span]) -> Optional[Tuple[str, str]]:
    cuts = list(re.finditer(r" and ", pair))
    if not cuts:
        return None
    splits = [(pair[: m.start()].strip(), pair[m.end() :].strip()) for m in cuts]
    both = [s for s in splits if all(_normal(side) in spans for side in s)]
    return both[0] if both else splits[-1]


def _entity(text: str, spans: Dict[str, Span]) -> Dict:
    span = spans.get(_normal(text))
    if span is None:
        return {"text": text, "start": None, "end": None, "label": None}
    return {
        "text": span.text,
        "start": span.start_char,
        "end": span.end_char,
        "label": span.label_,
    }


def template_for(task: str, template: Optional[str]) -> str:
    """The template a component uses: the configured one, else the task's default."""
    return DEFAULT_TEMPLATES[task] if template is None else template


def lowercase_for(task: str, lowercase: Optional[bool]) -> bool:
    """Whether a component lowercases: as configured, else the task's default."""
    return DEFAULT_LOWERCASE[task] if lowercase is None else lowercase


def answer_probabilities(
    log_likelihoods: Sequence[float], answers: Iterable[str]
) -> Dict[str, float]:
    """Normalise the answers' log-likelihoods into probabilities that sum to 1.

    log_likelihoods (Sequence[float]): Summed token log-probabilities per answer.
    answers (Iterable[str]): The answers, in the same order.
    RETURNS (Dict[str, float]): Answer -> probability.
    """
    top = max(log_likelihoods)
    weights = [math.exp(value - top) for value in log_likelihoods]
    total = sum(weights)
    return {answer: weight / total for answer, weight in zip(answers, weights)}
