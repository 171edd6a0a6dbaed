"""The JSON documents of ``symparams count`` and ``symparams formula``.

Counts are exact ints; formulas are SymPy ``str()`` over the plain symbol names.

>>> data = count_json("gpt2")
>>> data["params"]["total"], data["formulas"]["params"]
(124439808, 'V*h + 12*h**2*l + 13*h*l + h*s_max + 2*h')
>>> formula_json("gpt-classic")["params"]
'V*h + 12*h**2*l + 13*h*l'
"""

from __future__ import annotations

from symparams.algebra import leading_order
from symparams.conventions import FLOP_COUNTER
from symparams.symbols import s as _s
from symparams.units import dtype_bytes

__all__ = ["count_json", "formula_json", "resolve_architecture"]


def count_json(name, *, batch: int = 1, seq: int | None = None, dtype: str = "bf16") -> dict:
    """Every exact count of model ``name`` as a JSON-ready dict."""
    from symparams.model import model

    m = model(name)
    seq = m.default_seq() if seq is None else seq
    params = m.params
    flops = m.forward_flops(batch=batch, seq=seq)
    return {
        "model": m.name,
        "architecture": m.architecture.name,
        "source": m.source,
        "sizes": {sym.name: v for sym, v in sorted(m.values.items(), key=lambda kv: kv[0].name)},
        "workload": {"batch": batch, "seq": seq, "dtype": dtype},
        "params": {
            "total": params.total,
            "embedding": m.embedding_params,
            "non_embedding": m.non_embedding_params,
            "by_piece": {k: v for k, v in params.as_dict().items() if k != "total"},
            "buffers": m.buffers.total,
        },
        "flops": {
            "forward": flops.total,
            "by_piece": {k: v for k, v in flops.as_dict().items() if k != "total"},
            "convention": FLOP_COUNTER.describe(),
        },
        "memory": {
            "weights_bytes": m.weights_bytes(dtype),
            "kv_cache_bytes": m.kv_cache_bytes(batch=batch, tokens=seq, dtype=dtype),
            "dtype": dtype,
            "bytes_per_element": str(dtype_bytes(dtype)),
        },
        "formulas": {
            "params": str(m.architecture.params().expanded),
            "forward_flops": str(m.architecture.forward_flops().expanded),
        },
    }


def resolve_architecture(name):
    """An architecture by name, or the architecture of a preset or config file."""
    from symparams.architectures import ARCHITECTURES, architecture
    from symparams.model import model

    if isinstance(name, str) and name in ARCHITECTURES:
        return architecture(name)
    return model(name).architecture


def formula_json(name, *, leading: bool = False, latex: bool = False) -> dict:
    """The symbolic costs of an architecture as strings (SymPy ``str`` or LaTeX)."""
    from symparams.printing.latex import latex as to_latex

    arch = resolve_architecture(name)
    exprs = {
        "params": arch.params().expanded,
        "forward_flops": arch.forward_flops().expanded,
        "kv_cache_bytes": arch.kv_cache(dtype="bf16").expanded,
    }
    if leading:
        exprs = {key: leading_order(e) for key, e in exprs.items()}
    render = to_latex if latex else str
    out = {"architecture": arch.name}
    out.update({key: render(e) for key, e in exprs.items()})
    return out
