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

__all__ = ["count_text", "count_json", "compare_json", "formula_json", "resolve_architecture"]


def count_json(name, *, batch: int = 1, seq: int | None = None, dtype: str = "bf16",
               convention: str | None = None, window: int | None = None) -> dict:
    """Every exact count of model ``name`` as a JSON-ready dict.

    ``convention`` is a :func:`~symparams.conventions.parse_convention` spec
    (default: FlopCounterMode); it sets ``flops.forward``, ``flops.by_piece``
    (matmuls at its FLOPs per MAC and causal fraction) and ``flops.convention``.
    """
    from symparams.model import model

    m = model(name)
    seq = m.default_seq() if seq is None else seq
    params = m.params
    conv = _convention(convention, window)
    flops = m.forward_flops(batch=batch, seq=seq, convention=conv.flops)
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
            "active": m.active_params,
            "by_piece": {k: v for k, v in params.as_dict().items() if k != "total"},
            "buffers": m.buffers.total,
        },
        "flops": {
            "forward": flops.total if conv.method == "matmuls" else m.value(
                conv.forward_flops(m.architecture).xreplace(_workload(m, batch, seq))),
            "by_piece": {k: v for k, v in flops.as_dict().items() if k != "total"},
            "convention": FLOP_COUNTER.describe() if convention is None else conv.describe(),
            "convention_name": "FlopCounterMode" if convention is None else conv.name,
            **_training_flops(m, batch, seq),
        },
        "memory": {
            "weights_bytes": m.weights_bytes(dtype),
            "kv_cache_bytes": m.kv_cache_bytes(batch=batch, tokens=seq, dtype=dtype),
            "dtype": dtype,
            "bytes_per_element": str(dtype_bytes(dtype)),
            **_training_memory(m, batch, seq, dtype),
        },
        "formulas": {
            "params": str(m.architecture.params().expanded),
            "forward_flops": str(m.architecture.forward_flops().expanded),
        },
    }


def _training_flops(m, batch: int, seq: int) -> dict:
    """``flops.backward``, ``flops.train_step`` (with the AdamW update), ``flops.per_token``."""
    from symparams.costs.flops import ADAMW_FLOPS_PER_PARAM

    step = m.train_step_flops(batch, seq)
    return {
        "backward": step["backward"],
        "optimizer": step["optimizer"],
        "train_step": step.total,
        "per_token": m.flops_per_token(seq),
        "train_convention": f"backward = 2 gradient matmuls per forward matmul; "
                            f"AdamW {ADAMW_FLOPS_PER_PARAM} FLOPs/parameter; per_token = (forward + backward)/(b·s)",
    }


def _training_memory(m, batch: int, seq: int, dtype: str) -> dict:
    """``memory.activation_bytes`` (training forward at ``dtype``) and AdamW training bytes."""
    acts = m.activation_memory(batch, seq, dtype=dtype)
    mixed = m.training_memory(batch, seq, recipe="mixed", activations={"dtype": dtype})
    return {
        "activation_bytes": acts.total,
        "activation_convention": acts.breakdown.convention,
        "training_bytes": mixed.total,
        "training_by_piece": {k: v for k, v in mixed.as_dict().items() if k != "total"},
        "training_convention": mixed.breakdown.convention,
    }


def _convention(spec: str | None, window: int | None = None):
    """The :class:`~symparams.conventions.Convention` of a CLI spec, ``w`` bound to ``window``."""
    from symparams.conventions import DEFAULT, FlopConvention, parse_convention
    from symparams.errors import ConventionError
    from symparams.symbols import w

    conv = DEFAULT if spec is None else parse_convention(spec)
    if w in conv.flops.attention_fraction.free_symbols:
        if window is None:
            raise ConventionError("causal=window needs a window size: pass --window W")
        f = conv.flops
        conv = conv.replace(name=conv.name, flops=FlopConvention(
            f.name, f.flops_per_mac, f.attention_fraction.xreplace({w: window}), f.summary))
    return conv


def _workload(m, batch: int, seq: int) -> dict:
    from sympy import Integer

    return {k: Integer(v) for k, v in m.workload(batch, seq).items()}


def compare_json(name, a: str, b: str, *, batch: int = 1, seq: int | None = None,
                 window: int | None = None) -> dict:
    """Every convention-dependent cost of model ``name`` under specs ``a`` and ``b``, side by side.

    Per cost: each formula (SymPy ``str``) and exact value, and ``a − b``
    factored, with its value.

    >>> out = compare_json("gpt2", "default", "causal-half", seq=1024)
    >>> out["costs"]["forward_flops"]["difference"]
    '2*b*h*l*s**2'
    >>> out["costs"]["forward_flops"]["difference_value"] == 2 * 768 * 12 * 1024**2
    True
    """
    from symparams.conventions import COSTS, diff
    from symparams.model import model
    from symparams.values import evaluate_exact

    m = model(name)
    seq = m.default_seq() if seq is None else seq
    ca, cb = _convention(a, window), _convention(b, window)
    sizes = m.workload(batch, seq)
    show = lambda x: int(x) if x.denominator == 1 else str(x)  # noqa: E731
    costs = {}
    for cost in COSTS:
        d = diff(cost, m.architecture, ca, cb)
        costs[cost] = {
            "a": str(d.expr_a), "a_value": show(evaluate_exact(d.expr_a, sizes)),
            "b": str(d.expr_b), "b_value": show(evaluate_exact(d.expr_b, sizes)),
            "difference": str(d.difference), "difference_value": show(evaluate_exact(d.difference, sizes)),
        }
    return {"model": m.name, "workload": {"batch": batch, "seq": seq},
            "a": {"spec": a, "convention": ca.describe()}, "b": {"spec": b, "convention": cb.describe()},
            "costs": costs}


def resolve_architecture(name):
    """An architecture by name, or the architecture of a preset or config file."""
    from symparams.architectures import ARCHITECTURES, architecture
    from symparams.model import model

    if isinstance(name, str) and name in ARCHITECTURES:
        return architecture(name)
    return model(name).architecture


def _activation_block(arch):
    from sympy import expand

    from symparams.costs.activations import activation_memory

    return expand(activation_memory(arch).block)


def formula_json(name, *, leading: bool = False, latex: bool = False) -> dict:
    """The symbolic costs of an architecture as strings (SymPy ``str`` or LaTeX)."""
    from symparams.printing.latex import latex as to_latex

    arch = resolve_architecture(name)
    exprs = {
        "params": arch.params().expanded,
        "forward_flops": arch.forward_flops().expanded,
        "kv_cache_bytes": arch.kv_cache(dtype="bf16").expanded,
        "activation_bytes_per_layer": _activation_block(arch),
    }
    if leading:
        exprs = {key: leading_order(e) for key, e in exprs.items()}
    render = to_latex if latex else str
    out = {"architecture": arch.name}
    out.update({key: render(e) for key, e in exprs.items()})
    return out


def count_text(data: dict) -> str:
    """The ``count`` document as a short human summary, every unit named.

    >>> print(count_text(count_json("gpt2", seq=1024)).splitlines()[4])
    parameters        124,439,808  (embedding 39,383,808; non-embedding 85,056,000)
    """
    from symparams.units import format_bytes

    p, f, mem, w = data["params"], data["flops"], data["memory"], data["workload"]
    sizes = ", ".join(f"{k}={v:,}" for k, v in data["sizes"].items())
    rows = [
        ("parameters", f"{p['total']:,}  (embedding {p['embedding']:,}; non-embedding {p['non_embedding']:,})"),
    ]
    if p.get("active", p["total"]) != p["total"]:
        rows.append(("active params", f"{p['active']:,}  (per token: router + top-k experts)"))
    rows += [
        ("forward FLOPs", f"{f['forward']:,}  ({f['forward']:.3e})"),
        ("train-step FLOPs", f"{f['train_step']:,}  ({f['train_step']:.3e}; forward + backward + AdamW)"),
        ("FLOPs per token", f"{f['per_token']:,}  (training: forward + backward)"),
        (f"weights ({w['dtype']})", format_bytes(mem["weights_bytes"])),
        (f"KV cache ({w['dtype']})", format_bytes(mem["kv_cache_bytes"])),
        ("activations", format_bytes(mem["activation_bytes"])),
        ("training memory", format_bytes(mem["training_bytes"])),
    ]
    width = max(len(name) for name, _ in rows)
    lines = [
        f"{data['model']} — {data['architecture']} ({data['source']})" if data.get("source")
        else f"{data['model']} — {data['architecture']}",
        f"sizes: {sizes}",
        f"workload: batch {w['batch']:,} × seq {w['seq']:,}, {w['dtype']}",
        "",
        *(f"{name:<{width}}  {value}" for name, value in rows),
        "",
        f"FLOPs: {f['convention']}",
        f"training memory: {mem['training_convention']}",
    ]
    return "\n".join(lines)
