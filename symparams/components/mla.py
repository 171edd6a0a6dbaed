"""Multi-head latent attention (MLA, DeepSeek-V2/V3): keys and values through a shared latent.

Each token's hidden state is projected down to a latent of ``r_kv`` values plus
one rotary key of ``d_rope`` values shared by all heads
(``kv_a_proj_with_mqa``); the latent is normalised and projected up to ``a``
heads of ``d_nope`` key values and ``d_v`` value values (``kv_b_proj``). Each
query head has ``d_nope + d_rope`` values, from ``h`` directly (``q_proj``)
or through a low-rank ``r_q`` bottleneck (``q_a_proj``, its RMSNorm,
``q_b_proj``). The scores are ``s × (d_nope + d_rope) × s`` per head, the
values ``s × s × d_v``, the output projection ``a·d_v → h``.

>>> from symparams.symbols import h, a, d_nope, d_rope, d_v, r_kv, r_q, b, s
>>> mla = MLA(h, a, d_nope, d_rope, d_v, r_kv, r_q)
>>> mla.params()
a*d_v*h + a*r_kv*(d_nope + d_v) + a*r_q*(d_nope + d_rope) + h*r_q + h*(d_rope + r_kv) + r_kv + r_q

The KV cache has two forms, both named (:data:`CACHE_FORMS`). ``"latent"``
is what transformers 5.23's ``DynamicCache`` holds for these models: per
token and layer, the normalised latent (``r_kv``, as the "keys") and the
rotated shared key (``d_rope``, as the "values"), one head each; the keys and
values are re-expanded from it at every step. ``"expanded"`` is the per-head
K and V of ordinary multi-head attention (``a·(d_nope + d_rope)`` keys and
``a·d_v`` values per token), what an implementation caching the expanded
heads keeps:

>>> mla.kv_cache_elements(b, s)
b*s*(d_rope + r_kv)
>>> MLA(h, a, d_nope, d_rope, d_v, r_kv, cache="expanded").kv_cache_elements(b, s)
a*b*s*(d_nope + d_rope + d_v)
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sympy import Expr, Integer

from symparams._expr import as_expr
from symparams.components.base import Activation, Component, Dropout, Linear, Matmul, Pairs, Tensor
from symparams.components.mask import Mask
from symparams.options import choose

__all__ = ["MLA", "CACHE_FORMS", "with_mla_cache"]

#: the two forms of an MLA layer's KV cache, per token
CACHE_FORMS = {
    "latent": "the compressed latent and the shared rotary key: r_kv + d_rope elements (transformers' cache)",
    "expanded": "per-head keys and values: a·(d_nope + d_rope) + a·d_v elements",
}


@dataclass(frozen=True)
class MLA(Component):
    """Multi-head latent attention with ``a`` heads (causal self-attention).

    ``r_q=None`` projects the queries from ``h`` directly (DeepSeek-V2-Lite);
    ``bias`` puts biases on ``q_a_proj``, ``kv_a_proj_with_mqa`` and ``o_proj``
    (transformers' ``attention_bias``); ``cache`` is one of :data:`CACHE_FORMS`.

    >>> from symparams.symbols import h, a, d_nope, d_rope, d_v, r_kv
    >>> MLA(h, a, d_nope, d_rope, d_v, r_kv).params()
    a*d_v*h + a*h*(d_nope + d_rope) + a*r_kv*(d_nope + d_v) + h*(d_rope + r_kv) + r_kv
    """

    h: Expr
    a: Expr
    d_nope: Expr
    d_rope: Expr
    d_v: Expr
    r_kv: Expr
    r_q: Expr | None = None
    bias: bool = False
    cache: str = "latent"
    key = "mla"

    def __post_init__(self) -> None:
        choose("cache", self.cache, CACHE_FORMS)

    @property
    def label(self) -> str:
        q = "direct queries" if self.r_q is None else "low-rank queries"
        return f"multi-head latent attention ({q}; {self.cache} KV cache)"

    @property
    def masking(self) -> Mask:
        return Mask("causal")

    @property
    def is_cached(self) -> bool:
        return True

    @property
    def qk_head(self) -> Expr:
        """Query/key values per head: ``d_nope + d_rope``."""
        return as_expr(self.d_nope) + as_expr(self.d_rope)

    def linears(self) -> tuple[Linear, ...]:
        """The projections in the order a forward pass applies them."""
        q_width = self.a * self.qk_head
        if self.r_q is None:
            queries = (Linear("q_proj", self.h, q_width),)
        else:
            queries = (Linear("q_a_proj", self.h, self.r_q, self.bias), Linear("q_b_proj", self.r_q, q_width))
        return (*queries,
                Linear("kv_a_proj_with_mqa", self.h, as_expr(self.r_kv) + as_expr(self.d_rope), self.bias),
                Linear("kv_b_proj", self.r_kv, self.a * (as_expr(self.d_nope) + as_expr(self.d_v))),
                Linear("o_proj", self.a * self.d_v, self.h, self.bias))

    def _norm_widths(self) -> tuple[tuple[str, Expr], ...]:
        """The RMSNorms inside the layer: on the query latent (with ``r_q``) and on the KV latent."""
        q = (("q_a_layernorm", as_expr(self.r_q)),) if self.r_q is not None else ()
        return (*q, ("kv_a_layernorm", as_expr(self.r_kv)))

    def tensors(self) -> tuple[Tensor, ...]:
        weights = tuple(t for lin in self.linears() for t in lin.tensors())
        return (*weights, *(Tensor(f"{name}.weight", (width,)) for name, width in self._norm_widths()))

    def products(self, b, s) -> tuple[Matmul, Matmul]:
        """The score ``QKᵀ`` (depth ``d_nope + d_rope``) and value ``AV`` (depth ``d_v``) products."""
        heads = b * self.a
        scores = Matmul("scores", s, self.qk_head, s, count=heads, kind="attention",
                        pairs=Pairs(s, s, self.qk_head, self.masking))
        values = Matmul("values", s, s, self.d_v, count=heads, kind="attention",
                        pairs=Pairs(s, s, self.d_v, self.masking))
        return scores, values

    def matmuls(self, b, s) -> tuple[Matmul, ...]:
        *projections, o = self.linears()
        tokens = b * s
        return (*(lin.matmul(tokens) for lin in projections), *self.products(b, s), o.matmul(tokens))

    def kv_cache_forms(self, b, s) -> dict[str, Expr]:
        """Elements cached for ``b`` sequences of ``s`` tokens, in each of :data:`CACHE_FORMS`."""
        return {"latent": b * s * (as_expr(self.r_kv) + as_expr(self.d_rope)),
                "expanded": b * s * self.a * (self.qk_head + self.d_v)}

    def kv_cache_elements(self, b, s) -> Expr:
        """Elements of this layer's cache in its ``cache`` form (:meth:`kv_cache_forms`)."""
        return self.kv_cache_forms(b, s)[self.cache]

    def saved_activations(self, b, s, *, dropout=True) -> tuple[Activation, ...]:
        """What eager MLA keeps for backward, in Korthikanti et al.'s accounting: the layer's
        input, the query latent and its norm's input (with ``r_q``), the KV latent and its norm's
        input, the expanded K/V (``kv_b_proj`` output), Q and K for ``QKᵀ``, the softmax (and with
        dropout its mask and output), V, the output projection's input, and with dropout the
        1-byte mask of the output dropout."""
        dropout = Dropout.of(dropout)
        tokens = b * s
        square = b * self.a * s * s
        acts = [Activation("mla.input", tokens * self.h, split="sequence")]
        if self.r_q is not None:
            acts += [Activation("mla.q_latent", tokens * self.r_q, split="sequence"),
                     Activation("mla.q_latent_normed", tokens * self.r_q, split="sequence")]
        acts += [
            Activation("mla.kv_latent", tokens * (as_expr(self.r_kv) + as_expr(self.d_rope)), split="sequence"),
            Activation("mla.kv_latent_normed", tokens * self.r_kv, split="sequence"),
            Activation("mla.q", tokens * self.a * self.qk_head),
            Activation("mla.k", tokens * self.a * self.qk_head),
            Activation("mla.softmax", square, quadratic=True),
        ]
        if dropout.attention:
            acts += [Activation("mla.dropout_mask", square, role="mask", quadratic=True),
                     Activation("mla.dropout_output", square, quadratic=True)]
        acts += [Activation("mla.v", tokens * self.a * self.d_v),
                 Activation("mla.o_proj_input", tokens * self.a * self.d_v)]
        if dropout.residual:
            acts.append(Activation("mla.output_dropout_mask", tokens * self.h, role="mask", split="sequence"))
        return tuple(acts)

    def op_outputs(self, b, s) -> tuple[Activation, ...]:
        """Outputs of every projection, ``scores``, ``softmax``, ``values``."""
        tokens = b * s
        square = b * self.a * s * s
        return (*(Activation(f"mla.{lin.name}", tokens * lin.d_out) for lin in self.linears()),
                Activation("mla.scores", square, quadratic=True),
                Activation("mla.softmax", square, quadratic=True),
                Activation("mla.values", tokens * self.a * self.d_v))

    def elementwise_flops(self, b, s) -> Expr:
        """Bias adds (1 per output element), the latent RMSNorms (4 per element), scaling the
        scores (1 per score) and the softmax (5 per score)."""
        tokens = b * s
        biases = sum((lin.bias_flops(tokens) for lin in self.linears()), Integer(0))
        norms = sum((4 * tokens * width for _, width in self._norm_widths()), Integer(0))
        return biases + norms + 6 * b * self.a * s * s


def with_mla_cache(arch, form: str):
    """``arch`` with every MLA layer's KV cache in ``form`` (one of :data:`CACHE_FORMS`).

    >>> from symparams.hf import from_hf_config
    >>> m = from_hf_config("tests/fixtures/hf_configs/deepseek-v2-lite.json")
    >>> m.kv_cache_elements(batch=1, tokens=1) == 27 * (512 + 64)
    True
    >>> from dataclasses import replace
    >>> expanded = replace(m, architecture=with_mla_cache(m.architecture, "expanded"))
    >>> expanded.kv_cache_elements(batch=1, tokens=1) == 27 * 16 * (128 + 64 + 128)
    True
    """
    choose("cache", form, CACHE_FORMS)
    return arch.map_components(lambda c: replace(c, cache=form) if isinstance(c, MLA) else c,
                               name=f"{arch.name}-{form}-cache")
