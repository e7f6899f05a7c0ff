"""The transformer architecture: spacy-transformers' TransformerModel whose window
getter knows the encoder's wordpiece limit."""

from typing import Callable, List, Optional

from spacy.tokens import Doc
from spacy.util import registry
from spacy_transformers.data_classes import FullTransformerBatch
from spacy_transformers.layers import TransformerModel
from thinc.api import Model

from ..errors import Errors
from .grouping import grouped_forward

MIN_MAX_LENGTH = 8


@registry.architectures("spacy-biolm.TransformerModel.v1")
def build_transformer_model(
    name: str,
    get_spans: Callable,
    tokenizer_config: dict,
    transformer_config: dict,
    mixed_precision: bool = False,
    grad_scaler_config: dict = {},  # noqa: B006  (thinc's own signature)
    max_length: int = 512,
    group_overhead: Optional[int] = None,
    group_max_pieces: int = 16384,
) -> Model[List[Doc], FullTransformerBatch]:
    """A Hugging Face encoder fed windows that never exceed its input limit.

    name (str): Any Hugging Face model name or local folder, e.g.
        "michiyasunaga/BioLinkBERT-base". Weights load in `initialize()`.
    get_spans (Callable): The span getter; a `spacy-biolm.wordpiece_windows.v1`
        getter is bound to this model so that it plans windows with its tokenizer.
    tokenizer_config (dict): Settings for `AutoTokenizer.from_pretrained`.
    transformer_config (dict): Settings for `AutoConfig.from_pretrained`.
    mixed_precision (bool): fp16 autocast; for GPU training and inference.
    grad_scaler_config (dict): Gradient scaling settings under mixed precision.
    max_length (int): Most wordpieces per window, special tokens included; capped by
        the encoder's position embeddings. BioLinkBERT's tokenizer sets no limit.
    group_overhead (Optional[int]): At inference, windows are sorted by length and
        grouped to minimise padding plus this cost per encoder call, in wordpieces.
        None: 16 on CPU, 2048 on GPU. A very large value gives one call per batch.
    group_max_pieces (int): Most padded wordpieces in one encoder call (memory bound).
    RETURNS (Model[List[Doc], FullTransformerBatch]): The transformer model.
    """
    if max_length < MIN_MAX_LENGTH:
        raise ValueError(
            Errors.E1001.format(minimum=MIN_MAX_LENGTH, max_length=max_length, n_special=2)
        )
    model = TransformerModel(
        name,
        get_spans,
        tokenizer_config,
        transformer_config,
        mixed_precision,
        grad_scaler_config,
    )
    # Inference runs windows grouped by length (see grouping.py); training keeps
    # spacy-transformers' forward.
    model._func = grouped_forward
    model.attrs["group_overhead"] = group_overhead
    model.attrs["group_max_pieces"] = group_max_pieces
    if hasattr(get_spans, "bind"):
        get_spans.bind(model, max_length)
    return model
