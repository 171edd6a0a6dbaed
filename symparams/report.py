"""Derivation reports: the piece | formula | value table a blog post shows.

>>> from symparams.model import model
>>> text = derivation(model("cs336-gpt2-xl"))
>>> "| one block (×l) | $3 d_{\\\\mathrm{ff}} h + 4 h^{2} + 2 h$ | 40,963,200 |" in text
True
>>> "8,508,230,400 bytes = 8.5082 GB = 7.9239 GiB" in text
True
"""

from __future__ import annotations

from symparams.printing.latex import breakdown_latex, latex, latex_int, latex_text
from symparams.printing.markdown import breakdown_table
from symparams.units import dtype_bytes, format_bytes

__all__ = ["derivation", "FORMATS"]

FORMATS = ("md", "latex")


def _params_md(m, dtype: str) -> str:
    parts = [f"# {m.name}: parameters", "", f"Architecture: {m.architecture.title} (`{m.architecture.name}`).", ""]
    sizes = ", ".join(f"{sym.name} = {v:,}" for sym, v in sorted(m.values.items(), key=lambda kv: kv[0].name))
    parts += [f"Sizes: {sizes}.", "", breakdown_table(m.architecture.params(), m.values)]
    buffers = m.architecture.buffers()
    if buffers.pieces:
        parts += ["", "Non-trainable buffers (not in the parameter count):", "",
                  breakdown_table(buffers, m.values)]
    per = dtype_bytes(dtype)
    parts += [
        "",
        f"- embedding parameters (token + position tables): {m.embedding_params:,}",
        f"- non-embedding parameters: {m.non_embedding_params:,}",
        f"- weights in {dtype} ({per} bytes per parameter): {format_bytes(m.weights_bytes(dtype))}",
    ]
    for note in m.architecture.notes:
        parts.append(f"- note: {note}")
    return "\n".join(parts) + "\n"


def _params_latex(m, dtype: str) -> str:
    body = breakdown_latex(m.architecture.params(), m.values)
    weights = m.weights_bytes(dtype)
    total = latex_text(f"weights in {dtype}")
    per = dtype_bytes(dtype)
    tail = (
        rf"{total} = {latex(per)} \times {latex_int(m.params.total)} = {latex_int(weights)}"
        rf"\ \text{{bytes}} \approx {weights / 10**9:.4f}\ \text{{GB}} = {weights / 2**30:.4f}\ \text{{GiB}}"
    )
    out = ["$$", body, "$$", "", "$$", tail, "$$"]
    buffers = m.architecture.buffers()
    if buffers.pieces:
        out += ["", "$$", breakdown_latex(buffers, m.values), "$$"]
    return "\n".join(out) + "\n"


def derivation(m, *, cost: str = "params", fmt: str = "md", dtype: str = "fp32") -> str:
    """The derivation of ``cost`` for model ``m`` as Markdown or LaTeX."""
    if cost != "params":
        from symparams.errors import ConventionError

        raise ConventionError(f"unknown cost {cost!r}; choose one of: params")
    if fmt == "latex":
        return _params_latex(m, dtype)
    return _params_md(m, dtype)
