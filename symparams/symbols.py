"""The size symbols of a transformer, declared once.

Every symbol is a positive integer. Create them here only: ``Symbol('h')`` and
``Symbol('h', positive=True)`` are *different* symbols to SymPy, so a second
declaration anywhere else would silently break equality of formulas.

Names are plain Python identifiers (what ``str()`` of a formula shows and what
the JSON output uses); the LaTeX spelling is applied at print time through
:data:`LATEX_NAMES`, so ``d_ff`` prints as :math:`d_{\\mathrm{ff}}`.

>>> from symparams.symbols import h, l, V, d_ff
>>> str(12*l*h**2 + 13*l*h + V*h)
'V*h + 12*h**2*l + 13*h*l'
>>> LATEX_NAMES[d_ff]
'd_{\\\\mathrm{ff}}'
>>> by_name("n_kv").is_positive, by_name("n_kv").is_integer
(True, True)
"""

from __future__ import annotations

from sympy import Symbol

from symparams.errors import UnknownSymbolError

__all__ = [
    "l", "h", "a", "V", "d_ff", "s", "b", "n_kv", "d_head", "s_max", "n", "E", "k", "w", "d_emb", "t", "n_dp",
    "d_sh", "s_enc", "l_dec", "l_dense", "l_local", "l_ld", "r_q", "r_kv", "d_nope", "d_rope", "d_v", "d_moe",
    "n_sh", "n_rb", "n_p", "c_in", "p", "n_cls", "n_pp", "n_ep", "m", "n_vs", "D", "X", "n_type", "w_side",
    "a_dec", "d_dec", "c", "SYMBOLS", "LATEX_NAMES", "DESCRIPTIONS", "by_name",
]


def _size(name: str) -> Symbol:
    return Symbol(name, integer=True, positive=True)


l = _size("l")
h = _size("h")
a = _size("a")
V = _size("V")
d_ff = _size("d_ff")
s = _size("s")
b = _size("b")
n_kv = _size("n_kv")
d_head = _size("d_head")
s_max = _size("s_max")
n = _size("n")
E = _size("E")
k = _size("k")
d_emb = _size("d_emb")
w = _size("w")
t = _size("t")
n_dp = _size("n_dp")
d_sh = _size("d_sh")
s_enc = _size("s_enc")
l_dec = _size("l_dec")
l_dense = _size("l_dense")
l_local = _size("l_local")
l_ld = _size("l_ld")
r_q = _size("r_q")
r_kv = _size("r_kv")
d_nope = _size("d_nope")
d_rope = _size("d_rope")
d_v = _size("d_v")
d_moe = _size("d_moe")
n_sh = _size("n_sh")
n_rb = _size("n_rb")
n_p = _size("n_p")
c_in = _size("c_in")
p = _size("p")
n_cls = _size("n_cls")
n_pp = _size("n_pp")
n_ep = _size("n_ep")
m = _size("m")
n_vs = _size("n_vs")
D = _size("D")
X = _size("X")
n_type = _size("n_type")
w_side = _size("w_side")
a_dec = _size("a_dec")
d_dec = _size("d_dec")
c = _size("c")

# (symbol, LaTeX name, meaning) — the one table the rest of the package reads.
_TABLE = (
    (l, "l", "number of transformer blocks (layers)"),
    (h, "h", "hidden size (model width, d_model)"),
    (a, "a", "number of attention (query) heads"),
    (V, "V", "vocabulary size"),
    (d_ff, r"d_{\mathrm{ff}}", "feed-forward (MLP) inner width"),
    (s, "s", "sequence length of a forward pass (tokens per sequence)"),
    (b, "b", "batch size (sequences)"),
    (n_kv, r"n_{\mathrm{kv}}", "number of key/value heads (GQA/MQA)"),
    (d_head, r"d_{\mathrm{head}}", "size of one attention head (h/a unless given)"),
    (s_max, r"s_{\mathrm{max}}", "maximum positions (context length of the position table)"),
    (n, "n", "generated tokens (decode steps) after a prompt of s tokens"),
    (E, "E", "number of experts in a mixture-of-experts MLP"),
    (k, "k", "experts used per token (top-k routing)"),
    (d_emb, r"d_{\mathrm{emb}}", "word-embedding width when it differs from h (OPT word_embed_proj_dim)"),
    (w, "w", "sliding attention window (tokens each query attends to, itself included)"),
    (t, "t", "tensor-parallel degree (devices a layer's matrices are split over)"),
    (n_dp, r"N_{\mathrm{dp}}", "data-parallel devices (ZeRO shards optimizer state, gradients, weights over them)"),
    (d_sh, r"d_{\mathrm{sh}}", "inner width of the shared expert of a mixture-of-experts MLP (Qwen2-MoE)"),
    (s_enc, r"s_{\mathrm{enc}}", "encoder sequence length (tokens the encoder of an encoder-decoder reads)"),
    (l_dec, r"l_{\mathrm{dec}}", "number of decoder layers of an encoder-decoder (l counts the encoder's)"),
    (l_dense, r"l_{\mathrm{dense}}", "layers with a dense MLP; the other l − l_dense have a mixture of experts "
                                     "(DeepSeek's first layers, Qwen-MoE's mlp_only_layers, Llama 4's interleaving)"),
    (l_local, r"l_{\mathrm{local}}", "layers with local (sliding-window or chunked) attention; the other l − l_local are global"),
    (l_ld, r"l_{\mathrm{ld}}", "layers with local attention and a dense MLP (when both attention and MLP vary)"),
    (r_q, r"r_{\mathrm{q}}", "rank of the low-rank query projection (MLA q_lora_rank)"),
    (r_kv, r"r_{\mathrm{kv}}", "rank of the compressed key/value latent (MLA kv_lora_rank)"),
    (d_nope, r"d_{\mathrm{nope}}", "per-head query/key size without rotary positions (MLA qk_nope_head_dim)"),
    (d_rope, r"d_{\mathrm{rope}}", "per-head query/key size with rotary positions (MLA qk_rope_head_dim)"),
    (d_v, r"d_{\mathrm{v}}", "per-head value size when it differs from the key size (MLA v_head_dim)"),
    (d_moe, r"d_{\mathrm{moe}}", "inner width of one routed expert (moe_intermediate_size)"),
    (n_sh, r"n_{\mathrm{sh}}", "number of shared experts every token goes through"),
    (n_rb, r"n_{\mathrm{rb}}", "relative-position buckets of a relative attention bias (T5)"),
    (n_p, r"n_{\mathrm{p}}", "image patches per image (ViT: (image size / patch size)²)"),
    (c_in, r"c_{\mathrm{in}}", "input channels of an image (3 for RGB)"),
    (p, "p", "patch size in pixels (one side of a square patch)"),
    (n_cls, r"n_{\mathrm{cls}}", "number of output classes of a classifier head"),
    (n_pp, r"N_{\mathrm{pp}}", "pipeline-parallel stages (devices a model's layers are split over)"),
    (n_ep, r"N_{\mathrm{ep}}", "expert-parallel degree (devices a mixture of experts' experts are split over)"),
    (m, "m", "micro-batches per optimizer step on each data-parallel replica (gradient accumulation steps)"),
    (n_vs, "v", "virtual pipeline stages per device (model chunks of the interleaved 1F1B schedule)"),
    (D, "D", "training tokens (the whole run)"),
    (X, "X", "achieved FLOP/s per device (model FLOPs over wall-clock time)"),
    (n_type, r"n_{\mathrm{type}}", "token types (segments) of a token-type embedding table (BERT type_vocab_size)"),
    (w_side, r"w_{\mathrm{side}}", "half-width of a bidirectional local window: keys within that many positions "
                                    "on either side (ModernBERT local_attention // 2)"),
    (a_dec, r"a_{\mathrm{dec}}", "attention heads of the decoder of an encoder-decoder when they differ from a"),
    (d_dec, r"d_{\mathrm{dec}}", "MLP width of the decoder of an encoder-decoder when it differs from d_ff"),
    (c, "c", "attention chunk size (chunked attention: each query sees the earlier keys of its chunk; Llama 4)"),
)

SYMBOLS: tuple[Symbol, ...] = tuple(row[0] for row in _TABLE)
LATEX_NAMES: dict[Symbol, str] = {row[0]: row[1] for row in _TABLE}
DESCRIPTIONS: dict[Symbol, str] = {row[0]: row[2] for row in _TABLE}
_BY_NAME: dict[str, Symbol] = {sym.name: sym for sym in SYMBOLS}


def by_name(name: str) -> Symbol:
    """Return the symbol called ``name`` (its plain name, e.g. ``"d_ff"``).

    Raises
    ------
    UnknownSymbolError
        If no symbol has that name; the message lists the valid names.

    >>> by_name("h") is h
    True
    """
    try:
        return _BY_NAME[name]
    except KeyError:
        valid = ", ".join(_BY_NAME)
        raise UnknownSymbolError(f"unknown symbol {name!r}; valid symbols: {valid}") from None
