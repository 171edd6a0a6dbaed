"""The JSON documents of ``symparams count``, ``formula`` and ``compare``.

Counts are exact ints; formulas are SymPy ``str()`` over the plain symbol
names. Every figure of one ``count`` document follows the one convention it
names: ``flops.by_piece`` sums to ``flops.forward``; ``flops.train_step`` is
forward + backward (+ recomputation) + optimizer; ``flops.per_token`` is
(forward + backward + recomputation) / (b·s).

>>> data = count_json("gpt2")
>>> data["params"]["total"], data["formulas"]["params"]
(124439808, 'V*h + 12*h**2*l + 13*h*l + h*s_max + 2*h')
>>> formula_json("gpt-classic")["params"]
'V*h + 12*h**2*l + 13*h*l'
"""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache

from symparams.algebra import leading_order
from symparams.units import dtype_bytes

__all__ = ["count_text", "count_json", "compare_json", "formula_json", "formula_text", "resolve_architecture",
           "resolve_convention", "resolve_lengths"]


def _exact(value: Fraction):
    """An exact number for JSON: an int when whole, else the fraction as a string (``"7/2"``)."""
    return value.numerator if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


def count_json(name, *, batch: int = 1, seq: int | None = None, dtype: str = "bf16",
               convention: str | None = None, window: int | None = None, allow_longer: bool = False,
               revision: str | None = None, decoder_seq: int | None = None) -> dict:
    """Every exact count of model ``name`` as a JSON-ready dict.

    ``convention`` is a :func:`~symparams.conventions.parse_convention` spec
    (default: every matmul as FlopCounterMode counts it); every FLOP figure
    follows it, and under the 6N methods a mixture of experts counts its
    active parameters. ``dtype`` is the one memory recipe of the document:
    weights, KV cache and activations in ``dtype``, and training memory under
    the recipe that keeps weights in it (:func:`~symparams.precision.recipe_for`). A ``seq``
    longer than a learned position table is refused unless ``allow_longer``
    (:func:`symparams.lengths.check_seq`); ``revision`` is for a Hub model id.

    active parameters.

    ``seq`` is the encoder's (or the only) length; ``decoder_seq`` the
    decoder's, for an encoder-decoder only (see :func:`resolve_lengths`).
    ``params.total`` and ``flops.forward`` are the base model's (what
    ``AutoModel`` builds); ``params.with_head`` and ``flops.forward_with_head``
    add the pretraining head (equal for a causal LM). ``memory.kv_cache``
    splits the cache into the decoder's self-attention part and an
    encoder-decoder's cross-attention part.

    >>> data = count_json("t5-small", seq=512, decoder_seq=128)   # l_dec = 6, h = 512, bf16
    >>> data["workload"]["seq"], data["workload"]["decoder_seq"]
    (512, 128)
    >>> data["memory"]["kv_cache"] == {"self_bytes": 6 * 2 * 128 * 512 * 2, "cross_bytes": 6 * 2 * 512 * 512 * 2}
    True
    """
    from symparams.lengths import check_seq
    from symparams.presets import model

    m = model(name, revision=revision)
    check_seq(m, seq, allow_longer=allow_longer)
    seq, lengths, workload = resolve_lengths(m, seq, decoder_seq)
    conv = resolve_convention(convention, window)
    params = m.params
    fwd = m.forward_flops(batch, seq, convention=conv, **lengths)
    step = m.train_step_flops(batch, seq, convention=conv, **lengths)
    flops = {
        "forward": fwd.total,
        "by_piece": {k: v for k, v in fwd.as_dict().items() if k != "total"},
        "by_stack": fwd.by_stack(),
        "convention": fwd.breakdown.convention if convention is None else conv.describe(),
        "convention_name": "FlopCounterMode" if convention is None else conv.name,
        **_training_flops(step, conv, batch, seq),
        "forward_with_head": m.with_head.forward_flops(batch, seq, convention=conv, **lengths).total,
    }
    kv_factor = int(conv.kv_factor)
    return {
        "model": m.name,
        "architecture": m.architecture.name,
        "source": m.source,
        "sizes": {sym.name: v for sym, v in sorted(m.values.items(), key=lambda kv: kv[0].name)},
        "stacks": {st.name: str(st.count) for st in m.architecture.stacks},
        "workload": {"batch": batch, **workload, "dtype": dtype},
        "params": {
            "total": params.total,
            "embedding": m.embedding_params,
            "non_embedding": m.non_embedding_params,
            "active": m.active_params,
            "by_piece": {k: v for k, v in params.as_dict().items() if k != "total"},
            "by_stack": params.by_stack(),
            "buffers": m.buffers.total,
            "with_head": m.with_head.params.total,
        },
        "flops": flops,
        "memory": {
            "weights_bytes": m.weights_bytes(dtype),
            "kv_cache_bytes": m.kv_cache_bytes(batch=batch, tokens=seq, dtype=dtype, **lengths) * kv_factor // 2,
            "kv_cache": _kv_split(m, batch, seq, dtype, lengths, kv_factor),
            "dtype": dtype,
            "bytes_per_element": str(dtype_bytes(dtype)),
            **_training_memory(m, batch, seq, dtype, conv, lengths),
        },
        "formulas": {
            "params": _text(m.architecture.params().expanded),
            "forward_flops": _text(m.architecture.forward_flops(conv).expanded),
            "params_with_head": _text(m.architecture.with_head.params().expanded),
        },
    }


@lru_cache(maxsize=4096)
def _text(expr) -> str:
    """``str(expr)``, once per formula (a batch prints the formulas of one family many times)."""
    return str(expr)


def resolve_lengths(m, seq: int | None, decoder_seq: int | None) -> tuple[int, dict, dict]:
    """``(s, other lengths by name, the workload's length keys)`` of a ``count`` request.

    ``seq`` is the encoder's (or the only) length, ``decoder_seq`` the decoder's. An encoder-decoder
    binds ``s_enc`` to ``seq`` and ``s`` to ``decoder_seq``, each defaulting to the model's own
    default length (a preset's, or the context length ``s_max`` of a model with a position table);
    every other model binds ``s`` to ``seq`` and refuses ``decoder_seq``.

    >>> from symparams.presets import model
    >>> resolve_lengths(model("t5-small"), 512, 64)
    (64, {'s_enc': 512}, {'seq': 512, 'decoder_seq': 64})
    >>> resolve_lengths(model("bert-base"), None, 64)
    Traceback (most recent call last):
    ...
    symparams.errors.OptionError: --decoder-seq 64: bert-base has no decoder (it is not an encoder-decoder); give its one length with --seq
    """
    from symparams.errors import ConfigError, OptionError
    from symparams.symbols import s as _s, s_enc, s_max

    if not m.architecture.is_encoder_decoder:
        if decoder_seq is not None:
            raise OptionError(f"--decoder-seq {decoder_seq}: {m.name} has no decoder (it is not an encoder-decoder); "
                              "give its one length with --seq")
        s = m.default_seq() if seq is None else seq
        return s, {}, {"seq": s, "decoder_seq": None}
    if seq is None:
        if s_enc not in m.lengths:
            raise ConfigError(f"{m.name}: missing --seq: the encoder's length has no default (relative positions, "
                              "no context length); give --seq N")
        seq = m.lengths[s_enc]
    if decoder_seq is None:
        if _s not in m.lengths and s_max not in m.values:
            raise ConfigError(f"{m.name}: missing --decoder-seq: the decoder's length has no default (relative "
                              "positions, no context length); give --decoder-seq N")
        decoder_seq = m.default_seq()
    return decoder_seq, {"s_enc": seq}, {"seq": seq, "decoder_seq": decoder_seq}


def _kv_split(m, batch: int, seq: int, dtype: str, lengths: dict, kv_factor: int) -> dict:
    """``memory.kv_cache``: the decoder's self-attention cache and the cross-attention cache, in bytes."""
    from symparams.costs.kv_cache import kv_cache_split
    from symparams.symbols import s as _s

    split = kv_cache_split(m.architecture, dtype=dtype, tokens=_s)
    return {f"{kind}_bytes": m.evaluate(bd, batch, seq, **lengths).total * kv_factor // 2
            for kind, bd in split.items()}


def _training_flops(step, conv, batch: int, seq: int) -> dict:
    """``flops.backward``, ``flops.optimizer``, ``flops.train_step``, ``flops.per_token`` of one step."""
    from symparams.costs.flops import ADAMW_FLOPS_PER_PARAM

    trained = step.total - step["optimizer"]
    out = {
        "backward": step["backward"],
        "optimizer": step["optimizer"],
        "train_step": step.total,
        "per_token": _exact(Fraction(trained, batch * seq)),
    }
    if "recompute" in step.breakdown.keys():
        out["recompute"] = step["recompute"]
    recompute = f" + {conv.recompute} recomputation" if conv.recompute != "none" else ""
    out["train_convention"] = (f"{conv.name}: train_step = forward + backward (backward_factor "
                               f"{conv.backward_factor}){recompute} + AdamW {ADAMW_FLOPS_PER_PARAM} FLOPs/parameter; "
                               f"per_token = (forward + backward{recompute})/(b·s)")
    return out


def _training_memory(m, batch: int, seq: int, dtype: str, conv, lengths=None) -> dict:
    """``memory.activation_bytes`` (training forward at ``dtype``) and AdamW training bytes under
    the recipe of ``dtype`` (:func:`symparams.precision.recipe_for`)."""
    from symparams.precision import recipe_for

    recipe = recipe_for(dtype)
    acts = m.activation_memory(batch, seq, dtype=dtype, recompute=conv.recompute, lengths=lengths)
    mixed = m.training_memory(batch, seq, recipe=recipe, activations={"dtype": dtype, "recompute": conv.recompute},
                              lengths=lengths)
    return {
        "activation_bytes": acts.total,
        "activation_convention": acts.breakdown.convention,
        "training_bytes": mixed.total,
        "training_by_piece": {k: v for k, v in mixed.as_dict().items() if k != "total"},
        "training_convention": mixed.breakdown.convention,
        "training_recipe": recipe,
    }


def resolve_convention(spec: str | None, window: int | None = None):
    """The :class:`~symparams.conventions.Convention` of a CLI spec, the ``causal=window`` window bound.

    A window is a positive int, and only given with ``causal=window``; a
    window of ``s`` or more is plain causal attention (the pairs use ``min(w, s)``).

    >>> resolve_convention("causal=window", window=2048).flops.window
    2048
    >>> resolve_convention(None, window=64)
    Traceback (most recent call last):
    ...
    symparams.errors.ConventionError: --window 64 is only used with a sliding window: add --causal window (or causal=window in --convention)
    """
    from dataclasses import replace

    from symparams.conventions import DEFAULT, parse_convention
    from symparams.errors import ConventionError

    conv = DEFAULT if spec is None else parse_convention(spec)
    if conv.flops.window is None:
        if window is not None:
            raise ConventionError(f"--window {window} is only used with a sliding window: "
                                  "add --causal window (or causal=window in --convention)")
        return conv
    if window is None:
        raise ConventionError("causal=window needs a window size: pass --window W")
    if isinstance(window, bool) or not isinstance(window, int) or window <= 0:
        raise ConventionError(f"window w={window!r} must be a positive integer (e.g. --window 4096)")
    return replace(conv, flops=replace(conv.flops, window=window))


def _uses_window(spec: str | None) -> bool:
    from symparams.conventions import DEFAULT, parse_convention

    return (DEFAULT if spec is None else parse_convention(spec)).flops.window is not None


def compare_json(name, a: str, b: str, *, batch: int = 1, seq: int | None = None,
                 window: int | None = None, dtype: str = "bf16", allow_longer: bool = False,
                 revision: str | None = None) -> dict:
    """Every convention-dependent cost of model ``name`` under specs ``a`` and ``b``, side by side.

    Per cost: each formula (SymPy ``str``) and exact value, and ``a − b``
    factored, with its value; values are of the prompt (``n = 0`` generated tokens).
    ``dtype`` is the KV cache's; ``allow_longer`` and ``revision`` as in :func:`count_json`.

    >>> out = compare_json("gpt2", "default", "causal-half", seq=1024)
    >>> out["costs"]["forward_flops"]["difference"]
    '2*b*h*l*s**2'
    >>> out["costs"]["forward_flops"]["difference_value"] == 2 * 768 * 12 * 1024**2
    True
    """
    from sympy import Integer

    from symparams.costs.diff import diff
    from symparams.costs.registry import COSTS
    from symparams.presets import model
    from symparams.symbols import n as _n
    from symparams.lengths import check_seq
    from symparams.values import evaluate_exact

    m = model(name, revision=revision)
    check_seq(m, seq, allow_longer=allow_longer)
    seq = m.default_seq() if seq is None else seq
    if window is not None and not (_uses_window(a) or _uses_window(b)):
        resolve_convention(a, window)  # raises: --window without causal=window
    ca, cb = (resolve_convention(c, window if _uses_window(c) else None) for c in (a, b))
    sizes = m.workload(batch, seq)
    prompt = {_n: Integer(0)}  # costs of the prompt's s tokens: no generated ones
    show = lambda x: int(x) if x.denominator == 1 else str(x)  # noqa: E731
    costs = {}
    for cost in (c for c in COSTS if COSTS[c].convention_dependent):
        d = diff(cost, m.architecture, ca, cb, dtype=dtype)
        value = lambda e: show(evaluate_exact(e.xreplace(prompt), sizes))  # noqa: E731
        costs[cost] = {
            "unit": COSTS[cost].unit,
            "a": str(d.expr_a), "a_value": value(d.expr_a),
            "b": str(d.expr_b), "b_value": value(d.expr_b),
            "difference": str(d.difference), "difference_value": value(d.difference),
        }
    return {"model": m.name, "workload": {"batch": batch, "seq": seq, "dtype": dtype},
            "a": {"spec": a, "convention": ca.describe()}, "b": {"spec": b, "convention": cb.describe()},
            "costs": costs}


def resolve_architecture(name):
    """An architecture by name, or the architecture of a preset or config file."""
    from symparams.errors import UnknownModelError
    from symparams.families import ARCHITECTURES, architecture
    from symparams.presets import model

    if isinstance(name, str) and name in ARCHITECTURES:
        return architecture(name)
    try:
        return model(name).architecture
    except UnknownModelError as exc:
        raise UnknownModelError(f"{exc}; or an architecture: {', '.join(sorted(ARCHITECTURES))}") from None


def formula_json(name, *, leading: bool = False, latex: bool = False) -> dict:
    """The symbolic costs of an architecture as strings (SymPy ``str`` or LaTeX).

    Besides the formulas: ``stacks`` (each stack's count), ``conventions`` (the
    unit and convention of each formula: FLOPs per MAC, dtype of the bytes, ...)
    and ``symbols`` (what each symbol in the formulas means). An encoder or
    encoder-decoder also gives ``params_with_head`` and ``forward_flops_with_head``
    (the model with its pretraining head).

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
    if arch.head_model is not None:  # an encoder's or encoder-decoder's base model: its head model too
        head = arch.with_head
        breakdowns.update(params_with_head=head.params(), forward_flops_with_head=head.forward_flops())
    exprs = {key: bd.expanded for key, bd in breakdowns.items()}
    if len(arch.layer_stacks) == 1:
        exprs["activation_bytes_per_layer"] = expand(acts.block)
    else:
        exprs["activation_bytes"] = acts.expanded
    if leading:
        exprs = {key: leading_order(e) for key, e in exprs.items()}
    render = to_latex if latex else str
    out = {"architecture": arch.name}
    out.update({key: render(e) for key, e in exprs.items()})
    out["stacks"] = {st.name: render(st.count) for st in arch.stacks}
    conventions = {key: f"{bd.unit}; {bd.convention}" for key, bd in breakdowns.items()}
    conventions["activation_bytes_per_layer" if len(arch.layer_stacks) == 1 else "activation_bytes"] = \
        f"bytes{' per layer' if len(arch.layer_stacks) == 1 else ''}; {acts.convention}"
    if leading:
        from symparams.algebra import DEFAULT_LARGE

        out["leading_large"] = {key: [x.name for x in DEFAULT_LARGE if x in e.free_symbols]
                                for key, e in exprs.items()}
        conventions["leading"] = ("leading order: the top-degree terms as the large symbols grow together "
                                  "(of l, h, d_ff, d_head those in each formula: leading_large)")
    out["conventions"] = conventions
    used = set().union(*(e.free_symbols for e in exprs.values()), *(st.count.free_symbols for st in arch.stacks))
    out["symbols"] = {sym.name: DESCRIPTIONS[sym] for sym in SYMBOLS if sym in used}
    return out


def formula_text(data: dict) -> str:
    """The ``formula`` document as text: formulas, then their units and conventions, then the symbols.

    >>> print(formula_text(formula_json("gpt-classic")).splitlines()[1])
    params: V*h + 12*h**2*l + 13*h*l
    """
    large = data.get("leading_large", {})
    lines = [f"{key} (leading order, {', '.join(large[key])} large): {value}" if large.get(key) else f"{key}: {value}"
             for key, value in data.items() if isinstance(value, str)]
    lines += ["", "stacks:"]
    lines += [f"  {key}: × {value}" for key, value in data.get("stacks", {}).items()]
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
    from symparams.units import format_bytes, format_int as n

    p, f, mem, w = data["params"], data["flops"], data["memory"], data["workload"]
    sizes = ", ".join(f"{k}={n(v)}" for k, v in data["sizes"].items())
    per_token = f["per_token"] if isinstance(f["per_token"], str) else n(f["per_token"])
    rows = [
        ("parameters", f"{n(p['total'])}  (embedding tables {n(p['embedding'])}; non-embedding {n(p['non_embedding'])})"),
    ]
    if p.get("active", p["total"]) != p["total"]:
        rows.append(("active params", f"{n(p['active'])}  (per token: router + top-k experts)"))
    if p.get("with_head", p["total"]) != p["total"]:
        rows.append(("with head", f"{n(p['with_head'])}  (the model with its pretraining head)"))
    rows += [
        ("forward FLOPs", f"{n(f['forward'])}  ({_sci(f['forward'])})"),
        ("train-step FLOPs", f"{n(f['train_step'])}  ({_sci(f['train_step'])}; forward + backward + AdamW)"),
        ("FLOPs per token", f"{per_token}  (training: forward + backward)"),
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
        f"workload: batch {n(w['batch'])} × seq {n(w['seq'])}"
        + (f" (encoder) + {n(w['decoder_seq'])} (decoder)" if w.get("decoder_seq") else "") + f", {w['dtype']}",
        "",
        *(f"{name:<{width}}  {value}" for name, value in rows),
        "",
        *([f"note: seq {n(w['seq'])} exceeds the context length s_max = {n(data['sizes']['s_max'])}; "
           "the formulas are evaluated anyway", ""] if w["seq"] > data["sizes"].get("s_max", w["seq"]) else []),
        f"FLOPs: {f['convention']}",
        f"training memory: {mem['training_convention']}",
    ]
    return "\n".join(lines)


def _sci(value: int) -> str:
    """``3.507e+12``: four significant digits, from the exact digits (no float, so a count past
    1e308 still prints).

    >>> _sci(3506703564800), _sci(99995), _sci(12)
    ('3.507e+12', '1.000e+05', '1.200e+01')
    """
    from symparams.units import scientific

    return scientific(value)
