"""Hypothesis strategies for valid transformer sizes, per architecture.

:func:`sizes` draws a ``{symbol name: int}`` mapping that an architecture's
costs can be evaluated at: every divisibility the formulas assume holds by
construction (``h = a · d_head`` so ``h % a == 0``; ``n_kv`` divides ``a``;
``k ≤ E``; an even head size where a RoPE table is counted). Bounds are
keyword-only with small defaults, so a failing example shrinks to a model a
person can check by hand.

Needs the ``test`` extra (``pip install 'symparams[test]'``, which brings
Hypothesis); ``import symparams`` never imports Hypothesis.

>>> from hypothesis import given
>>> from symparams.families import architecture
>>> P = architecture("gpt-classic").params()
>>> @given(sizes("gpt-classic"))
... def test_total(sz):
...     l, h, V = sz["l"], sz["h"], sz["V"]
...     assert P.at(sz).total == 12 * l * h * h + 13 * l * h + V * h
>>> test_total()
>>> sizes("gpt2", min_layers=3, max_layers=2)
Traceback (most recent call last):
...
symparams.errors.OptionError: Cannot have max_layers=2 < min_layers=3
"""

from __future__ import annotations

from dataclasses import dataclass

from symparams.errors import OptionError
from symparams.families.sampling import divisors

try:
    from hypothesis import assume, strategies as st
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "symparams.testing needs Hypothesis: pip install 'symparams[test]'"
    ) from exc

__all__ = ["Bounds", "sizes", "symbols_needed", "divisors"]


@dataclass(frozen=True)
class Bounds:
    """Inclusive ``(min, max)`` ranges for every size a strategy draws.

    Defaults are small on purpose: shrunk counterexamples stay readable and
    evaluating a formula stays cheap. ``head_dim`` is the size of one head;
    the hidden size is always ``heads × head_dim``.
    """

    min_layers: int = 1
    max_layers: int = 4
    min_heads: int = 1
    max_heads: int = 8
    min_head_dim: int = 1
    max_head_dim: int = 16
    min_vocab: int = 1
    max_vocab: int = 512
    min_ffn: int = 1
    max_ffn: int = 128
    min_positions: int = 1
    max_positions: int = 256
    min_experts: int = 1
    max_experts: int = 8
    min_batch: int = 1
    max_batch: int = 4
    min_seq: int = 1
    max_seq: int = 64
    min_new_tokens: int = 1
    max_new_tokens: int = 16

    def __post_init__(self) -> None:
        fields = list(self.__dataclass_fields__)
        for name in fields:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise OptionError(f"{name}={value!r} must be an int")
            if value < 1:
                raise OptionError(f"{name}={value} must be >= 1 (sizes are positive integers)")
        for name in fields:
            if name.startswith("min_"):
                stem = name[4:]
                lo, hi = getattr(self, name), getattr(self, "max_" + stem)
                if hi < lo:
                    raise OptionError(f"Cannot have max_{stem}={hi} < min_{stem}={lo}")

    def span(self, stem: str):
        """The integer strategy for ``min_<stem> … max_<stem>``."""
        return st.integers(getattr(self, "min_" + stem), getattr(self, "max_" + stem))


def symbols_needed(arch) -> set[str]:
    """Names of every symbol any cost of ``arch`` depends on (plus ``b, s, n``), stack counts included.

    >>> sorted(symbols_needed(_arch("gpt-classic")))
    ['V', 'b', 'h', 'l', 'n', 's']
    """
    exprs = [arch.params().total, arch.buffers().total, arch.forward_flops().total, arch.kv_cache().total,
             *(st.count for st in arch.stacks)]
    names = {sym.name for e in exprs for sym in e.free_symbols}
    return names | {"b", "s", "n"}


#: symbols that count some of the ``l`` layers: drawn below ``l`` so that ``l - x`` stays positive
_LAYER_PARTS = ("l_local", "l_dense")
#: bounds (``Bounds`` stem) of the other symbols a strategy may meet
_STEMS = {"d_emb": "head_dim", "d_sh": "ffn", "d_moe": "ffn", "r_q": "ffn", "r_kv": "ffn", "d_nope": "head_dim",
          "d_rope": "head_dim", "d_v": "head_dim", "n_sh": "experts", "w": "seq", "s_enc": "seq",
          "l_dec": "layers", "n_rb": "positions", "n_p": "seq", "c_in": "heads", "p": "head_dim", "n_cls": "vocab",
          "t": "heads", "n_dp": "heads", "n_type": "heads", "w_side": "seq", "a_dec": "heads", "d_dec": "ffn"}


def _arch(architecture):
    if isinstance(architecture, str):
        from symparams.families import architecture as _lookup

        return _lookup(architecture)
    return architecture


def _has_rope(arch) -> bool:
    return any(c.key == "rope" for c, _ in arch.parts())


def sizes(architecture="gpt-classic", **bounds):
    """A strategy of ``{name: int}`` sizes valid for ``architecture``.

    Parameters
    ----------
    architecture
        A name from :data:`symparams.ARCHITECTURES` or an
        :class:`~symparams.Architecture`.
    **bounds
        Keyword-only ``min_*``/``max_*`` bounds of :class:`Bounds`
        (``max_layers=2``, ``min_heads=2``, ``max_seq=8``, ...).

    Raises
    ------
    OptionError
        At call time, if a bound is not a positive int or a maximum is below
        its minimum (``Cannot have max_layers=2 < min_layers=3``).

    >>> from hypothesis import find
    >>> find(sizes("gpt-classic"), lambda sz: sz["h"] >= 12 and sz["a"] >= 3)["h"] % 3
    0
    """
    b = Bounds(**bounds)
    arch = _arch(architecture)
    needed = symbols_needed(arch)
    even_head = _has_rope(arch)
    if even_head and b.max_head_dim < 2 * ((b.min_head_dim + 1) // 2):
        raise OptionError(
            f"{arch.name} counts a RoPE table, which needs an even head size; "
            f"min_head_dim={b.min_head_dim} … max_head_dim={b.max_head_dim} holds none"
        )
    if any(x in needed for x in _LAYER_PARTS) and b.max_layers < 2:
        raise OptionError(f"{arch.name} splits its layers into stacks, which needs max_layers >= 2 "
                          f"(got max_layers={b.max_layers})")
    return _sizes(b, frozenset(needed), even_head, arch)


def _whole(arch, out: dict) -> bool:
    """Whether every cost of ``arch`` is a whole number at ``out`` (divisibility the formulas assume)."""
    from symparams.errors import MissingValueError
    from symparams.values import evaluate_exact, normalize_values

    sizes = normalize_values(out)
    exprs = [arch.params().total, arch.buffers().total, arch.forward_flops().total, arch.kv_cache().total]
    try:
        return all(evaluate_exact(e, sizes).denominator == 1 for e in exprs) and \
            all(evaluate_exact(st.count, sizes) > 0 for st in arch.stacks)
    except MissingValueError:  # pragma: no cover - every needed symbol is drawn
        return False


def _sizes(bounds: Bounds, needed: frozenset, even_head: bool, arch):
    @st.composite
    def draw_sizes(draw):
        out: dict[str, int] = {}
        parts = [x for x in _LAYER_PARTS if x in needed]
        out["l"] = draw(st.integers(max(bounds.min_layers, len(parts) + 1), max(bounds.max_layers, len(parts) + 1))
                        if parts else bounds.span("layers"))
        heads = draw(bounds.span("heads"))
        if even_head:
            half = st.integers((bounds.min_head_dim + 1) // 2, bounds.max_head_dim // 2)
            head_dim = 2 * draw(half)
        else:
            head_dim = draw(bounds.span("head_dim"))
        out["a"] = heads
        if "d_head" in needed:
            out["d_head"] = head_dim
            out["h"] = heads * draw(bounds.span("head_dim"))
        else:
            out["h"] = heads * head_dim
        if "n_kv" in needed:
            out["n_kv"] = draw(st.sampled_from(divisors(heads)))
        if "V" in needed:
            out["V"] = draw(bounds.span("vocab"))
        if "d_ff" in needed:
            out["d_ff"] = draw(bounds.span("ffn"))
        if "s_max" in needed:
            out["s_max"] = draw(bounds.span("positions"))
        if "E" in needed or "k" in needed:
            experts = draw(bounds.span("experts"))
            out["E"] = experts
            out["k"] = draw(st.integers(1, experts))
        out["b"] = draw(bounds.span("batch"))
        out["s"] = draw(bounds.span("seq"))
        out["n"] = draw(bounds.span("new_tokens"))
        left = out["l"] - 1
        for x in parts:  # each a part of the layers, the rest at least one layer
            out[x] = draw(st.integers(1, max(1, left - (len(parts) - 1))))
            left -= out[x]
        for name in sorted(needed - set(out) - {"b", "s", "n"}):
            out[name] = draw(bounds.span(_STEMS.get(name, "head_dim")))
        # l, h and a always: h % a is part of what makes a config valid even
        # where a formula does not mention a (heads cancel: a · h/a = h).
        out = {name: value for name, value in out.items() if name in needed or name in ("l", "h", "a")}
        assume(_whole(arch, out))
        return out

    return draw_sizes()
