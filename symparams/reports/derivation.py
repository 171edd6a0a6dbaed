"""Derivation reports: what a blog post shows, as Markdown, LaTeX or HTML.

A report renders whatever :func:`symparams.costs.derivation_parts` returns for
a cost — evaluated breakdowns — so every cost the library derives has a
report: per piece the name, the formula, the formula with the numbers put in,
and the value; then the total, its closed form and its leading order.

>>> from symparams.presets import model
>>> text = derivation(model("cs336-gpt2-xl"))
>>> "| one block (×l) | $3 d_{\\\\mathrm{ff}} h + 4 h^{2} + 2 h$ | 40,963,200 |" in text
True
>>> "8,508,230,400 bytes = 8.5082 GB = 7.9239 GiB" in text
True
>>> print(derivation(model("gpt2"), fmt="latex", style="$$").splitlines()[1])
$$\\text{token embedding} = V h = 50{,}257 \\cdot 768 = 38{,}597{,}376$$
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache
from fractions import Fraction
from typing import Any

from sympy import expand

from symparams.algebra import DEFAULT_LARGE, leading_order
from symparams.breakdown import Breakdown
from symparams.options import choose
from symparams.printing.display import check_style, display_math
from symparams.printing.latex import (
    breakdown_latex_rows, grouping_sep, latex, latex_comment, latex_int, latex_text,
)
from symparams.printing.markdown import breakdown_table
from symparams.units import GB, GiB, dtype_bytes, format_bytes, format_decimal, format_int, format_percent, scientific

__all__ = ["derivation", "derivation_json", "FORMATS", "Part"]

FORMATS = ("md", "latex", "html")

#: The dtype of the "weights in …" line of a parameter report (worked example A loads fp32).
WEIGHTS_DTYPE = "fp32"


@dataclass(frozen=True)
class Part:
    """One evaluated breakdown of a report, with its closed form and leading order."""

    breakdown: Breakdown
    values: dict | None
    name: str = ""

    @classmethod
    def of(cls, obj) -> "Part":
        """From an ``Evaluation`` (sizes bound) or a bare ``Breakdown``."""
        bd = getattr(obj, "breakdown", obj)
        return cls(bd, getattr(obj, "values", None), getattr(obj, "name", ""))

    @cached_property
    def total(self) -> int | None:
        return None if self.values is None else _evaluate(self.breakdown.total, self.values)

    @property
    def closed_form(self):
        return self.breakdown.expanded

    @cached_property
    def leading(self):
        """Leading-order form, or None when it is the whole closed form (or has none, e.g. ``⌈l/2⌉``)."""
        from sympy.polys.polyerrors import PolynomialError

        try:
            lead = _leading_order(self.breakdown.total)
        except PolynomialError:  # a non-polynomial size (ceiling(l/2) layers): no leading order to show
            return None
        return None if expand(lead - self.closed_form) == 0 else lead

    @property
    def large(self) -> tuple:
        """The symbols the leading order lets grow (``l, h, d_ff, d_head`` present in the formula)."""
        free = self.breakdown.total.free_symbols
        return tuple(x for x in DEFAULT_LARGE if x in free)

    def leading_label(self) -> str:
        """``leading order (l, h large)``: the limit is named, for memory it is not the dominant term."""
        return f"leading order ({', '.join(x.name for x in self.large)} large)"

    def leading_share(self) -> Fraction | None:
        """Leading-order value over the exact total (None without sizes or total 0)."""
        if self.values is None or self.leading is None or not self.total:
            return None
        return Fraction(_evaluate(self.leading, self.values)) / self.total


@lru_cache(maxsize=1024)
def _leading_order(expr):
    return leading_order(expr)


def _evaluate(expr, values):
    from symparams.values import evaluate

    return evaluate(expr, values)


def _sizes(values, skip=()) -> str:
    return ", ".join(f"{sym.name} = {v:,}" for sym, v in sorted(values.items(), key=lambda kv: kv[0].name)
                     if sym not in skip)


def _unit_text(part: Part) -> str:
    """The total in the part's unit, with GB/GiB for bytes."""
    total = part.total
    if total is None:
        return ""
    if part.breakdown.unit == "bytes":
        return format_bytes(total)
    sci = f" ({scientific(total)})" if abs(total) >= 10**6 else ""
    return f"{format_int(total)} {part.breakdown.unit}{sci}"


def _notes(m, part: Part) -> list[str]:
    """The breakdown's notes, plus a warning when the sequence is longer than the context length."""
    from symparams.symbols import s, s_max

    notes = list(part.breakdown.notes)
    values = part.values or {}
    if s in values and s_max in m.values and values[s] > m.values[s_max]:
        notes.append(f"s = {values[s]:,} exceeds the context length s_max = {m.values[s_max]:,} "
                     f"of {m.name}; the formula is evaluated anyway")
    return notes


def _param_extras(m, dtype: str) -> list[tuple[str, int]]:
    per = dtype_bytes(dtype)
    return [
        ("embedding parameters (token + position tables)", m.embedding_params),
        ("non-embedding parameters", m.non_embedding_params),
        (f"weights in {dtype} ({per} bytes per parameter)", m.weights_bytes(dtype)),
    ]


# ---- Markdown ------------------------------------------------------------------

def _md(m, cost, parts, dtype, sep) -> str:
    out = [f"# {m.name}: {cost}", "", f"Architecture: {m.architecture.title} (`{m.architecture.name}`).", "",
           f"Sizes: {_sizes(m.values)}."]
    for part in parts:
        bd = part.breakdown
        out += ["", f"## {bd.quantity}", ""]
        extra = _sizes(part.values, skip=m.values) if part.values is not None else ""
        if extra:
            out += [f"Workload: {extra}.", ""]
        out.append(breakdown_table(bd, part.values, sep=sep))
        out += ["", f"- closed form: ${latex(part.closed_form)}$"]
        if part.leading is not None:
            share = part.leading_share()
            pct = "" if share is None else f" ({format_percent(share)} of the exact total)"
            out.append(f"- {part.leading_label()}: ${latex(part.leading)}${pct}")
        if part.total is not None:
            out.append(f"- total: {_unit_text(part)}")
        out += [f"- note: {note}" for note in _notes(m, part)]
    if cost == "params":
        out += [""]
        for label, value in _param_extras(m, dtype):
            shown = format_bytes(value) if label.startswith("weights") else format_int(value)
            out.append(f"- {label}: {shown}")
    return "\n".join(out) + "\n"


# ---- LaTeX ---------------------------------------------------------------------

def _latex_rows(part: Part, sep: str, substitute: bool):
    rows = breakdown_latex_rows(part.breakdown, part.values, sep=sep, substitute=substitute)
    total = part.total
    if part.breakdown.unit == "bytes" and total is not None:
        lhs, steps = rows[-1]
        steps[-1] += (rf"\ \text{{bytes}} \approx {_gb(total, GB, sep)}\ \text{{GB}}"
                      rf" = {_gb(total, GiB, sep)}\ \text{{GiB}}")
    if part.leading is not None:
        steps = [latex(part.leading)]
        if part.values is not None:
            steps.append(latex_int(_evaluate(part.leading, part.values), sep))
        large = ", ".join(latex(x) for x in part.large)
        rows.append((latex_text("leading order") + rf"\ ({large}\ \text{{large}})", steps))
    return rows


def _gb(total: int, unit: int, sep: str) -> str:
    """``total / unit`` to 4 decimals, exact (no float); ungrouped, as before (``sep`` unused)."""
    return format_decimal(Fraction(total, unit), 4, "")


def _weights_row(m, dtype: str, sep: str):
    weights = m.weights_bytes(dtype)
    return (latex_text(f"weights in {dtype}"),
            [rf"{latex(dtype_bytes(dtype))} \times {latex_int(m.params.total, sep)}",
             rf"{latex_int(weights, sep)}\ \text{{bytes}} \approx {_gb(weights, GB, sep)}\ \text{{GB}}"
             rf" = {_gb(weights, GiB, sep)}\ \text{{GiB}}"])


def _latex_doc(m, cost, parts, dtype, sep, style, tags, substitute) -> str:
    out, tag = [], 1
    for part in parts:
        bd = part.breakdown
        out.append(latex_comment(f"% {m.name}: {bd.quantity} [{bd.unit}] {bd.convention}"))
        out += [latex_comment(f"% note: {note}") for note in _notes(m, part)]
        block, tag = display_math(_latex_rows(part, sep, substitute), style=style, tags=tags, tag_start=tag)
        out += [block, ""]
    if cost == "params":
        block, tag = display_math([_weights_row(m, dtype, sep)], style=style, tags=tags, tag_start=tag)
        out += [latex_comment(f"% {m.name}: weights"), block, ""]
    return "\n".join(out)


# ---- HTML ----------------------------------------------------------------------

def _mathml_rows(part: Part, sep: str, substitute: bool) -> list[tuple[str, list[str]]]:
    """Each row of the derivation as ``(label HTML, [steps as MathML])``: formula, numbers put in,
    value; the total multiplied out; the leading order with its large symbols."""
    from symparams.printing.html import row_label_html, terms_html
    from symparams.printing.mathml import mathml, mathml_number
    from symparams.printing.rows import breakdown_rows

    out = []
    for row in breakdown_rows(part.breakdown, part.values):
        steps: list[tuple[Any, Any]] = [(row.expr, None)]
        if row.kind == "total":
            steps.append((expand(row.expr), None))
        elif substitute and part.values is not None and row.expr.free_symbols and not row.expr.is_Symbol:
            steps.append((row.expr, part.values))  # (a bare symbol put in is its value: shown once)
        shown: list[str] = []
        seen = None
        for expr, values in steps:
            key = (expr, values is not None)
            if key != seen:
                shown.append(terms_html(expr, values, sep=sep))
            seen = key
        if row.value is not None:
            shown.append(f'<span class="t">{mathml_number(row.value, sep)}</span>')
        out.append((row_label_html(row), shown))
    if part.leading is not None:
        large = ", ".join(mathml(x) for x in part.large)
        lead = [terms_html(part.leading)]
        if part.values is not None:
            lead.append(f'<span class="t">{mathml_number(_evaluate(part.leading, part.values), sep)}</span>')
        out.append((f"leading order ({large} large)", lead))
    return out


def _html(m, cost, parts, dtype, sep, substitute) -> str:
    from html import escape

    from symparams.printing.html import breakdown_mathml_table, derivation_rows_html, mathml_page, terms_html

    body = [f"<h1>{escape(m.name)}: {escape(cost)}</h1>",
            f"<p>Architecture: {escape(m.architecture.title)} (<code>{escape(m.architecture.name)}</code>).</p>",
            f"<p>Sizes: {escape(_sizes(m.values))}.</p>"]
    for part in parts:
        bd = part.breakdown
        body.append(f"<h2>{escape(bd.quantity)}</h2>")
        extra = _sizes(part.values, skip=m.values) if part.values is not None else ""
        if extra:
            body.append(f"<p>Workload: {escape(extra)}.</p>")
        body.append(breakdown_mathml_table(bd, part.values, sep=sep))
        body.append(derivation_rows_html(_mathml_rows(part, sep, substitute)))
        items = [f"closed form: {terms_html(part.closed_form)}"]
        if part.total is not None:
            items.append(f"total: {escape(_unit_text(part))}")
        items += [f"note: {escape(note)}" for note in _notes(m, part)]
        body.append("<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>")
    if cost == "params":
        items = [f"{escape(label)}: {escape(format_bytes(v) if label.startswith('weights') else format_int(v))}"
                 for label, v in _param_extras(m, dtype)]
        body.append("<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>")
    return mathml_page(f"{m.name}: {cost}", "\n".join(body))


def _parts(m, cost: str, dtype: str | None, batch: int, seq: int | None, allow_longer: bool,
           parallel=None) -> list[Part]:
    from symparams.costs import derivation_parts
    from symparams.lengths import check_seq

    check_seq(m, seq, allow_longer=allow_longer)
    kwargs: dict[str, Any] = {"batch": batch, "seq": seq}
    if dtype is not None:
        kwargs["dtype"] = dtype
    if parallel is not None:
        kwargs["parallel"] = parallel
    return [Part.of(p) for p in derivation_parts(m, cost, **kwargs)]


def derivation_json(m, *, cost: str = "params", dtype: str | None = None, batch: int = 1,
                    seq: int | None = None, allow_longer: bool = False) -> dict:
    """The derivation as data: per part its rows (label, formula as SymPy ``str`` and LaTeX, exact
    value), total, closed form, and leading order with the symbols it takes as large.

    >>> from symparams.presets import model
    >>> doc = derivation_json(model("cs336-gpt2-xl"))
    >>> [(r["label"], r["formula"], r["value"]) for r in doc["parts"][0]["rows"]][1]
    ('RMSNorm, each (×2 per block)', 'h', 1600)
    >>> doc["parts"][0]["leading"], doc["parts"][0]["leading_large"]
    ('3*d_ff*h*l + 4*h**2*l', ['l', 'h', 'd_ff'])
    """
    from symparams.printing.rows import breakdown_rows

    parts = []
    for part in _parts(m, cost, dtype, batch, seq, allow_longer):
        bd = part.breakdown
        share = part.leading_share()
        rows = [{"label": row.text, "kind": row.kind, "formula": str(row.expr), "latex": latex(row.expr),
                 "value": row.value, "count": None if row.times is None else str(row.times)}
                for row in breakdown_rows(bd, part.values)]
        parts.append({"quantity": bd.quantity, "unit": bd.unit, "convention": bd.convention,
                      "workload": {} if part.values is None else
                      {sym.name: v for sym, v in sorted(part.values.items(), key=lambda kv: kv[0].name)
                       if sym not in m.values},
                      "rows": rows, "total": part.total, "closed_form": str(part.closed_form),
                      "leading": None if part.leading is None else str(part.leading),
                      "leading_large": [x.name for x in part.large] if part.leading is not None else [],
                      "leading_share": None if share is None else
                      (share.numerator if share.denominator == 1 else f"{share.numerator}/{share.denominator}"),
                      "notes": _notes(m, part)})
    out = {"model": m.name, "architecture": m.architecture.name, "title": m.architecture.title, "cost": cost,
           "sizes": {sym.name: v for sym, v in sorted(m.values.items(), key=lambda kv: kv[0].name)},
           "parts": parts}
    if cost == "params":
        weights_dtype = dtype or WEIGHTS_DTYPE
        out["weights"] = {"dtype": weights_dtype, "bytes": m.weights_bytes(weights_dtype),
                          "embedding_params": m.embedding_params, "non_embedding_params": m.non_embedding_params}
    return out


def derivation(m, *, cost: str = "params", fmt: str = "md", dtype: str | None = None, batch: int = 1,
               seq: int | None = None, style: str = "aligned", tags: bool = False,
               grouping: str = "comma", substitute: bool = True, allow_longer: bool = False,
               parallel=None) -> str:
    """The derivation of ``cost`` for model ``m`` as Markdown, LaTeX or HTML.

    Parameters
    ----------
    cost
        Any cost :func:`symparams.costs.derivation_parts` knows (``params``, ``flops``, ...).
    fmt
        ``"md"`` (tables with inline math), ``"latex"`` (display math for a
        post) or ``"html"`` (a standalone page whose math is MathML: a browser
        typesets it with no script and no network).
    dtype
        Passed to the cost (e.g. the KV cache dtype); for ``params`` the dtype
        of the weights line (fp32 when not given).
    style, tags
        LaTeX layout: ``"aligned"``, ``"align*"`` or ``"$$"``, with ``\\tag`` numbers or not.
    grouping
        Digit grouping of big numbers: ``"comma"`` or ``"thin"`` (thin space).
    substitute
        Show each formula with the numbers put in before its value (LaTeX, HTML).
    allow_longer
        Evaluate a ``seq`` longer than a learned position table (refused otherwise:
        :func:`symparams.lengths.check_seq`).
    parallel
        For ``cost="parallel"``: the :class:`~symparams.studies.plan.TrainingPlan` to derive at
        (its own micro-batch and sequence length are used).
    """
    choose("format", fmt, FORMATS)
    style = check_style(style)
    sep = grouping_sep(grouping)
    parts = _parts(m, cost, dtype, batch, seq, allow_longer, parallel)
    weights_dtype = dtype or WEIGHTS_DTYPE
    if fmt == "latex":
        return _latex_doc(m, cost, parts, weights_dtype, sep, style, tags, substitute)
    text_sep = {"{,}": ",", r"\,": "\u2009", "": ""}[sep]
    if fmt == "html":
        return _html(m, cost, parts, weights_dtype, text_sep, substitute)
    return _md(m, cost, parts, weights_dtype, text_sep)
