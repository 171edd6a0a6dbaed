"""The JSON documents of ``symparams count`` and ``symparams formula``.

Counts are exact ints; formulas are SymPy ``str()`` over the plain symbol names.

>>> data = count_json("gpt2")
>>> data["params"]["total"], data["formulas"]["params"]
(124439808, 'V*h + 12*h**2*l + 13*h*l + h*s_max + 2*h')
>>> formula_json("gpt-classic")["params"]
'V*h + 12*h**2*l + 13*h*l'
"""

from __future__ import annotations

from fractions import Fraction

from symparams.algebra import leading_order
from symparams.conventions import FLOP_COUNTER
from symparams.symbols import s as _s
from symparams.units import dtype_bytes

__all__ = ["count_text", "count_json", "compare_json", "formula_json", "formula_text", "resolve_architecture"]


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
    conv = _convention(convention, window, seq)
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
    # forward + backward are linear in the tokens b·s: per token is their quotient, exactly
    per_token = Fraction(step["forward"] + step["backward"], batch * seq)
    if per_token.denominator != 1:  # every component's FLOPs are whole per token; say so if not
        from symparams.errors import ConfigError

        raise ConfigError(f"{m.name}: FLOPs per token {per_token} is not a whole number")
    return {
        "backward": step["backward"],
        "optimizer": step["optimizer"],
        "train_step": step.total,
        "per_token": per_token.numerator,
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


def _convention(spec: str | None, window: int | None = None, seq: int | None = None):
    """The :class:`~symparams.conventions.Convention` of a CLI spec, ``w`` bound to ``window``.

    A window is a positive int, and only given with ``causal=window``; a
    window of ``s`` or more is plain causal attention (the fraction uses
    ``min(w, s)``).

    >>> from symparams.symbols import s
    >>> _convention("causal=window", window=2048, seq=1024).flops.attention_fraction.subs(s, 1024)
    1025/2048
    >>> _convention(None, window=64)
    Traceback (most recent call last):
    ...
    symparams.errors.ConventionError: --window 64 is only used with a sliding window: add --causal window (or causal=window in --convention)
    """
    from symparams.conventions import DEFAULT, FlopConvention, parse_convention
    from symparams.errors import ConventionError
    from symparams.symbols import w

    conv = DEFAULT if spec is None else parse_convention(spec)
    if w not in conv.flops.attention_fraction.free_symbols:
        if window is not None:
            raise ConventionError(f"--window {window} is only used with a sliding window: "
                                  "add --causal window (or causal=window in --convention)")
        return conv
    if window is None:
        raise ConventionError("causal=window needs a window size: pass --window W")
    if isinstance(window, bool) or not isinstance(window, int) or window <= 0:
        raise ConventionError(f"window w={window!r} must be a positive integer (e.g. --window 4096)")
    f = conv.flops
    return conv.replace(name=conv.name, flops=FlopConvention(
        f.name, f.flops_per_mac, f.attention_fraction.xreplace({w: window}), f.summary))


def _uses_window(spec: str | None) -> bool:
    """Whether convention ``spec`` counts a sliding window (its attention fraction has ``w``)."""
    from symparams.conventions import DEFAULT, parse_convention
    from symparams.symbols import w

    conv = DEFAULT if spec is None else parse_convention(spec)
    return w in conv.flops.attention_fraction.free_symbols


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
    if window is not None and not (_uses_window(a) or _uses_window(b)):
        _convention(a, window, seq)  # raises: --window without causal=window
    ca, cb = (_convention(c, window if _uses_window(c) else None, seq) for c in (a, b))
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
    from symparams.errors import UnknownModelError
    from symparams.model import model

    if isinstance(name, str) and name in ARCHITECTURES:
        return architecture(name)
    try:
        return model(name).architecture
    except UnknownModelError as exc:
        raise UnknownModelError(f"{exc}; or an architecture: {', '.join(sorted(ARCHITECTURES))}") from None


def formula_json(name, *, leading: bool = False, latex: bool = False) -> dict:
    """The symbolic costs of an architecture as strings (SymPy ``str`` or LaTeX).

    Besides the formulas: ``conventions`` (the unit and convention of each
    formula: FLOPs per MAC, dtype of the bytes, ...) and ``symbols`` (what
    each symbol in the formulas means).

    >>> out = formula_json("gpt-classic")
    >>> out["kv_cache_bytes"], out["conventions"]["kv_cache_bytes"]
    ('4*b*h*l*n + 4*b*h*l*s', 'bytes; K and V for every cached token, bf16 (2 bytes per element)')
    >>> out["symbols"]["n"]
    'generated tokens (decode steps) after a prompt of s tokens'
    """
    from sympy import expand

    from symparams.costs.activations import activation_memory
    from symparams.printing.latex import latex as to_latex
    from symparams.symbols import DESCRIPTIONS, SYMBOLS

    arch = resolve_architecture(name)
    kv, acts = arch.kv_cache(dtype="bf16"), activation_memory(arch)
    breakdowns = {"params": arch.params(), "forward_flops": arch.forward_flops(), "kv_cache_bytes": kv}
    exprs = {key: bd.expanded for key, bd in breakdowns.items()}
    exprs["activation_bytes_per_layer"] = expand(acts.block)
    if leading:
        exprs = {key: leading_order(e) for key, e in exprs.items()}
    render = to_latex if latex else str
    out = {"architecture": arch.name}
    out.update({key: render(e) for key, e in exprs.items()})
    conventions = {key: f"{bd.unit}; {bd.convention}" for key, bd in breakdowns.items()}
    conventions["activation_bytes_per_layer"] = f"bytes per layer; {acts.convention}"
    if leading:
        conventions["leading"] = "leading order: top-degree terms as l, h, d_ff, d_head grow together"
    out["conventions"] = conventions
    used = set().union(*(e.free_symbols for e in exprs.values()))
    out["symbols"] = {sym.name: DESCRIPTIONS[sym] for sym in SYMBOLS if sym in used}
    return out


def formula_text(data: dict) -> str:
    """The ``formula`` document as text: formulas, then their units and conventions, then the symbols.

    >>> print(formula_text(formula_json("gpt-classic")).splitlines()[1])
    params: V*h + 12*h**2*l + 13*h*l
    """
    lines = [f"{key}: {value}" for key, value in data.items() if isinstance(value, str)]
    lines += ["", "units and conventions:"]
    lines += [f"  {key}: {value}" for key, value in data.get("conventions", {}).items()]
    lines += ["", "symbols:"]
    lines += [f"  {key}: {value}" for key, value in data.get("symbols", {}).items()]
    return "\n".join(lines)


def count_text(data: dict) -> str:
    """The ``count`` document as a short human summary, every unit named.

    >>> print(count_text(count_json("gpt2", seq=1024)).splitlines()[4])
    parameters        124,439,808  (embedding tables 39,383,808; non-embedding 85,056,000)
    """
    from symparams.units import format_bytes

    p, f, mem, w = data["params"], data["flops"], data["memory"], data["workload"]
    sizes = ", ".join(f"{k}={v:,}" for k, v in data["sizes"].items())
    rows = [
        ("parameters", f"{p['total']:,}  (embedding tables {p['embedding']:,}; non-embedding {p['non_embedding']:,})"),
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
        *([f"note: seq {w['seq']:,} exceeds the context length s_max = {data['sizes']['s_max']:,}; "
           "the formulas are evaluated anyway", ""] if w["seq"] > data["sizes"].get("s_max", w["seq"]) else []),
        f"FLOPs: {f['convention']}",
        f"training memory: {mem['training_convention']}",
    ]
    return "\n".join(lines)
