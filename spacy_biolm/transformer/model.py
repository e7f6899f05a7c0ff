"""The transformer architectures: spacy-transformers' TransformerModel whose window
getter knows the encoder's wordpiece limit and whose encoder runs windows grouped by
length at inference, and its standalone "tok2vec" form for `nlp.replace_listeners`."""

import copy
from typing import Any, Callable, Dict, List, Optional

from spacy.tokens import Doc
from spacy.util import registry
from spacy_transformers.data_classes import FullTransformerBatch
from spacy_transformers.layers import TransformerModel, split_trf_batch, trfs2arrays
from thinc.api import Model, chain
from thinc.types import Floats2d, Ragged

from ..errors import Errors
from .grouping import with_length_groups

MIN_MAX_LENGTH = 8
TRANSFORMER_ARCHITECTURE = "spacy-biolm.TransformerModel.v1"
TOK2VEC_ARCHITECTURE = "spacy-biolm.Tok2VecTransformer.v1"


class BioLMTransformerModel(TransformerModel):
    """spacy-transformers' TransformerModel, forward included, with three changes:
    its encoder layer groups windows by length at inference (see grouping.py), its
    span getter is bound to it, and `nlp.replace_listeners` gives a component a true
    copy of it, written in the config as `spacy-biolm.Tok2VecTransformer.v1`.
    """

    def __init__(
        self,
        name: str,
        get_spans: Callable,
        tokenizer_config: dict,
        transformer_config: dict,
        mixed_precision: bool,
        grad_scaler_config: dict,
        *,
        max_length: int,
        group_overhead: Optional[int],
        group_max_pieces: int,
    ) -> None:
        """Build the model; weights load in `initialize()` or `from_bytes()`.

        The arguments are those of `spacy-biolm.TransformerModel.v1`.
        """
        if max_length < MIN_MAX_LENGTH:
            raise ValueError(
                Errors.E1001.format(minimum=MIN_MAX_LENGTH, max_length=max_length, n_special=2)
            )
        # HFShim writes into the grad scaler settings: never into the caller's dict.
        super().__init__(
            name,
            get_spans,
            tokenizer_config,
            transformer_config,
            mixed_precision,
            dict(grad_scaler_config),
        )
        self.layers[0] = with_length_groups(
            self.layers[0], overhead=group_overhead, max_pieces=group_max_pieces
        )
        self.attrs["max_length"] = max_length
        self.attrs["replace_listener_cfg"] = replace_listener_cfg
        if hasattr(get_spans, "bind"):
            get_spans.bind(self, max_length)

    def copy(self) -> "BioLMTransformerModel":
        """A copy with its own Hugging Face model and its own span getter, bound to the
        copy: the model `nlp.replace_listeners` puts into a component.

        spacy-transformers' `copy` would return a plain TransformerModel without
        length grouping, marked as not loaded, whose span getter is the original's
        and so reads the original's tokenizer and keeps the original alive.

        RETURNS (BioLMTransformerModel): The copy, with a distinct `model.id`.
        """
        # A shallow copy: the getter's settings (it holds no state of its own) apply
        # to the copy's tokenizer, a copy of the same one; `bind` points it there.
        get_spans = copy.copy(self.attrs["get_spans"])
        copied = BioLMTransformerModel(
            self.attrs["name"],
            get_spans,
            {},
            {},
            False,
            {},
            max_length=self.attrs["max_length"],
            group_overhead=None,
            group_max_pieces=1,
        )
        # The encoder layer's copy carries the Hugging Face objects, the mixed
        # precision settings and the grouping settings.
        copied.layers[0] = self.layers[0].copy()
        copied.attrs.update({key: value for key, value in self.attrs.items() if key != "get_spans"})
        if self.has_dim("nO"):
            copied.set_dim("nO", self.get_dim("nO"))
        return copied


def replace_listener_cfg(
    tok2vec_model_cfg: Dict[str, Any], listener_model_cfg: Dict[str, Any]
) -> Dict[str, Any]:
    """The config of the copy that replaces a listener (spaCy's `replace_listeners`
    hook): our transformer's settings plus the listener's pooling and grad_factor,
    under `spacy-biolm.Tok2VecTransformer.v1`. spacy-transformers' own hook writes
    `spacy-transformers.Tok2VecTransformer.v3`, which rejects `max_length` and the
    grouping settings, so the pipeline could not be loaded again.

    tok2vec_model_cfg (Dict[str, Any]): The transformer component's model config.
    listener_model_cfg (Dict[str, Any]): The listener's config.
    RETURNS (Dict[str, Any]): The config for the listener's place.
    """
    result = dict(tok2vec_model_cfg)
    if "TransformerListener" in listener_model_cfg.get("@architectures", ""):
        result["@architectures"] = TOK2VEC_ARCHITECTURE
        for key in ("pooling", "grad_factor"):
            if key in listener_model_cfg and key not in result:
                result[key] = listener_model_cfg[key]
    return result


@registry.architectures(TRANSFORMER_ARCHITECTURE)
def build_transformer_model_v1(
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
    return BioLMTransformerModel(
        name,
        get_spans,
        tokenizer_config,
        transformer_config,
        mixed_precision,
        grad_scaler_config,
        max_length=max_length,
        group_overhead=group_overhead,
        group_max_pieces=group_max_pieces,
    )


@registry.architectures(TOK2VEC_ARCHITECTURE)
def build_tok2vec_transformer_v1(
    name: str,
    get_spans: Callable,
    tokenizer_config: dict,
    transformer_config: dict,
    pooling: Model[Ragged, Floats2d],
    grad_factor: float = 1.0,
    mixed_precision: bool = False,
    grad_scaler_config: dict = {},  # noqa: B006  (thinc's own signature)
    max_length: int = 512,
    group_overhead: Optional[int] = None,
    group_max_pieces: int = 16384,
) -> Model[List[Doc], List[Floats2d]]:
    """A component's own transformer, as `nlp.replace_listeners` leaves it in place of
    a `spacy-transformers.TransformerListener.v1`: token vectors from a
    `spacy-biolm.TransformerModel.v1` that no other component shares.

    pooling (Model[Ragged, Floats2d]): Reduces each token's wordpiece vectors to
        one, as in the listener (e.g. `reduce_mean.v1`).
    grad_factor (float): Scale of the gradient passed to the transformer.
    The other arguments are those of `spacy-biolm.TransformerModel.v1`.
    RETURNS (Model[List[Doc], List[Floats2d]]): One vector per token, per doc.
    """
    transformer = build_transformer_model_v1(
        name,
        get_spans,
        tokenizer_config,
        transformer_config,
        mixed_precision,
        grad_scaler_config,
        max_length,
        group_overhead,
        group_max_pieces,
    )
    # A chain in a chain, like spacy-transformers' Tok2VecTransformer.v3: the shape
    # `replace_listeners` leaves (the listener in TransformerListener.v1's chain
    # replaced by chain(copy, split_trf_batch())), so its saved weights load here.
    return chain(chain(transformer, split_trf_batch()), trfs2arrays(pooling, grad_factor))
