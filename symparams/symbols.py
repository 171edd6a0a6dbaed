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
    "d_sh", "SYMBOLS", "LATEX_NAMES", "DESCRIPTIONS", "by_name",
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
