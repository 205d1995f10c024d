r"""Multi-head attention with ``torch.nn.MultiheadAttention``'s parameters, masks and outputs.

Each of the H heads attends in its own E/H-dimensional subspace:

.. math::
    \mathrm{head}_h = \mathrm{Attention}(Q W_h^{Q\top}, K W_h^{K\top}, V W_h^{V\top}), \qquad
    \mathrm{MultiHead}(Q, K, V) = [\mathrm{head}_1, \dots, \mathrm{head}_H]\, W^{O\top} + b^O,

where :math:`W^Q, W^K, W^V` are the three (E, E) blocks of ``in_proj_weight`` (rows
``[0, E)``, ``[E, 2E)``, ``[2E, 3E)``), head h uses rows ``[h E/H, (h+1) E/H)`` of each, and
:math:`W^O, b^O` are ``out_proj.weight`` and ``out_proj.bias``. The attention itself is
:func:`dlbook._attention.scaled_dot_product_attention`'s core.

Shapes use L for the target (query) length, S for the source (key/value) length, N for the batch
and E for ``embed_dim``. Inputs are (L, N, E) by default and (N, L, E) with
``batch_first=True``, as in PyTorch; unbatched (L, E) inputs are accepted too.
"""
import math

import numpy as np

from .._attention import _attention_backward, _attention_forward
from .._validation import as_float_array, check_positive_int, check_probability
from ..autograd import Context, check_grad_shape
from ..random import as_generator
from .init import xavier_normal_, xavier_uniform_
from .modules import Linear, Module, Parameter

__all__ = ["MultiheadAttention"]


def _mask_array(mask, name):
    """A mask as a bool or float64 array (PyTorch accepts both for MultiheadAttention)."""
    arr = np.asarray(mask)
    return arr if arr.dtype == bool else as_float_array(mask, name)


def _matmul_rows(x, w):
    """``x @ w`` for x of shape (..., n) as one 2-D GEMM over all the rows; ``np.matmul`` on a
    stack would run one small GEMM per leading index instead (same values, much slower)."""
    return (x.reshape(-1, x.shape[-1]) @ w).reshape(x.shape[:-1] + w.shape[-1:])


def _additive(mask):
    r"""PyTorch's MultiheadAttention convention: a boolean True means *ignore*
    (→ :math:`-\infty`), a float mask is added as it is."""
    if mask.dtype == bool:
        return np.where(mask, -np.inf, 0.0)
    return mask


class MultiheadAttention(Module):
    r"""Multi-head attention, as ``torch.nn.MultiheadAttention``.

    Parameters
    ----------
    embed_dim : int
        E, the model dimension; split into ``num_heads`` heads of size E / num_heads.
    num_heads : int
        H; must divide ``embed_dim``.
    dropout : float, default 0.0
        Dropout on the attention weights, in training mode only.
    bias : bool, default True
        Learn ``in_proj_bias`` (3E,) and ``out_proj.bias`` (E,).
    add_bias_kv : bool, default False
        Learn ``bias_k`` and ``bias_v`` (1, 1, E), appended to the projected keys and values as
        one extra source position.
    add_zero_attn : bool, default False
        Append one more source position whose key and value are zero in every head.
    kdim, vdim : int, optional
        Feature sizes of ``key`` and ``value`` (default E). When either differs from E, the
        projections are separate parameters ``q_proj_weight`` (E, E), ``k_proj_weight``
        (E, kdim) and ``v_proj_weight`` (E, vdim), and ``in_proj_weight`` is None (PyTorch's
        layout).
    batch_first : bool, default False
        Inputs and outputs are (N, L, E) instead of (L, N, E).
    generator : numpy.random.Generator, int or None
        Initialization, and the dropout masks when given (otherwise dropout draws from
        :func:`dlbook.random.default_generator`).

    Attributes
    ----------
    in_proj_weight : Parameter, shape (3E, E), or None when kdim or vdim differ from E
        Glorot-uniform (``xavier_uniform_``), PyTorch's initialization.
    q_proj_weight, k_proj_weight, v_proj_weight : Parameter or None
    in_proj_bias : Parameter, shape (3E,), or None; zeros.
    out_proj : Linear(E, E); PyTorch's Linear initialization for the weight, zero bias.
    bias_k, bias_v : Parameter, shape (1, 1, E), or None; Glorot-normal.

    Notes
    -----
    Masks follow PyTorch's MultiheadAttention conventions:

    * ``attn_mask``, shape (L, S) or (N·H, L, S) (batch-major, head-minor, as PyTorch): boolean
      **True = not allowed to attend** (the opposite of
      :func:`~dlbook._attention.scaled_dot_product_attention`'s boolean mask, as in PyTorch),
      or float, added to the scores.
    * ``key_padding_mask``, shape (N, S): boolean True = this key is padding, ignore it; or
      float, added to the scores.

    A query whose every key is masked gets zero attention weights and a zero attention output
    (so the layer returns ``out_proj.bias`` there). PyTorch does the same with
    ``need_weights=False`` but returns NaN with ``need_weights=True``.
    """

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False,
                 add_zero_attn=False, kdim=None, vdim=None, batch_first=False, *,
                 generator=None):
        super().__init__()
        self.embed_dim = check_positive_int(embed_dim, "embed_dim")
        self.num_heads = check_positive_int(num_heads, "num_heads")
        if self.embed_dim % self.num_heads:
            raise ValueError(f"embed_dim must be divisible by num_heads, got embed_dim="
                             f"{embed_dim} and num_heads={num_heads}")
        self.head_dim = self.embed_dim // self.num_heads
        self.kdim = self.embed_dim if kdim is None else check_positive_int(kdim, "kdim")
        self.vdim = self.embed_dim if vdim is None else check_positive_int(vdim, "vdim")
        self._qkv_same_embed_dim = self.kdim == self.embed_dim and self.vdim == self.embed_dim
        self.dropout = check_probability(dropout, "dropout")
        self.batch_first = bool(batch_first)
        self.add_zero_attn = bool(add_zero_attn)
        rng = as_generator(generator)
        self.generator = None if generator is None else rng
        E = self.embed_dim
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(np.zeros((3 * E, E)))
            xavier_uniform_(self.in_proj_weight, generator=rng)
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.register_parameter("in_proj_weight", None)
            for name, d in (("q_proj_weight", E), ("k_proj_weight", self.kdim),
                            ("v_proj_weight", self.vdim)):
                setattr(self, name, xavier_uniform_(Parameter(np.zeros((E, d))), generator=rng))
        if bias:
            self.in_proj_bias = Parameter(np.zeros(3 * E))
        else:
            self.register_parameter("in_proj_bias", None)
        if add_bias_kv:
            self.bias_k = xavier_normal_(Parameter(np.zeros((1, 1, E))), generator=rng)
            self.bias_v = xavier_normal_(Parameter(np.zeros((1, 1, E))), generator=rng)
        else:
            self.register_parameter("bias_k", None)
            self.register_parameter("bias_v", None)
        self.out_proj = Linear(E, E, bias=bias, generator=rng)
        if bias:
            self.out_proj.bias.data[...] = 0.0

    # ----------------------------------------------------------------- parameter views
    def _projection_weights(self):
        """The three (E, E|kdim|vdim) projection matrices (views into in_proj_weight)."""
        if self._qkv_same_embed_dim:
            return np.split(self.in_proj_weight.data, 3)
        return self.q_proj_weight.data, self.k_proj_weight.data, self.v_proj_weight.data

    def _projection_biases(self):
        if self.in_proj_bias is None:
            return None, None, None
        return np.split(self.in_proj_bias.data, 3)

    # ----------------------------------------------------------------- input checks
    def _layout(self, query, key, value):
        """Inputs as (N, L, E), (N, S, kdim), (N, S, vdim) arrays, and whether they are batched."""
        q = as_float_array(query, "query")
        k = as_float_array(key, "key")
        v = as_float_array(value, "value")
        layout = "(N, L, E)" if self.batch_first else "(L, N, E)"
        if q.ndim not in (2, 3):
            raise ValueError(f"MultiheadAttention expected query of shape {layout} or (L, E), "
                             f"got shape {q.shape}")
        for name, a in (("key", k), ("value", v)):
            if a.ndim != q.ndim:
                raise ValueError(f"MultiheadAttention: {name} must have {q.ndim} dimensions "
                                 f"like query {q.shape}, got shape {a.shape}")
        batched = q.ndim == 3
        if not batched:
            q, k, v = q[None], k[None], v[None]
        elif not self.batch_first:
            q, k, v = (np.swapaxes(a, 0, 1) for a in (q, k, v))
        for name, a, d in (("query", q, self.embed_dim), ("key", k, self.kdim),
                           ("value", v, self.vdim)):
            if a.shape[-1] != d:
                raise ValueError(f"MultiheadAttention: {name} must have {d} features in its "
                                 f"last dimension, got shape {a.shape if batched else a.shape[1:]}")
        if k.shape[:2] != v.shape[:2] or k.shape[0] != q.shape[0]:
            raise ValueError("MultiheadAttention: query, key and value must have the same batch "
                             "size, and key and value the same source length S; got query "
                             f"{np.shape(query)}, key {np.shape(key)}, value {np.shape(value)}")
        return q, k, v, batched

    def _merged_mask(self, attn_mask, key_padding_mask, N, L, S, batched):
        """One additive float mask broadcastable to (N, H, L, S), or None."""
        H = self.num_heads
        mask = None
        if attn_mask is not None:
            am = _mask_array(attn_mask, "attn_mask")
            heads_first = (N * H, L, S) if batched else (H, L, S)
            if am.shape == (L, S):
                mask = _additive(am)[None, None]
            elif am.shape == heads_first:
                mask = _additive(am).reshape(N, H, L, S)
            else:
                raise ValueError(f"MultiheadAttention: attn_mask must have shape (L, S) = "
                                 f"{(L, S)} or (N*num_heads, L, S) = {heads_first}, got shape "
                                 f"{am.shape}")
        if key_padding_mask is not None:
            kpm = _mask_array(key_padding_mask, "key_padding_mask")
            expected = (N, S) if batched else (S,)
            if kpm.shape != expected:
                raise ValueError(f"MultiheadAttention: key_padding_mask must have shape "
                                 f"{'(N, S)' if batched else '(S,)'} = {expected}, got shape "
                                 f"{kpm.shape}")
            kpm = _additive(kpm).reshape(N, 1, 1, S)
            mask = kpm if mask is None else mask + kpm
        return mask

    # ----------------------------------------------------------------- forward / backward
    def forward(self, query, key, value, key_padding_mask=None, need_weights=True,
                attn_mask=None, average_attn_weights=True, is_causal=False):
        r"""Attend from ``query`` to ``key``/``value``.

        Parameters
        ----------
        query : ndarray, shape (L, N, E), (N, L, E) with ``batch_first``, or (L, E)
        key : ndarray, shape (S, N, kdim), (N, S, kdim) or (S, kdim)
        value : ndarray, shape (S, N, vdim), (N, S, vdim) or (S, vdim)
        key_padding_mask : ndarray, shape (N, S) (or (S,) unbatched), optional
            Boolean True marks a key to ignore; a float mask is added to the scores.
        need_weights : bool, default True
            Also return the attention weights.
        attn_mask : ndarray, shape (L, S) or (N·H, L, S), optional
            Boolean True = not allowed to attend; float = added to the scores.
        average_attn_weights : bool, default True
            Average the returned weights over the heads.
        is_causal : bool, default False
            A hint that ``attn_mask`` is the causal mask; as in PyTorch it needs ``attn_mask``,
            and when there is no ``key_padding_mask`` and ``need_weights=False`` the causal
            mask ``tril(ones(L, S))`` is used in its place.

        Returns
        -------
        attn_output : ndarray, shape (L, N, E), (N, L, E) or (L, E), like ``query``
        attn_weights : ndarray or None
            Shape (N, L, S) averaged or (N, H, L, S) per head ((L, S) / (H, L, S) unbatched);
            None when ``need_weights=False``. These are the weights after dropout, as
            PyTorch returns them. S counts the extra positions of ``add_bias_kv`` and
            ``add_zero_attn``.
        """
        q_in, k_in, v_in, batched = self._layout(query, key, value)
        N, L, _ = q_in.shape
        S = k_in.shape[1]
        if is_causal and attn_mask is None:
            raise ValueError("MultiheadAttention: is_causal=True is a hint that attn_mask is the "
                             "causal mask and needs attn_mask (PyTorch's rule); build one with "
                             "dlbook.nn.transformer.generate_square_subsequent_mask(L)")
        mask = self._merged_mask(attn_mask, key_padding_mask, N, L, S, batched)
        use_causal = bool(is_causal) and key_padding_mask is None and not need_weights
        if use_causal:                   # PyTorch's rule: here the hint replaces attn_mask
            mask = None
        H, hd, E = self.num_heads, self.head_dim, self.embed_dim
        # self-attention (one input as query, key and value): one GEMM with in_proj_weight
        fused = self._qkv_same_embed_dim and query is key and key is value
        if fused:
            qkv = _matmul_rows(q_in, self.in_proj_weight.data.T)   # (N, L, 3E)
            if self.in_proj_bias is not None:
                qkv += self.in_proj_bias.data
            q, k, v = qkv[..., :E], qkv[..., E:2 * E], qkv[..., 2 * E:]
        else:
            Wq, Wk, Wv = self._projection_weights()
            bq, bk, bv = self._projection_biases()
            q = _matmul_rows(q_in, Wq.T)                          # (N, L, E)
            k = _matmul_rows(k_in, Wk.T)                          # (N, S, E)
            v = _matmul_rows(v_in, Wv.T)
            if bq is not None:
                q, k, v = q + bq, k + bk, v + bv
        n_extra = 0
        if self.bias_k is not None:                               # one learned source position
            k = np.concatenate([k, np.broadcast_to(self.bias_k.data[0], (N, 1, E))], axis=1)
            v = np.concatenate([v, np.broadcast_to(self.bias_v.data[0], (N, 1, E))], axis=1)
            n_extra += 1

        def heads(x):                                             # (N, T, E) -> (N, H, T, hd)
            return x.reshape(x.shape[0], x.shape[1], H, hd).transpose(0, 2, 1, 3)

        q, k, v = heads(q), heads(k), heads(v)
        if self.add_zero_attn:                                    # one all-zero source position
            k = np.concatenate([k, np.zeros((N, H, 1, hd))], axis=2)
            v = np.concatenate([v, np.zeros((N, H, 1, hd))], axis=2)
            n_extra += 1
        if mask is not None and n_extra:                          # extra positions take part
            mask = np.concatenate([mask, np.zeros(mask.shape[:-1] + (n_extra,))], axis=-1)
        core = Context()
        p = self.dropout if self.training else 0.0
        out, attn = _attention_forward(core, q, k, v, mask, p, use_causal, 1.0 / math.sqrt(hd),
                                       self.generator)
        concat = out.transpose(0, 2, 1, 3).reshape(N * L, E)   # rows: one GEMM in out_proj
        output = self.out_proj(concat).reshape(N, L, E)
        ctx = self.ctx
        ctx.save_for_backward(q_in, k_in, v_in)
        ctx.core, ctx.batched, ctx.fused = core, batched, fused
        ctx.weights_shape = None
        ctx.output_shape = np.shape(query)[:-1] + (E,)
        weights = None
        if need_weights:
            weights = attn.mean(axis=1) if average_attn_weights else attn
            if not batched:
                weights = weights[0]
            ctx.weights_shape, ctx.averaged = weights.shape, bool(average_attn_weights)
        return self._to_caller(output, batched), weights

    def _to_caller(self, x, batched):
        """(N, T, D) internal layout back to the caller's layout."""
        if not batched:
            return x[0]
        return x if self.batch_first else np.swapaxes(x, 0, 1)

    def _from_caller(self, x, batched):
        if not batched:
            return x[None]
        return x if self.batch_first else np.swapaxes(x, 0, 1)

    def backward(self, grad_output, grad_attn_weights=None):
        r"""Gradients with respect to ``query``, ``key`` and ``value``, in their shapes.

        Parameters
        ----------
        grad_output : ndarray, the shape of ``attn_output``
        grad_attn_weights : ndarray, the shape of ``attn_weights``, optional
            A gradient with respect to the returned attention weights, when they feed a loss.

        Returns
        -------
        (d_query, d_key, d_value)
            For self-attention (``query``, ``key`` and ``value`` the same array x), the
            gradient with respect to x is ``d_query + d_key + d_value``: the caller sums them.

        Parameter gradients are accumulated into ``.grad``, summed over the batch.
        """
        ctx = self.ctx
        grad_output = check_grad_shape(grad_output, np.empty(ctx.output_shape),
                                       "MultiheadAttention.backward")
        q_in, k_in, v_in = ctx.saved_tensors
        N, L, E = q_in.shape
        H, hd = self.num_heads, self.head_dim
        dattn = None                  # checked before out_proj.backward consumes its context
        if grad_attn_weights is not None:
            if ctx.weights_shape is None:
                raise ValueError("MultiheadAttention.backward: grad_attn_weights given but the "
                                 "forward call returned no weights (need_weights=False)")
            gw = check_grad_shape(grad_attn_weights, np.empty(ctx.weights_shape),
                                  "MultiheadAttention.backward (grad_attn_weights)")
            if not ctx.batched:
                gw = gw[None]
            dattn = np.broadcast_to(gw[:, None] / H, (N, H) + gw.shape[1:]) if ctx.averaged \
                else gw
        g = self._from_caller(grad_output, ctx.batched)
        dconcat = self.out_proj.backward(g.reshape(N * L, E))
        dheads = dconcat.reshape(N, L, H, hd).transpose(0, 2, 1, 3)
        dq, dk, dv = _attention_backward(ctx.core, dheads, dattn)
        if ctx.fused and self.bias_k is None and not self.add_zero_attn:
            return self._fused_backward(q_in, dq, dk, dv, ctx.batched)
        if self.add_zero_attn:
            dk, dv = dk[:, :, :-1], dv[:, :, :-1]

        def merge(x):                                             # (N, H, T, hd) -> (N, T, E)
            return x.transpose(0, 2, 1, 3).reshape(x.shape[0], x.shape[2], E)

        dq, dk, dv = merge(dq), merge(dk), merge(dv)
        if self.bias_k is not None:
            self.bias_k.accumulate(dk[:, -1].sum(axis=0).reshape(1, 1, E))
            self.bias_v.accumulate(dv[:, -1].sum(axis=0).reshape(1, 1, E))
            dk, dv = dk[:, :-1], dv[:, :-1]
        Wq, Wk, Wv = self._projection_weights()
        dW = [d.reshape(-1, E).T @ x.reshape(-1, x.shape[-1])
              for d, x in ((dq, q_in), (dk, k_in), (dv, v_in))]
        if self._qkv_same_embed_dim:
            self.in_proj_weight.accumulate(np.concatenate(dW, axis=0))
        else:
            for p, d in zip((self.q_proj_weight, self.k_proj_weight, self.v_proj_weight), dW):
                p.accumulate(d)
        if self.in_proj_bias is not None:
            self.in_proj_bias.accumulate(np.concatenate([d.sum(axis=(0, 1))
                                                         for d in (dq, dk, dv)]))
        return tuple(self._to_caller(_matmul_rows(d, W), ctx.batched)
                     for d, W in ((dq, Wq), (dk, Wk), (dv, Wv)))

    def _fused_backward(self, x, dq, dk, dv, batched):
        """The projections' backward for self-attention (x was query, key and value): the
        three head gradients (N, H, L, hd) go into one (N·L, 3E) array, so that
        ``in_proj_weight`` gets its gradient from one GEMM and ``in_proj_bias`` from one sum."""
        N, L, E = x.shape
        H, hd = self.num_heads, self.head_dim
        dqkv = np.empty((N, L, 3, H, hd))
        for i, d in enumerate((dq, dk, dv)):
            dqkv[:, :, i] = d.transpose(0, 2, 1, 3)
        dqkv = dqkv.reshape(N * L, 3 * E)
        self.in_proj_weight.accumulate(dqkv.T @ x.reshape(N * L, E))
        if self.in_proj_bias is not None:
            self.in_proj_bias.accumulate(dqkv.sum(axis=0))
        return tuple(self._to_caller((dqkv[:, i * E:(i + 1) * E] @ W).reshape(N, L, E), batched)
                     for i, W in enumerate(self._projection_weights()))

    def extra_repr(self):
        return (f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, "
                f"dropout={self.dropout}, batch_first={self.batch_first}")

