"""The thinc model of `biolm_ner`: token vectors → an independent B/I/O softmax per label."""

from typing import Callable, List, Optional, Tuple

from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import Dropout, Linear, Model, Relu, chain, with_array
from thinc.types import Floats2d

from .viterbi import N_TAGS


@registry.architectures("spacy-biolm.NERHead.v1")
def build_ner_head_v1(
    tok2vec: Model[List[Doc], List[Floats2d]],
    hidden_width: int = 0,
    nO: Optional[int] = None,
) -> Model[List[Doc], List[Floats2d]]:
    """Per-token scores for "BIO per type" tagging: each label has its own softmax
    over O, B, I, so types may overlap (a gene inside a disease name) and a label a
    document does not annotate can be left out of the loss.

    tok2vec (Model[List[Doc], List[Floats2d]]): Token vectors, usually a
        `spacy-transformers.TransformerListener.v1` with mean pooling.
    hidden_width (int): Width of a ReLU layer before the output; 0 for none (a
        linear layer on the encoder, as in BERT-style token classification).
    nO (Optional[int]): 3 × the number of labels; set by the component.
    RETURNS (Model[List[Doc], List[Floats2d]]): Per doc, a (n_tokens, n_labels × 3)
        array: the probabilities of O, B, I of label 0, then of label 1, ...
    """
    # Random, not zero: with W = 0 the gradient into the encoder (W^T dY) is zero,
    # and it stays tiny while W grows at a fine-tuning learning rate, so the
    # transformer hardly trains (a 1,000-step MiniLM run decoded no entity at all).
    output_layer: Model[Floats2d, Floats2d] = Linear(nO=nO)
    layers: List[Model[Floats2d, Floats2d]] = [Dropout(0.0)]
    if hidden_width:
        layers.append(Relu(nO=hidden_width))
    head: Model[Floats2d, Floats2d] = chain(*layers, output_layer, grouped_softmax(N_TAGS))
    model: Model[List[Doc], List[Floats2d]] = chain(tok2vec, with_array(head))
    model.set_ref("tok2vec", tok2vec)
    model.set_ref("output_layer", output_layer)
    return model


def grouped_softmax(group_size: int) -> Model[Floats2d, Floats2d]:
    """A softmax over each group of `group_size` consecutive columns.

    Like thinc's Softmax, its backward pass takes the gradient of the loss with
    respect to the logits (for cross-entropy: probabilities minus truth), which is
    what the component's get_loss computes; it is passed through unchanged.

    group_size (int): Columns per group (3: O, B, I).
    RETURNS (Model[Floats2d, Floats2d]): The layer.
    """
    return Model("grouped_softmax", _grouped_softmax_forward, attrs={"group_size": group_size})


def _grouped_softmax_forward(
    model: Model[Floats2d, Floats2d], X: Floats2d, is_train: bool
) -> Tuple[Floats2d, Callable[[Floats2d], Floats2d]]:
    n_rows, n_cols = X.shape
    size = model.attrs["group_size"]
    grouped = model.ops.softmax(model.ops.reshape3f(X, n_rows, n_cols // size, size), axis=-1)
    Y = model.ops.reshape2f(grouped, n_rows, n_cols)

    def backprop(dY: Floats2d) -> Floats2d:
        return dY

    return Y, backprop
