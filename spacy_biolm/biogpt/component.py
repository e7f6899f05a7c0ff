"""The `biogpt` factory: BioGPT (microsoft/biogpt, BioGPT-Large, their fine-tunes)
inside a spaCy pipeline, one task per component instance.

- generate: the doc text (or a template over it) is the prompt; the continuation
  goes to doc._.biogpt_text.
- qa: PubMedQA-style yes / no / maybe. doc._.biogpt_answer_scores holds the
  probabilities of the three answers after the prompt, doc._.biogpt_answer the best.
- relations: BioGPT's relation-extraction output, in doc._.biogpt_text, parsed into
  doc._.biogpt_relations with the offsets of the doc's entities.

The component is not trained here. Weights load in initialize() or from_disk(), on
the device spaCy uses (require_gpu / prefer_gpu); this module itself imports neither
torch nor transformers, since spaCy imports every factory module on spacy.blank().
"""

import copy
import logging
import tempfile
import warnings
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List, Mapping, Optional, Union

import srsly
from spacy.language import Language
from spacy.pipeline import Pipe
from spacy.tokens import Doc
from spacy.util import SimpleFrozenDict, SimpleFrozenList, minibatch
from spacy.vocab import Vocab
from thinc.api import Config

from ..errors import Errors, Warnings
from ..threads import install_fork_guard
from . import tasks

# nlp.pipe(n_process=N) forks: see threads.py
install_fork_guard()

logger = logging.getLogger("spacy_biolm")

DEFAULT_MODEL_NAME = "microsoft/biogpt"
DTYPES = ("auto", "float32", "bfloat16", "float16")
EXTENSIONS = (
    "biogpt_text",
    "biogpt_question",
    "biogpt_answer",
    "biogpt_answer_scores",
    "biogpt_relations",
)
# Subfolder of the component's folder holding the Hugging Face model and tokenizer.
MODEL_DIR = "model"
# msgpack's limit on one binary value: bigger weight files cannot go to bytes.
MAX_BYTES_FILE = 2**32 - 1

DEFAULT_CONFIG_STR = f"""
[biogpt]
model = "{DEFAULT_MODEL_NAME}"
task = "{tasks.GENERATE}"
template = null
lowercase = null
max_new_tokens = 250
batch_size = 8
dtype = "auto"
serialize_weights = true

[biogpt.generation_config]
"""

DEFAULT_CONFIG = Config().from_str(DEFAULT_CONFIG_STR)


def install_extensions() -> None:
    """Register the Doc extensions of the component (once; never forced)."""
    for attr in EXTENSIONS:
        if not Doc.has_extension(attr):
            Doc.set_extension(attr, default=None)


@Language.factory(
    "biogpt",
    assigns=[f"doc._.{attr}" for attr in EXTENSIONS if attr != "biogpt_question"],
    default_config=DEFAULT_CONFIG["biogpt"],
)
def make_biogpt(
    nlp: Language,
    name: str,
    *,
    model: str,
    task: str,
    template: Optional[str],
    lowercase: Optional[bool],
    max_new_tokens: int,
    batch_size: int,
    dtype: str,
    serialize_weights: bool,
    generation_config: Dict[str, Any],
) -> "BioGpt":
    """BioGPT answering one task per doc. Weights load in nlp.initialize() (by name
    or local folder) or with the pipeline (spacy.load).

    model (str): Hugging Face name or local folder, e.g. "microsoft/biogpt",
        "microsoft/BioGPT-Large-PubMedQA" or a folder from `convert-biogpt`.
    task (str): "generate", "qa" or "relations".
    template (Optional[str]): Prompt template (str.format); None: the task's default.
        Placeholders: {text} (generate, relations), {question} and {context} (qa),
        {prompt_tokens} (a converted fine-tune's learned prompt, else "").
    lowercase (Optional[bool]): Lowercase the doc text in prompts; None: the task's
        default (True for relations, as BioGPT's relation fine-tunes were trained).
    max_new_tokens (int): Most tokens generated per doc (generate, relations).
    batch_size (int): Prompts per forward pass.
    dtype (str): "auto" (float32 on CPU, bfloat16 or float16 on GPU), "float32",
        "bfloat16" or "float16".
    serialize_weights (bool): Write the weights with the pipeline (a self-contained
        package) or only load `model` again at load time.
    generation_config (Dict[str, Any]): transformers GenerationConfig settings over
        the greedy default, e.g. {"do_sample": true, "top_p": 0.9} or {"num_beams": 5}.
    RETURNS (BioGpt): The component.
    """
    return BioGpt(
        nlp.vocab,
        name,
        model=model,
        task=task,
        template=template,
        lowercase=lowercase,
        max_new_tokens=max_new_tokens,
        batch_size=batch_size,
        dtype=dtype,
        serialize_weights=serialize_weights,
        generation_config=generation_config,
    )


class BioGpt(Pipe):
    """Run BioGPT on docs and write its output to Doc extensions.

    Docs are sorted by prompt length and run `batch_size` at a time, left-padded,
    with the KV cache; batched results equal one-by-one results. Prompts longer than
    the model's positions minus `max_new_tokens` lose their beginning (one warning
    per batch). Empty docs are not run.
    """

    def __init__(
        self,
        vocab: Vocab,
        name: str = "biogpt",
        *,
        model: str = DEFAULT_MODEL_NAME,
        task: str = tasks.GENERATE,
        template: Optional[str] = None,
        lowercase: Optional[bool] = None,
        max_new_tokens: int = 250,
        batch_size: int = 8,
        dtype: str = "auto",
        serialize_weights: bool = True,
        generation_config: Mapping[str, Any] = SimpleFrozenDict(),
    ) -> None:
        """Initialize the component; see make_biogpt for the arguments."""
        if task not in tasks.TASKS:
            raise ValueError(Errors.E1122.format(task=task, tasks=tasks.TASKS))
        if dtype not in DTYPES:
            raise ValueError(Errors.E1124.format(dtype=dtype, dtypes=DTYPES))
        if max_new_tokens < 1 or batch_size < 1:
            raise ValueError(
                Errors.E1133.format(max_new_tokens=max_new_tokens, batch_size=batch_size)
            )
        _check_generation_settings(generation_config)
        self.vocab = vocab
        self.name = name
        self.model_name = model
        self.task = task
        self.template = tasks.template_for(task, template)
        tasks.check_template(task, self.template)
        self.lowercase = tasks.lowercase_for(task, lowercase)
        self.max_new_tokens = max_new_tokens
        self.batch_size = batch_size
        self.dtype = dtype
        self.serialize_weights = serialize_weights
        self.generation_settings = dict(generation_config)
        self._hf_model: Any = None
        self._tokenizer: Any = None
        # Set by from_disk: weights load on first use, so a pipeline that ships
        # BioGPT disabled (en_biolm) costs nothing at spacy.load.
        self._pending_source: Optional[Union[str, Path]] = None
        self._generation_config: Any = None
        self._answer_ids: List[List[int]] = []
        self._prompt_limit = 0
        install_extensions()

    @property
    def hf_model(self) -> Any:
        """The transformers model (BioGptForCausalLM); loads weights recorded by
        from_disk on first use; raises if there are none."""
        self._load_pending()
        if self._hf_model is None:
            raise ValueError(Errors.E1120.format(name=self.name))
        return self._hf_model

    @property
    def tokenizer(self) -> Any:
        """The BioGptTokenizer; loaded with the model."""
        self._load_pending()
        if self._tokenizer is None:
            raise ValueError(Errors.E1120.format(name=self.name))
        return self._tokenizer

    def _load_pending(self) -> None:
        if self._hf_model is None and self._pending_source is not None:
            source, self._pending_source = self._pending_source, None
            self.load(source)

    @property
    def prompt_tokens(self) -> str:
        """The learned prompt of a converted fairseq fine-tune, else ""."""
        from .model_io import PROMPT_ATTR

        return getattr(self.hf_model.config, PROMPT_ATTR, "") or ""

    def initialize(
        self,
        get_examples: Optional[Callable[[], Iterable[Any]]] = None,
        *,
        nlp: Optional[Language] = None,
    ) -> None:
        """Load the weights and tokenizer named by `model`.

        get_examples (Optional[Callable]): Unused: the component is not trained.
        nlp (Optional[Language]): The pipeline.
        """
        self.load(self.model_name)

    def load(self, source: Union[str, Path]) -> None:
        """Load a model and tokenizer onto spaCy's current device.

        source (Union[str, Path]): Hugging Face name or local folder.
        """
        from thinc.util import get_torch_default_device
        from transformers import BioGptTokenizer

        from .generation import BioGptForBatchedGeneration

        device = get_torch_default_device()
        try:
            tokenizer = BioGptTokenizer.from_pretrained(str(source))
            model = BioGptForBatchedGeneration.from_pretrained(
                str(source), torch_dtype=_torch_dtype(self.dtype, device)
            )
        except OSError as err:
            raise ValueError(Errors.E1121.format(model=source, err=err)) from err
        answer_ids = [
            tokenizer(answer, add_special_tokens=False)["input_ids"] for answer in tasks.QA_ANSWERS
        ]
        reserve = max(map(len, answer_ids)) if self.task == tasks.QA else self.max_new_tokens
        n_positions = model.config.max_position_embeddings
        if n_positions - reserve < 2:
            raise ValueError(
                Errors.E1125.format(name=self.name, reserve=reserve, n_positions=n_positions)
            )
        self._hf_model = model.to(device).eval()
        self._tokenizer = tokenizer
        self._answer_ids = answer_ids
        self._prompt_limit = n_positions - reserve
        self._generation_config = copy.deepcopy(model.generation_config)
        greedy = {
            "max_new_tokens": self.max_new_tokens,
            "do_sample": False,
            "num_beams": 1,
            "pad_token_id": tokenizer.pad_token_id,
            "eos_token_id": tokenizer.eos_token_id,
        }
        self._generation_config.update(**{**greedy, **self.generation_settings})
        logger.info("biogpt '%s': loaded %s on %s (%s)", self.name, source, device, model.dtype)

    def __call__(self, doc: Doc) -> Doc:
        """Run the task on one doc.

        doc (Doc): The document.
        RETURNS (Doc): The document, annotated.
        """
        self.set_annotations([doc], self.predict([doc]))
        return doc

    def pipe(self, stream: Iterable[Doc], *, batch_size: int = 128) -> Iterator[Doc]:
        """Run the task on a stream of docs, in their order.

        stream (Iterable[Doc]): The documents.
        batch_size (int): Docs read at once; they are sorted by prompt length and
            run `self.batch_size` at a time.
        YIELDS (Doc): The documents, annotated.
        """
        error_handler = self.get_error_handler()
        for batch in minibatch(stream, size=batch_size):
            docs = list(batch)
            try:
                self.set_annotations(docs, self.predict(docs))
                yield from docs
            except Exception as err:
                error_handler(self.name, self, docs, err)

    def predict(self, docs: Iterable[Doc]) -> List[Any]:
        """Run the model without changing the docs.

        docs (Iterable[Doc]): The documents.
        RETURNS (List[Any]): Per doc, the generated text (generate, relations) or the
            answers' probabilities (qa); None for an empty doc.
        """
        from . import generation

        docs = list(docs)
        outputs: List[Any] = [None] * len(docs)
        to_run = [doc_index for doc_index, doc in enumerate(docs) if doc.text.strip()]
        if not to_run:
            return outputs
        prompt_tokens = self.prompt_tokens
        prompts = [
            tasks.build_prompt(
                self.task,
                docs[doc_index],
                template=self.template,
                lowercase=self.lowercase,
                prompt_tokens=prompt_tokens,
                question=docs[doc_index]._.biogpt_question,
            )
            for doc_index in to_run
        ]
        # Indices below run over `to_run` (prompt indices), not over `docs`.
        full = generation.encode(self.tokenizer, prompts)
        cut = [generation.truncate_left(ids, self._prompt_limit) for ids in full]
        by_length = sorted(range(len(to_run)), key=lambda prompt: len(cut[prompt]))
        for batch in minibatch(by_length, size=self.batch_size):
            n_cut = sum(len(full[prompt]) > self._prompt_limit for prompt in batch)
            if n_cut:
                warnings.warn(
                    Warnings.W1040.format(
                        name=self.name,
                        n_cut=n_cut,
                        n_batch=len(batch),
                        longest=max(len(full[prompt]) for prompt in batch),
                        limit=self._prompt_limit,
                    ),
                    stacklevel=2,
                )
            for prompt, output in zip(batch, self._run([cut[prompt] for prompt in batch])):
                outputs[to_run[prompt]] = output
        return outputs

    def _run(self, prompts: List[List[int]]) -> List[Any]:
        from . import generation

        if self.task == tasks.QA:
            scores = generation.score_continuations(self.hf_model, prompts, self._answer_ids)
            return [tasks.answer_probabilities(row, tasks.QA_ANSWERS) for row in scores]
        generated = generation.generate(self.hf_model, prompts, self._generation_config)
        return [
            tasks.clean_generated_text(self.tokenizer.decode(ids, skip_special_tokens=True))
            for ids in generated
        ]

    def set_annotations(self, docs: Iterable[Doc], outputs: List[Any]) -> None:
        """Write the outputs of predict() to the docs' extensions.

        docs (Iterable[Doc]): The documents.
        outputs (List[Any]): The outputs of predict(docs).
        """
        for doc, output in zip(docs, outputs):
            if self.task == tasks.QA:
                doc._.biogpt_answer_scores = output
                doc._.biogpt_answer = None if output is None else max(output, key=output.get)
                continue
            doc._.biogpt_text = output or ""
            if self.task == tasks.RELATIONS:
                doc._.biogpt_relations = tasks.parse_relations(output or "", doc)

    def to_disk(
        self, path: Union[str, Path], *, exclude: Iterable[str] = SimpleFrozenList()
    ) -> None:
        """Write the component: the model and tokenizer folder unless
        serialize_weights is false (then `model` is loaded again at load time).

        path (Union[str, Path]): The component's folder.
        exclude (Iterable[str]): Unused.
        """
        from .model_io import save_model

        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        if not self.serialize_weights:
            return
        model = self.hf_model
        if model.dtype.itemsize < 4:
            warnings.warn(Warnings.W1041.format(name=self.name, dtype=model.dtype), stacklevel=2)
        save_model(model, path / MODEL_DIR)
        self.tokenizer.save_pretrained(str(path / MODEL_DIR))

    def from_disk(
        self, path: Union[str, Path], *, exclude: Iterable[str] = SimpleFrozenList()
    ) -> "BioGpt":
        """Point the component at the weights written by to_disk, else those named
        by `model`. They load on first use, so a disabled component costs nothing.

        path (Union[str, Path]): The component's folder.
        exclude (Iterable[str]): Unused.
        RETURNS (BioGpt): The component.
        """
        folder = Path(path) / MODEL_DIR
        self._hf_model = self._tokenizer = None
        self._pending_source = folder if folder.exists() else self.model_name
        return self

    def to_bytes(self, *, exclude: Iterable[str] = SimpleFrozenList()) -> bytes:
        """Serialize the component (the files of to_disk, in msgpack).

        exclude (Iterable[str]): Unused.
        RETURNS (bytes): The serialized component.
        """
        with tempfile.TemporaryDirectory() as tmp:
            self.to_disk(tmp)
            files = {
                str(file.relative_to(tmp)): file.read_bytes()
                for file in sorted(Path(tmp).rglob("*"))
                if file.is_file()
            }
        for name, data in files.items():
            if len(data) > MAX_BYTES_FILE:
                raise ValueError(Errors.E1135.format(name=self.name, file=name, size=len(data)))
        return srsly.msgpack_dumps(files)

    def from_bytes(
        self, bytes_data: bytes, *, exclude: Iterable[str] = SimpleFrozenList()
    ) -> "BioGpt":
        """Load the component from to_bytes() output.

        bytes_data (bytes): The serialized component.
        exclude (Iterable[str]): Unused.
        RETURNS (BioGpt): The component.
        """
        with tempfile.TemporaryDirectory() as tmp:
            for name, data in srsly.msgpack_loads(bytes_data).items():
                file = Path(tmp) / name
                file.parent.mkdir(parents=True, exist_ok=True)
                file.write_bytes(data)
            self.from_disk(tmp)
            self._load_pending()  # before the temporary folder goes
        return self


def _check_generation_settings(settings: Mapping[str, Any]) -> None:
    from transformers import GenerationConfig

    unknown = sorted(set(settings) - set(GenerationConfig().to_dict()))
    if unknown:
        raise ValueError(Errors.E1126.format(unknown=unknown))
    if settings.get("num_return_sequences", 1) != 1:
        raise ValueError(Errors.E1134)
    lengths = sorted({"max_new_tokens", "max_length"} & set(settings))
    if lengths:
        raise ValueError(Errors.E1136.format(keys=lengths))


def _torch_dtype(name: str, device: Any) -> Any:
    import torch

    if name != "auto":
        return getattr(torch, name)
    if device.type != "cuda":
        return torch.float32
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16


install_extensions()
