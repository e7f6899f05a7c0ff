"""The `biolm_transformer` factory: spacy-transformers' Transformer pipe with
BioLinkBERT defaults and wordpiece-limited windows."""

from typing import Callable, Iterable, Iterator, List

from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import minibatch
from spacy_transformers.data_classes import FullTransformerBatch
from spacy_transformers.pipeline_component import Transformer
from thinc.api import Config, Model

from ..memory import trim_heap
from ..threads import install_fork_guard

# nlp.pipe(n_process=N) forks: see threads.py
install_fork_guard()

DEFAULT_MODEL_NAME = "michiyasunaga/BioLinkBERT-base"

DEFAULT_CONFIG_STR = f"""
[biolm_transformer]
max_batch_items = 4096

[biolm_transformer.set_extra_annotations]
@annotation_setters = "spacy-transformers.null_annotation_setter.v1"

[biolm_transformer.model]
@architectures = "spacy-biolm.TransformerModel.v1"
name = "{DEFAULT_MODEL_NAME}"
mixed_precision = false
max_length = 512

[biolm_transformer.model.get_spans]
@span_getters = "spacy-biolm.wordpiece_windows.v1"
overlap = 128

[biolm_transformer.model.tokenizer_config]
use_fast = true

[biolm_transformer.model.transformer_config]

[biolm_transformer.model.grad_scaler_config]
"""

DEFAULT_CONFIG = Config().from_str(DEFAULT_CONFIG_STR)


@Language.factory(
    "biolm_transformer",
    assigns=["doc._.trf_data"],
    default_config=DEFAULT_CONFIG["biolm_transformer"],
)
def make_biolm_transformer(
    nlp: Language,
    name: str,
    model: Model[List[Doc], FullTransformerBatch],
    set_extra_annotations: Callable[[List[Doc], FullTransformerBatch], None],
    max_batch_items: int,
) -> "BioLMTransformer":
    """A transformer (BioLinkBERT by default) whose output downstream components
    such as `biolm_ner` listen to. Every token of a document of any length gets
    features: documents are cut into windows that fit the encoder, never truncated.

    model (Model[List[Doc], FullTransformerBatch]): Usually
        `spacy-biolm.TransformerModel.v1`.
    set_extra_annotations (Callable): Callback writing extra annotations.
    max_batch_items (int): Most padded tokens in one batch of the encoder.
    RETURNS (BioLMTransformer): The component.
    """
    return BioLMTransformer(
        nlp.vocab,
        model,
        set_extra_annotations,
        max_batch_items=max_batch_items,
        name=name,
    )


class BioLMTransformer(Transformer):
    """spacy-transformers' Transformer pipe that hands the memory freed by each
    batch back to the system. Without it, glibc keeps the encoder's activations,
    freed between per-doc outputs that live longer, and a process streaming
    abstracts grows by tens of KB a document (spacy_biolm/memory.py)."""

    def pipe(self, stream: Iterable[Doc], *, batch_size: int = 128) -> Iterator[Doc]:
        """Apply the pipe to a stream of documents, batch by batch.

        stream (Iterable[Doc]): The documents.
        batch_size (int): The number of documents to buffer.
        YIELDS (Doc): Processed documents in order.
        """
        # The parent computes a whole batch before yielding its first doc, so these
        # batches are its batches, and the activations are freed when one is taken.
        for docs in minibatch(super().pipe(stream, batch_size=batch_size), batch_size):
            trim_heap()
            yield from docs
