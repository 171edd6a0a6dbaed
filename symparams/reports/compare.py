"""Two models side by side: every count of ``count``, A, B, A − B and A/B, and how their formulas differ.

Both models are evaluated at one workload (the same batch and sequence length; by default the
shorter of the two context lengths) under one convention, so each difference is a difference of
models, not of assumptions. The symbolic difference is of the two architectures at equal sizes
(:func:`symparams.costs.diff.difference`): what the structure changes.

>>> out = compare_models_json("llama-2-7b", "mistral-7b-v0.1")
>>> row = out["costs"]["params"]
>>> row["a"], row["b"], row["difference"] == row["a"] - row["b"]
(6738415616, 7241732096, True)
>>> out["formulas"]["params"]["difference"]      # GQA: K and V projections of n_kv heads, not a
'2*h**2*l*(a - n_kv)/a'
"""

from __future__ import annotations

from fractions import Fraction

__all__ = ["compare_models_json", "compare_models_text", "COMPARED"]

#: (key, unit, where the value sits in a ``count`` document)
COMPARED = (
    ("params", "parameters", ("params", "total")),
    ("active_params", "parameters", ("params", "active")),
    ("forward_flops", "FLOPs", ("flops", "forward")),
    ("train_step_flops", "FLOPs", ("flops", "train_step")),
    ("weights_bytes", "bytes", ("memory", "weights_bytes")),
    ("kv_cache_bytes", "bytes", ("memory", "kv_cache_bytes")),
    ("activation_bytes", "bytes", ("memory", "activation_bytes")),
    ("training_bytes", "bytes", ("memory", "training_bytes")),
)


def _exact(value: Fraction):
    return value.numerator if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


def compare_models_json(a, b, *, batch: int = 1, seq: int | None = None, dtype: str = "bf16",
                        convention: str | None = None, window: int | None = None,
                        allow_longer: bool = False, revision: str | None = None) -> dict:
    """Models ``a`` and ``b`` (presets, paths or Hub ids) side by side at one workload, exactly."""
    from symparams.costs.diff import difference
    from symparams.presets import model
    from symparams.hf.hub import is_repo_id
    from symparams.reports.count import count_json, resolve_convention

    models = [model(n, revision=revision if is_repo_id(n) else None) for n in (a, b)]
    if seq is None:
        seq = min(m.default_seq() for m in models)
    docs = [count_json(n, batch=batch, seq=seq, dtype=dtype, convention=convention, window=window,
                       allow_longer=allow_longer, revision=revision if is_repo_id(n) else None) for n in (a, b)]
    conv = resolve_convention(convention, window)
    costs = {}
    for key, unit, (group, field) in COMPARED:
        va, vb = docs[0][group][field], docs[1][group][field]
        costs[key] = {"unit": unit, "a": va, "b": vb, "difference": va - vb,
                      "ratio": _exact(Fraction(va, vb)) if vb else None}
    archs = [m.architecture for m in models]
    formulas = {}
    for key, cost, shown in (("params", "params", "params"), ("forward_flops", "forward_flops", "forward_flops")):
        formulas[key] = {"a": docs[0]["formulas"][shown], "b": docs[1]["formulas"][shown],
                         "difference": str(difference(archs[0], archs[1], cost, conv, dtype=dtype))}
    return {
        "a": {k: docs[0][k] for k in ("model", "architecture", "source", "sizes")},
        "b": {k: docs[1][k] for k in ("model", "architecture", "source", "sizes")},
        "workload": docs[0]["workload"],
        "convention": docs[0]["flops"]["convention"],
        "costs": costs,
        "formulas": formulas,
        "note": "one workload and one convention for both; formulas.*.difference is A − B at equal sizes",
    }


def _ratio(value) -> str:
    """``A/B`` to four decimals from the exact ratio (no float)."""
    if value is None:
        return "—"
    frac = Fraction(value)
    scaled = (frac.numerator * 10**4 * 2 + frac.denominator) // (2 * frac.denominator)
    return f"{scaled // 10**4}.{scaled % 10**4:04d}"


def compare_models_text(data: dict) -> str:
    """The comparison as aligned text: each cost, A, B, A − B, A/B; then the formulas."""
    a, b, wl = data["a"]["model"], data["b"]["model"], data["workload"]
    rows = [(key, f"{r['a']:,}", f"{r['b']:,}", f"{r['difference']:+,}", _ratio(r["ratio"]), r["unit"])
            for key, r in data["costs"].items()]
    head = ("", a, b, "A − B", "A/B", "unit")
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(6)]
    lines = [f"A = {a} ({data['a']['architecture']}), B = {b} ({data['b']['architecture']}); "
             f"batch {wl['batch']:,} × seq {wl['seq']:,}, {wl['dtype']}", ""]
    for r in [head, *rows]:
        lines.append("  ".join([r[0].ljust(widths[0]), *(str(c).rjust(w) for c, w in zip(r[1:5], widths[1:5])),
                                r[5]]).rstrip())
    lines.append("")
    for key, f in data["formulas"].items():
        lines += [f"{key}:", f"  A      {f['a']}", f"  B      {f['b']}", f"  A − B  {f['difference']}  (at equal sizes)"]
    lines += ["", f"FLOPs: {data['convention']}"]
    return "\n".join(lines)
