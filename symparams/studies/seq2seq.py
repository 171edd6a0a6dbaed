"""Serving an encoder-decoder: which stacks a decode step runs, the weights it reads, its
all-reduces, and the peak transient of a pass whose stacks run over different lengths.

An encoder-decoder's prefill runs the encoder over the prompt (``s_enc`` tokens) and the
decoder's first step (its start token: ``s = 1``), writing the cross-attention cache of the
``s_enc`` encoder tokens and the first self-attention entry; each decode step then runs the
decoder only — the encoder's layers are not read again — over one token, its self-attention
cache growing by one, its cross-attention reading the ``s_enc`` cached keys and values.
:mod:`symparams.studies.inference` calls these (``setup`` is its :class:`~symparams.studies.inference.Setup`) for an architecture with an ``s_enc`` stack;
a decoder-only model is unchanged (every stack runs in every step).
"""

from __future__ import annotations

from sympy import Expr, Integer, Max, expand

from symparams._expr import as_expr
from symparams.studies.quantization import weight_bytes
from symparams.symbols import b as _b, s as _s

__all__ = ["decoder_stacks", "decode_weights_bytes", "peak_per_stack"]

def decoder_stacks(arch) -> tuple:
    """The stacks a decode step runs: every stack of a decoder-only model; an encoder-decoder's
    stacks over the decoder's ``s`` tokens (its decoder embedding, layers, final norm and head; the
    encoder ran once, in the prefill).

    >>> from symparams.families import architecture
    >>> [st.name for st in decoder_stacks(architecture("t5").with_head)]
    ['decoder.embedding', 'decoder', 'decoder.final', 'head']
    """
    if not arch.is_encoder_decoder:
        return arch.stacks
    return tuple(st for st in arch.stacks if _s in st.seq.free_symbols)


def decode_weights_bytes(arch, setup) -> Expr:
    """Bytes of the weights a decode step reads on one device: all of them for a decoder-only model;
    for an encoder-decoder the decoder's (:func:`decoder_stacks`) and the vocabulary table its
    decoder embedding shares with the encoder (a :class:`~symparams.components.tokens.SharedEmbedding`:
    the table sits in the encoder's embedding stack), not the encoder's layers and positions.

    >>> from symparams.families import architecture
    >>> from symparams.symbols import V, a, d_ff, h, l_dec, n_rb
    >>> from symparams.studies.inference import Setup
    >>> expand(decode_weights_bytes(architecture("t5").with_head, Setup())   # bf16: the table, the decoder's bias,
    ...        - 2 * (V * h + n_rb * a + h + l_dec * (8 * h**2 + 2 * h * d_ff + 3 * h)))  # layers, final norm
    0
    """
    bd = weight_bytes(arch, setup.weights, dtype=setup.dtype, keep=setup.keep)
    if not arch.is_encoder_decoder:
        return bd.total / setup.tp
    from symparams.components.tokens import SharedEmbedding

    names = {st.name for st in decoder_stacks(arch)}
    shared = any(isinstance(c, SharedEmbedding) for c, st in arch.parts() if st.name in names)
    tables = {st.name for st in arch.stacks if st.name not in names and not st.layers
              and any(type(c).__name__ == "TokenEmbedding" for c in st.block)} if shared else set()
    read = [bd.contribution(p) for p in bd.pieces
            if p.stack in names or (p.stack in tables and p.key.split(".")[0] == "embedding")]
    return sum(read, Integer(0)) / setup.tp


def peak_per_stack(arch, tokens) -> Expr:
    """Elements of the largest transient of any layer stack: its residual stream ``b·seq·h`` and its
    widest non-quadratic op output, each stack at its own length (``s`` set to ``tokens``): an
    encoder-decoder's encoder over ``s_enc``, its decoder step over ``tokens`` (whose cross-attention
    projects the encoder's ``s_enc`` keys and values)."""
    from symparams.symbols import h

    peaks = []
    for st in arch.layer_stacks:
        seq = st.seq.xreplace({_s: as_expr(tokens)})
        outs = [act.numel.xreplace({_s: as_expr(tokens)}) for c in st.block for act in c.op_outputs(_b, st.seq)
                if not act.quadratic]
        peaks.append(_b * seq * h + Max(_b * seq * h, *outs))
    return Max(*peaks)

