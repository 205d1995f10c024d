r"""Pretraining objectives and sizes of Transformer language models: BERT's masking, a small
masked language model, and parameter and compute counts of BERT and GPT configurations.

* :func:`mask_tokens` — BERT's corruption of a batch of token ids (Devlin et al., 2019): each
  ordinary token is *selected* with probability ``mlm_probability`` (15 %); a selected token
  is replaced by ``[MASK]`` with probability 0.8, by a uniformly drawn token with probability
  0.1, and kept with probability 0.1. Only selected positions carry a label.
* :class:`MaskedLanguageModel` — token and learned position embeddings, a LayerNorm, a stack of
  :class:`~dlbook.nn.TransformerEncoderLayer` *without* a causal mask (every position sees
  both sides), and a linear output layer over the vocabulary, evaluated only where asked.
* :class:`TransformerConfig`, :data:`PRETRAINED_CONFIGS`, :func:`parameter_count` — the
  parameters of an encoder (BERT) or decoder-only (GPT-2/3) stack counted from its
  configuration, component by component;
  :func:`forward_flops_per_token` and :func:`training_flops` — the usual compute estimates,
  about :math:`2N` floating-point operations per token for a forward pass and :math:`6ND` to
  train N parameters on D tokens (Kaplan et al., 2020).
"""
import dataclasses
import numbers

import numpy as np

from .._validation import (check_index_array, check_option, check_positive_int,
                           check_probability, check_scalar)
from .. import functional as F
from ..nn.modules import Dropout, Linear, Module, Parameter, Sequential
from ..nn.sparse import Embedding
from ..nn.transformer import GELU, LayerNorm, PositionalEmbedding, TransformerEncoderLayer
from ..random import as_generator

__all__ = ["mask_tokens", "MaskedLanguageModel", "TransformerConfig", "PRETRAINED_CONFIGS",
           "parameter_count", "non_embedding_parameters", "forward_flops_per_token",
           "training_flops"]


# --------------------------------------------------------------------------- masking
def mask_tokens(input_ids, vocab_size, mask_id, *, mlm_probability=0.15, mask_replace_prob=0.8,
                random_replace_prob=0.1, special_ids=(), ignore_index=-100, generator=None):
    r"""BERT's masked-language-model corruption of a batch of token ids.

    Every position whose id is not in ``special_ids`` is selected independently with
    probability ``mlm_probability``. A selected position becomes ``mask_id`` with probability
    ``mask_replace_prob``, a token drawn uniformly from ``[0, vocab_size)`` with probability
    ``random_replace_prob`` (it may by chance be the original token), and keeps its token
    otherwise. The labels hold the original id at the selected positions and ``ignore_index``
    everywhere else, so a loss with that ``ignore_index`` (e.g.
    :class:`dlbook.nn.CrossEntropyLoss`) is averaged over the selected positions only. This is
    Hugging Face's ``DataCollatorForLanguageModeling`` with the same parameter names.

    Parameters
    ----------
    input_ids : ndarray of int, any shape, e.g. (N, T)
    vocab_size : int
        V; random replacements are drawn from ``[0, V)``.
    mask_id : int
        The id of ``[MASK]``, in ``[0, V)``.
    mlm_probability : float, default 0.15
    mask_replace_prob : float, default 0.8
    random_replace_prob : float, default 0.1
        ``mask_replace_prob + random_replace_prob`` must not exceed one; the rest is the
        probability of keeping a selected token unchanged.
    special_ids : sequence of int, default ()
        Ids that are never selected (sentence markers, padding, ``[MASK]`` itself).
    ignore_index : int, default -100
    generator : numpy.random.Generator, int or None

    Returns
    -------
    inputs : ndarray of int64, the shape of ``input_ids``
        The corrupted ids the model reads.
    labels : ndarray of int64, the shape of ``input_ids``
        The original id where selected, ``ignore_index`` elsewhere.
    """
    ids = check_index_array(input_ids, "input_ids", what="token ids").astype(np.int64)
    V = check_positive_int(vocab_size, "vocab_size")
    mask_id = check_scalar(mask_id, "mask_id", numbers.Integral, min_val=0, max_val=V,
                           include_boundaries="left")
    check_index_array(ids, "input_ids", V, what="token ids")
    p_select = check_probability(mlm_probability, "mlm_probability")
    p_mask = check_probability(mask_replace_prob, "mask_replace_prob")
    p_random = check_probability(random_replace_prob, "random_replace_prob")
    if p_mask + p_random > 1 + 1e-12:
        raise ValueError(f"mask_replace_prob + random_replace_prob must be <= 1, got "
                         f"{p_mask} + {p_random}")
    special = check_index_array(list(special_ids), "special_ids", what="token ids")
    rng = as_generator(generator)
    selected = (rng.random(ids.shape) < p_select) & ~np.isin(ids, special)
    labels = np.where(selected, ids, int(ignore_index))
    action = rng.random(ids.shape)
    to_mask = selected & (action < p_mask)
    to_random = selected & (action >= p_mask) & (action < p_mask + p_random)
    inputs = ids.copy()
    inputs[to_mask] = mask_id
    inputs[to_random] = rng.integers(0, V, size=int(to_random.sum()))
    return inputs, labels


# --------------------------------------------------------------------------- the model
class MaskedLanguageModel(Module):
    r"""A small BERT-style encoder with a masked-language-model output layer.

    ::

        x = dropout(norm(tok_embed(ids) + pos_embed))        # (N, T, d_model)
        x = layers[l](x, src_mask, src_key_padding_mask)     # l = 0 .. num_layers - 1
        logits = head(x[positions])                          # (M, V), or (N, T, V)

    No causal mask is applied unless ``src_mask`` is passed: every position attends to every
    other, on both sides. Passing the causal mask
    (:func:`dlbook.nn.transformer.generate_square_subsequent_mask`) turns the same stack into a
    left-to-right (GPT-style) model.

    Parameters
    ----------
    vocab_size : int
        V.
    d_model : int, default 64
    nhead : int, default 4
    num_layers : int, default 2
    dim_feedforward : int, default 256
    max_len : int, default 128
        Rows of the learned position table; the longest input.
    dropout : float, default 0.1
        After the embedding LayerNorm and inside every encoder layer.
    activation : {'gelu_tanh', 'gelu', 'relu'}, default 'gelu_tanh'
        The GELU's tanh approximation, which the original BERT and GPT-2 code use; 'gelu' is
        the exact (erf) form.
    norm_first : bool, default False
        Post-norm layers as in BERT (False) or pre-norm as in GPT-2 (True).
    init_std : float, default 0.02
        Standard deviation of the token and position tables (BERT's ``initializer_range``).
        The scale matters although a LayerNorm follows: Adam moves every entry by about the
        learning rate per step, so a table drawn from N(0, 1) learns fifty times more slowly,
        relative to its size, than one drawn from N(0, 0.02²).
    tie_weights : bool, default False
        Use the token table as the output layer, ``logits = x @ tok_embed.weight.T +
        head_bias``, as BERT and GPT-2 do: the output layer then adds only V biases.
    generator : numpy.random.Generator, int or None
        Initialization, and the dropout masks when given.

    Attributes
    ----------
    tok_embed : Embedding(V, d_model)
    pos_embed : PositionalEmbedding(max_len, d_model, batch_first=True)
    norm : LayerNorm(d_model)
    dropout : Dropout
    layers : Sequential of ``num_layers`` TransformerEncoderLayer (batch_first)
    head : Linear(d_model, V), or None with ``tie_weights``
    head_bias : Parameter, shape (V,), only with ``tie_weights``
    """

    def __init__(self, vocab_size, d_model=64, nhead=4, num_layers=2, dim_feedforward=256,
                 max_len=128, dropout=0.1, activation="gelu_tanh", norm_first=False,
                 init_std=0.02, tie_weights=False, *, generator=None):
        super().__init__()
        self.vocab_size = check_positive_int(vocab_size, "vocab_size")
        self.d_model = check_positive_int(d_model, "d_model")
        num_layers = check_positive_int(num_layers, "num_layers")
        dropout = check_probability(dropout, "dropout")
        rng = as_generator(generator)
        drop_rng = None if generator is None else rng
        self.tok_embed = Embedding(self.vocab_size, self.d_model, generator=rng)
        self.pos_embed = PositionalEmbedding(max_len, self.d_model, batch_first=True,
                                             generator=rng)
        self.norm = LayerNorm(self.d_model)
        self.dropout = Dropout(dropout, generator=drop_rng)
        check_option(activation, "activation", ("gelu", "gelu_tanh", "relu"))
        self.layers = Sequential(*[
            TransformerEncoderLayer(self.d_model, nhead, dim_feedforward, dropout,
                                    activation=(GELU(approximate="tanh")
                                                if activation == "gelu_tanh" else activation),
                                    batch_first=True, norm_first=norm_first, generator=drop_rng)
            for _ in range(num_layers)])
        self.tie_weights = bool(tie_weights)
        if self.tie_weights:                    # logits = x E^T + b with the token table E
            self.head = None
            self.head_bias = Parameter(np.zeros(self.vocab_size))
        else:
            self.head = Linear(self.d_model, self.vocab_size, generator=rng)
        init_std = check_scalar(init_std, "init_std", min_val=0, include_boundaries="neither")
        for table in (self.tok_embed.weight, self.pos_embed.weight):
            table.data *= init_std

    def forward(self, input_ids, positions=None, src_mask=None, src_key_padding_mask=None):
        r"""Logits over the vocabulary.

        Parameters
        ----------
        input_ids : ndarray of int, shape (N, T)
        positions : ndarray of bool, shape (N, T), optional
            Where to evaluate the output layer (e.g. ``labels != ignore_index``). The output
            layer costs ``d_model * V`` multiply-adds per position, most of the model's work
            when V is large, and a masked language model needs it only at the masked positions.
        src_mask : ndarray, shape (T, T), optional
            Passed to every layer; the causal mask makes the model left-to-right.
        src_key_padding_mask : ndarray of bool, shape (N, T), optional

        Returns
        -------
        ndarray, shape (M, V) with M = ``positions.sum()`` (in row-major order of the True
        entries), or (N, T, V) without ``positions``.
        """
        ids = check_index_array(input_ids, "input_ids", what="token ids")
        if ids.ndim != 2:
            raise ValueError(f"MaskedLanguageModel expected input_ids of shape (N, T), got "
                             f"shape {ids.shape}")
        if positions is not None:
            positions = np.asarray(positions)
            if positions.dtype != bool or positions.shape != ids.shape:
                raise ValueError(f"positions must be a boolean array of shape {ids.shape}, got "
                                 f"dtype {positions.dtype} and shape {positions.shape}")
        x = self.dropout(self.norm(self.pos_embed(self.tok_embed(ids))))
        for layer in self.layers:
            x = layer(x, src_mask=src_mask, src_key_padding_mask=src_key_padding_mask)
        self.ctx.hidden_shape, self.ctx.positions = x.shape, positions
        if positions is not None:
            x = x[positions]
        if self.tie_weights:
            return F.LinearFunction.forward(self.ctx, x, self.tok_embed.weight.data,
                                            self.head_bias.data)
        return self.head(x)

    def backward(self, grad_output):
        """Accumulate every parameter's gradient; token ids have none, so this returns None."""
        ctx = self.ctx
        if self.tie_weights:
            grad, dtable, dbias = F.LinearFunction.backward(ctx, grad_output)
            self.tok_embed.weight.accumulate(dtable)
            self.head_bias.accumulate(dbias)
        else:
            grad = self.head.backward(grad_output)
        if ctx.positions is not None:
            full = np.zeros(ctx.hidden_shape)
            full[ctx.positions] = grad
            grad = full
        for layer in reversed(list(self.layers)):
            grad = layer.backward(grad)
        grad = self.pos_embed.backward(self.norm.backward(self.dropout.backward(grad)))
        self.tok_embed.backward(grad)
        return None


# --------------------------------------------------------------------------- sizes
@dataclasses.dataclass(frozen=True)
class TransformerConfig:
    """The shape of a BERT- or GPT-style Transformer stack, enough to count its parameters.

    Parameters
    ----------
    vocab_size : int
        V, rows of the token embedding.
    max_position : int
        Rows of the learned position embedding (the context length).
    d_model : int
        The hidden size (BERT's ``hidden_size``, GPT-2's ``n_embd``).
    n_layers : int
    n_heads : int
        Does not change the count (the heads split ``d_model``), kept for the record.
    d_ff : int
        Inner size of the feed-forward network (4 ``d_model`` in all published models).
    type_vocab_size : int, default 0
        Rows of the segment (token type) embedding: 2 in BERT, none in GPT.
    embedding_norm : bool, default False
        A LayerNorm after the summed embeddings (BERT).
    final_norm : bool, default False
        A LayerNorm after the last block (GPT-2 and GPT-3, which are pre-norm).
    pooler : bool, default False
        BERT's pooler: a d_model x d_model dense layer with bias on the ``[CLS]`` vector.
    lm_head : {'none', 'tied', 'linear'}, default 'none'
        The output layer over the vocabulary: none (the bare encoder), tied to the token
        embedding (no extra parameters), or its own ``Linear(d_model, V)`` with bias.
    """

    vocab_size: int
    max_position: int
    d_model: int
    n_layers: int
    n_heads: int
    d_ff: int
    type_vocab_size: int = 0
    embedding_norm: bool = False
    final_norm: bool = False
    pooler: bool = False
    lm_head: str = "none"

    def __post_init__(self):
        for name in ("vocab_size", "max_position", "d_model", "n_layers", "n_heads", "d_ff"):
            check_positive_int(getattr(self, name), name)
        check_scalar(self.type_vocab_size, "type_vocab_size", numbers.Integral, min_val=0)
        if self.d_model % self.n_heads:
            raise ValueError(f"n_heads must divide d_model, got d_model={self.d_model} and "
                             f"n_heads={self.n_heads}")
        check_option(self.lm_head, "lm_head", ("none", "tied", "linear"))


_BERT = dict(vocab_size=30522, max_position=512, type_vocab_size=2, embedding_norm=True,
             pooler=True)
_GPT2 = dict(vocab_size=50257, max_position=1024, final_norm=True, lm_head="tied")

#: The published configurations: ``bert-base``/``bert-large`` as released with Devlin et al.
#: (2019) (uncased vocabulary, with the pooler, without the pretraining heads), GPT-2 as
#: released with Radford et al. (2019), and GPT-3 175B from Brown et al. (2020), Table 2.1.
PRETRAINED_CONFIGS = {
    "BERT-base": TransformerConfig(d_model=768, n_layers=12, n_heads=12, d_ff=3072, **_BERT),
    "BERT-large": TransformerConfig(d_model=1024, n_layers=24, n_heads=16, d_ff=4096, **_BERT),
    "GPT-2 small": TransformerConfig(d_model=768, n_layers=12, n_heads=12, d_ff=3072, **_GPT2),
    "GPT-2 medium": TransformerConfig(d_model=1024, n_layers=24, n_heads=16, d_ff=4096,
                                      **_GPT2),
    "GPT-2 large": TransformerConfig(d_model=1280, n_layers=36, n_heads=20, d_ff=5120,
                                     **_GPT2),
    "GPT-2 XL": TransformerConfig(d_model=1600, n_layers=48, n_heads=25, d_ff=6400, **_GPT2),
    "GPT-3": TransformerConfig(vocab_size=50257, max_position=2048, d_model=12288, n_layers=96,
                               n_heads=96, d_ff=49152, final_norm=True, lm_head="tied"),
}


def _check_config(config):
    if not isinstance(config, TransformerConfig):
        raise TypeError(f"config must be a TransformerConfig, got {type(config).__name__}")
    return config


def parameter_count(config):
    r"""The parameters of a Transformer stack, component by component.

    With :math:`d` = ``d_model``, :math:`f` = ``d_ff`` and L layers, every block holds

    * attention: the query, key, value and output projections with biases,
      :math:`4(d^2 + d)`;
    * feed-forward: :math:`(d f + f) + (f d + d)`;
    * two LayerNorms: :math:`4d`;

    and the stack adds the token, position and segment embeddings
    (:math:`(V + P + S)\,d`), BERT's embedding LayerNorm (:math:`2d`), GPT's final LayerNorm
    (:math:`2d`), BERT's pooler (:math:`d^2 + d`) and an untied output layer
    (:math:`dV + V`).

    Parameters
    ----------
    config : TransformerConfig

    Returns
    -------
    dict of str to int
        Keys ``'token embedding'``, ``'position embedding'``, ``'segment embedding'``,
        ``'attention'``, ``'feed-forward'``, ``'layer norms'`` (all LayerNorms),
        ``'pooler'``, ``'output layer'`` and ``'total'``; the components add up to the total.
    """
    c = _check_config(config)
    d, f, L = c.d_model, c.d_ff, c.n_layers
    counts = {
        "token embedding": c.vocab_size * d,
        "position embedding": c.max_position * d,
        "segment embedding": c.type_vocab_size * d,
        "attention": L * 4 * (d * d + d),
        "feed-forward": L * (2 * d * f + f + d),
        "layer norms": L * 4 * d + 2 * d * (int(c.embedding_norm) + int(c.final_norm)),
        "pooler": (d * d + d) if c.pooler else 0,
        "output layer": (d * c.vocab_size + c.vocab_size) if c.lm_head == "linear" else 0,
    }
    counts["total"] = sum(counts.values())
    return counts


def non_embedding_parameters(config):
    """Parameters outside the token, position and segment embeddings (Kaplan et al.'s N)."""
    counts = parameter_count(config)
    return counts["total"] - counts["token embedding"] - counts["position embedding"] \
        - counts["segment embedding"]


def forward_flops_per_token(config, n_ctx=None):
    r"""Floating-point operations of one forward pass per token (Kaplan et al., 2020):

    .. math:: C_\mathrm{forward} \approx 2N + 2\, L\, n_\mathrm{ctx}\, d ,

    one multiply and one add for every non-embedding parameter N (each weight multiplies one
    input per token; an embedding is only looked up), plus the attention scores
    :math:`QK^\top` and the weighted sum of the values over a context of
    :math:`n_\mathrm{ctx}` tokens. A tied or untied output layer over the vocabulary adds
    :math:`2dV`.

    Parameters
    ----------
    config : TransformerConfig
    n_ctx : int, optional
        Context length; defaults to ``config.max_position``.
    """
    c = _check_config(config)
    n_ctx = c.max_position if n_ctx is None else check_positive_int(n_ctx, "n_ctx")
    flops = 2 * non_embedding_parameters(c) + 2 * c.n_layers * n_ctx * c.d_model
    if c.lm_head == "tied":
        flops += 2 * c.d_model * c.vocab_size
    return flops


def training_flops(n_parameters, n_tokens):
    r"""The standard estimate :math:`C \approx 6ND` of the compute to train N parameters on D
    tokens: 2N per token forward, twice that backward (a gradient with respect to the inputs
    and one with respect to the weights, each a matrix product of the forward's size)."""
    n_parameters = check_scalar(n_parameters, "n_parameters", min_val=0,
                                include_boundaries="neither")
    n_tokens = check_scalar(n_tokens, "n_tokens", min_val=0, include_boundaries="neither")
    return 6.0 * n_parameters * n_tokens
