"""What the Hugging Face families share: reading heads, MLP widths, rotary tables, windows,
dropout and per-layer kinds from a config, each as a component constructor.

A family's builder (one short function in its lineage's module) calls these
and composes components into stacks; nothing here interprets a family flag.
"""

from __future__ import annotations

from dataclasses import replace

from sympy import Expr, Integer

from symparams.stacks import Architecture, Stack, once
from symparams.components import Dropout, LayerNorm, OutputHead, RMSNorm, RotaryPositions
from symparams.hf.fields import DERIVED
from symparams.symbols import V, a, d_ff, d_head, h, l, l_local, n_kv, s_max, w

__all__ = [
    "head_size", "kv_heads", "ffn_width", "rotary", "window_size", "dropout_sites", "norm", "head",
    "layer_kinds", "kind_stacks", "decoder_of", "check_config_keys", "check_padding", "describe", "LAYER_TYPES", "pre_norm", "windowed", "mask_for",
    "window_notes", "ROPE_TYPES", "check_rope_types", "check_rope_head_dim",
]


def head_size(f) -> tuple[Expr, int]:
    """``(d_head expression, its value)``: ``d_head`` if ``head_dim`` is given, else ``h/a``
    (then ``hidden_size`` must divide by the heads)."""
    hidden, heads = f.size("hidden"), f.size("heads")
    if "head_dim" not in f.table and "head_dim" in f.raw.data:
        # the family's attention ignores it, but transformers' rotary tables read config.head_dim
        stray = f.raw.data["head_dim"]
        if stray is None:
            raise f.error("field 'head_dim' = null: this family has no head_dim, but transformers would read the "
                          "null (getattr(config, 'head_dim', ...)) and fail; expected no head_dim")
        if stray != (hidden // heads if hidden % heads == 0 else None) or isinstance(stray, bool):
            raise f.error(f"field 'head_dim' = {stray!r}: this family's attention uses hidden_size / "
                          f"num_attention_heads ({hidden} / {heads}) and has no head_dim, but transformers would "
                          "size other tables (RoPE) from it; expected no head_dim, or one equal to that")
    given = f.size("head_dim") if "head_dim" in f.table else DERIVED
    if given is not DERIVED:
        f.bind(d_head, given)
        return d_head, given
    if hidden % heads:
        key = f.key("hidden")
        raise f.error(f"field {key!r} = {hidden} is not divisible by the number of attention heads {heads} "
                      "(and no 'head_dim' is given); expected hidden_size % num_attention_heads == 0")
    return h / a, hidden // heads


def kv_heads(f, given=None) -> Expr:
    """The KV heads as a formula: ``a`` (multi-head), ``1`` or ``n_kv`` (bound), from
    ``num_key_value_heads`` (its class default when absent, the head count when null)
    or from ``given``; the heads must divide by it."""
    heads = f.size("heads")
    if given is None:
        given = f.size("kv_heads")
    kv = heads if given is DERIVED else given
    if heads % kv:
        key = f.key("kv_heads") if "kv_heads" in f.table else "num_key_value_heads"
        raise f.error(f"field 'num_attention_heads' = {heads} is not divisible by {key!r} = {kv}; "
                      "expected num_attention_heads % num_key_value_heads == 0")
    if kv == heads:
        return a  # multi-head: one KV head per query head, the formula says so
    return f.bind(n_kv, kv)


def ffn_width(f, ratio: int | None = None) -> Expr:
    """The MLP width: ``d_ff`` bound from the config's field, or ``ratio·h`` where the family
    derives it (GPT-2 ``n_inner: null``, Falcon, BLOOM)."""
    value = f.size("ffn") if "ffn" in f.table else DERIVED
    if value is DERIVED:
        if ratio is None:
            raise f.error("no MLP width in this config")
        return ratio * h
    return f.bind(d_ff, value)


#: RoPE types transformers 5.23 builds (``ROPE_INIT_FUNCTIONS`` and "default"), with the keys each requires
ROPE_TYPES = {"default": (), "linear": ("factor",), "dynamic": ("factor",), "yarn": ("factor",),
              "llama3": ("factor", "low_freq_factor", "high_freq_factor"), "longrope": ("short_factor", "long_factor"),
              "proportional": ()}


def _rope_kind(d: dict) -> str:
    """A RoPE dict's type as transformers reads it: ``rope_type``, else the legacy ``type``, else default."""
    return d.get("rope_type", d.get("type", "default"))


def _rope_dicts(f, fills: bool = True) -> tuple[str, list[dict]]:
    """The config's RoPE dict(s) as transformers reads them: ``rope_scaling`` if set, else
    ``rope_parameters``; one dict, or one per layer type (nested). Each is checked: a known
    ``rope_type`` with the keys it requires (a config class that does not fill RoPE dicts in — no
    rotary positions, or GPT-J's — takes no ``original_max_position_embeddings`` from
    ``max_position_embeddings``: ``fills=False``)."""
    for name in ("rope_scaling", "rope_parameters"):  # transformers reads both as dicts, the unused one too
        given = f.raw.data.get(name)
        if given is not None and not isinstance(given, dict):
            raise f.error(f"field {name!r} = {given!r} must be an object such as "
                          "{\"rope_type\": \"linear\", \"factor\": 2.0} (or null)")
    key = "rope_scaling" if f.raw.data.get("rope_scaling") else "rope_parameters"
    rope = f.raw.data.get(key)
    if not rope:
        return key, []
    if not isinstance(rope, dict):
        raise f.error(f"field {key!r} = {rope!r} must be an object such as {{\"rope_type\": \"linear\", \"factor\": 2.0}}")
    nested = [v for k, v in rope.items() if k in LAYER_TYPES]
    dicts = [v for v in nested if v is not None] if nested else [rope]
    for d in dicts:
        if not isinstance(d, dict):
            raise f.error(f"field {key!r} holds {d!r}, which must be an object")
        kind = _rope_kind(d)
        if kind not in ROPE_TYPES:
            raise f.error(f"field {key!r} has rope_type {kind!r}, which transformers cannot build; expected one "
                          f"of: {', '.join(ROPE_TYPES)}")
        missing = [k for k in ROPE_TYPES[kind] if k not in d]
        if kind in ("yarn", "llama3", "longrope") and "original_max_position_embeddings" not in d \
                and "original_max_position_embeddings" not in f.raw.data and not (fills and "positions" in f.table):
            missing.append("original_max_position_embeddings")  # no max_position_embeddings to default it to
        if missing:
            raise f.error(f"field {key!r} with rope_type {kind!r} needs {', '.join(map(repr, missing))} "
                          "(transformers refuses it without)")
    return key, dicts


def check_rope_types(f, allowed, why: str) -> list[dict]:
    """Refuse a RoPE dict whose ``rope_type`` a family's config class does not accept (``why`` names the
    rule); returns the dicts."""
    key, dicts = _rope_dicts(f)
    for d in dicts:
        kind = _rope_kind(d)
        if kind not in allowed:
            raise f.error(f"field {key!r} has rope_type {kind!r}; {why}")
    return dicts


def _rope_fraction(f, key: str, dicts: list[dict]):
    """``partial_rotary_factor`` of the RoPE dict(s) (transformers reads it there first), or None."""
    given = {d["partial_rotary_factor"] for d in dicts if "partial_rotary_factor" in d}
    if not given:
        return None
    if len(given) > 1:
        raise f.error(f"field {key!r} has different partial_rotary_factor values per layer type: {sorted(given)}")
    value = given.pop()
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
        raise f.error(f"field {key!r} has partial_rotary_factor = {value!r}; expected a number in (0, 1]")
    return value


def check_rope_head_dim(f, *, absent: bool) -> None:
    """Dynamic, YaRN and LongRoPE tables size themselves by ``getattr(config, "head_dim", h / a)``: a config
    class that keeps ``head_dim = None`` (a null key; ``absent``: also its class default) fails there."""
    if f.raw.data.get("head_dim") is not None or ("head_dim" not in f.raw.data and not absent):
        return
    key, dicts = _rope_dicts(f)
    scaled = sorted({_rope_kind(d) for d in dicts} & {"dynamic", "yarn", "longrope"})
    if scaled:
        raise f.error(f"field {key!r} has rope_type {scaled[0]!r}, whose tables read config.head_dim, and this "
                      "family's config class leaves head_dim None (transformers fails); give head_dim explicitly")


def rotary(f, head_expr, head_value: int) -> RotaryPositions:
    """RoPE's inverse-frequency buffers (transformers' layout), over the rotated part of each
    head: ``int(head_dim · rotary_fraction)`` when only part rotates (NeoX ``rotary_pct``,
    Phi ``partial_rotary_factor``, or ``partial_rotary_factor`` in ``rope_parameters`` /
    ``rope_scaling``, which transformers reads first). The rotated part must be an even number
    of dimensions (RoPE turns pairs; transformers fails on an odd one), and a family whose
    attention rotates whole heads refuses a partial factor."""
    if "positions" in f.table:
        f.use("positions")
    key, dicts = _rope_dicts(f)
    in_dict = _rope_fraction(f, key, dicts)
    if "rotary_fraction" in f.table:
        fraction = f.fraction("rotary_fraction")
        if in_dict is not None and f.has("rotary_fraction") and in_dict != fraction:
            raise f.error(f"field {f.key('rotary_fraction')!r} = {fraction} and {key}.partial_rotary_factor = "
                          f"{in_dict} differ; keep one (transformers uses the latter)")
        fraction = fraction if in_dict is None else in_dict
    else:
        top = f.raw.data.get("partial_rotary_factor")
        fraction = in_dict if in_dict is not None else (1 if top is None else top)
        if fraction != 1:
            raise f.error(f"partial_rotary_factor = {fraction!r}: this family's attention rotates whole heads "
                          "(transformers would ignore it or fail); expected 1 or no partial_rotary_factor")
    rotated = head_value if fraction == 1 else int(head_value * fraction)
    if rotated < 2 or rotated % 2:
        what = "head_dim" if fraction == 1 else f"int(head_dim × {fraction}) with head_dim {head_value}"
        raise f.error(f"RoPE rotates pairs of dimensions, but {what} = {rotated} is "
                      f"{'odd' if rotated % 2 else 'below 2'}; expected an even rotary dimension")
    if fraction == 1:
        return RotaryPositions(s_max, head_expr, layout="inv_freq")
    return RotaryPositions(s_max, Integer(rotated), layout="inv_freq")


def window_size(f, field: str = "window") -> int | None:
    """The sliding window (bound to ``w``), or None without one (the field null or absent)."""
    if field not in f.table:
        return None
    size = f.size(field)
    if size is DERIVED:
        return None
    if size < 2:
        raise f.error(f"field {f.key(field)!r} = {size} must be at least 2 (or null for no window)")
    f.bind(w, size)
    return size


def dropout_sites(f) -> Dropout:
    """Where the model trains with dropout: the sites whose probability is above 0."""
    def on(site: str) -> bool:
        return f"drop_{site}" in f.table and f.probability(f"drop_{site}") > 0

    return Dropout(embedding=on("embedding"), attention=on("attention"), residual=on("residual"))


def norm(kind: str, width=h):
    """``"layer"``: LayerNorm (γ, β); ``"rms"``: RMSNorm (γ)."""
    return LayerNorm(width) if kind == "layer" else RMSNorm(width)


def head(f, width=h, *, bias: bool = False) -> OutputHead:
    """The output head, tied to the embedding as the config (or its class default) says."""
    return OutputHead(width, V, tied=f.flag("tie"), bias=bias)


LAYER_TYPES = ("sliding_attention", "full_attention")


def layer_kinds(f, default: list[str], allowed=LAYER_TYPES) -> list[str]:
    """Each layer's kind: the config's ``layer_types`` if given (checked: one entry per layer,
    each allowed), else the family's ``default``."""
    layers = f.size("layers")
    types = f.raw.data.get("layer_types")
    f.layer_types_read = True
    if types is None:
        return list(default)
    if not isinstance(types, list) or len(types) != layers or any(t not in allowed for t in types):
        raise f.error(f"field 'layer_types' = {types!r} must be a list of {layers} (num_hidden_layers) entries, "
                      f"each one of: {', '.join(allowed)}")
    return list(types)


def kind_stacks(f, kinds: list[str], block_for, *, local: str = "sliding_attention", symbol=l_local,
                names=("local", "global")) -> tuple[Stack, ...]:
    """The layers as counted stacks by kind: one stack ``block_for(kind)`` per kind present.

    Two kinds make ``symbol`` (bound to the number of ``local`` layers) and
    ``l - symbol`` layers; one kind makes ``l`` layers. Order is for display.
    """
    f.use("layers")
    n_local = kinds.count(local)
    if n_local == 0:
        return (Stack("block", l, block_for(_other(kinds, local))),)
    if n_local == len(kinds):
        return (Stack("block", l, block_for(local)),)
    f.bind(symbol, n_local)
    other = _other(kinds, local)
    return (Stack(names[0], symbol, block_for(local)), Stack(names[1], l - symbol, block_for(other)))


def _other(kinds: list[str], local: str) -> str:
    rest = sorted(set(kinds) - {local})
    return rest[0] if rest else "full_attention"


def decoder_of(f, *, name: str, title: str, embed, layers: tuple[Stack, ...], final, notes=(),
               parallel_residual: bool = False) -> Architecture:
    """``once("embedding", *embed)``, the layer stacks, ``once("head", *final)``; the sizes of
    ``hidden``, ``layers``, ``heads`` and ``vocab`` bound, dropout read from the config."""
    for key in ("hidden", "layers", "heads", "vocab"):
        f.use(key)
    return Architecture(name, title, (once("embedding", *embed), *layers, once("head", *final)), tuple(notes),
                        parallel_residual=parallel_residual, dropout=dropout_sites(f))


def check_padding(f, rows: str = "vocab") -> None:
    """``pad_token_id`` must be a row of the table built with it as ``padding_idx`` (the size field
    ``rows``): ``nn.Embedding`` asserts ``-rows <= padding_idx < rows``."""
    pad, n = f.token("pad"), f.size(rows)
    if pad is not None and isinstance(n, int) and not -n <= pad < n:
        raise f.error(f"field {f.key('pad')!r} = {pad} is not a row of the {n}-row table of {f.key(rows)!r} "
                      f"(transformers builds it as padding_idx and nn.Embedding refuses it); expected "
                      f"{-n} <= {f.key('pad')} < {n}, or null")


def _check_rope_config(f, dicts: list[dict], fills: bool) -> None:
    """What a config class that does not fill a RoPE dict in (``fills`` False: no ``rope_theta``) or has no
    ``max_position_embeddings`` refuses: llama3 / proportional without ``rope_theta``, llama3 / yarn
    checked against a ``max_position_embeddings`` it does not have."""
    names = {k for spec in f.table.values() for k in (spec.key, *spec.aliases)} | set(f.raw.data)
    for d in dicts:
        kind = _rope_kind(d)
        if kind in ("llama3", "proportional") and "rope_theta" not in d and not fills:
            raise f.error(f"RoPE rope_type {kind!r} needs 'rope_theta' in the dict: this family's config class has "
                          "no rope_theta to fill it in (transformers refuses it without)")
        if kind in ("llama3", "yarn") and "max_position_embeddings" not in names:
            raise f.error(f"RoPE rope_type {kind!r}: transformers checks it against max_position_embeddings, which "
                          "this family's config class does not have (it fails); expected another rope_type or none")


def check_config_keys(f, arch, fam) -> None:
    """What transformers reads from every config whatever the family, checked for every family
    (:func:`symparams.hf.build` calls it on each built architecture, with its family ``fam``): the RoPE
    dict (validated even without rotary positions, and by the family's config-class rules), ``pad_token_id`` against the token table where the family builds it as
    ``padding_idx``, and the keys its KV cache reads (``DynamicCache`` windows a layer from
    ``sliding_window`` / ``attention_chunk_size`` and ``layer_types``), refused where the family's
    attention does not read them and the model caches K and V: the cache would hold other tokens
    than the attention uses."""
    rotary = any(c.key == "rope" for c, _ in arch.parts())
    fills = rotary if fam.rope_theta is None else fam.rope_theta
    _check_rope_config(f, _rope_dicts(f, fills)[1], fills)
    if "pad" in f.table:
        check_padding(f)
    if fam.heads_divide_hidden and f.size("hidden") % f.size("heads"):
        raise f.error(f"field {f.key('hidden')!r} = {f.size('hidden')} is not divisible by {f.key('heads')!r} = "
                      f"{f.size('heads')}: this family's config class refuses it even with a head_dim; expected "
                      "hidden_size % num_attention_heads == 0")
    layers = [st for st in arch.stacks]
    if not any(getattr(c, "is_cached", False) for st in layers for c in st.block):
        return  # nothing cached (an encoder): no cache to disagree with the attention
    data = f.raw.data
    read = {key for spec in f.table.values() for key in (spec.key, *spec.aliases)}
    for key in ("sliding_window", "attention_chunk_size"):
        if key not in read:
            if data.get(key) is not None:
                raise f.error(f"field {key!r} = {data[key]!r}: this family has no sliding-window or chunked "
                              "attention, but transformers' KV cache would keep only the last tokens of each layer; "
                              f"expected no {key} (or null)")
    types = data.get("layer_types")
    if types is not None and not getattr(f, "layer_types_read", False):
        windowed_ = any(getattr(c, "mask", "") == "window" for st in layers for c in st.block)
        expected = "sliding_attention" if windowed_ else "full_attention"
        if not isinstance(types, list) or any(t != expected for t in types):
            raise f.error(f"field 'layer_types' = {types!r}: this family does not read it, but transformers' KV "
                          f"cache would; expected no layer_types, or every entry {expected!r}")


def describe(kv_expr, mlp, tied: bool) -> str:
    """The part of a family title that depends on the config: attention kind, MLP, head tying."""
    kind = "multi-head" if kv_expr == a else ("multi-query" if kv_expr == 1 else "grouped-query")
    return f"{kind} attention; {mlp.label}; {'tied' if tied else 'untied'} output head"



def pre_norm(norm_, attention, mlp, *, qk_norms=()) -> tuple:
    """A pre-norm layer: ``norm → attention (→ Q/K norms) → norm → MLP`` (two norms of the same kind)."""
    return (norm_, attention, *qk_norms, norm_, mlp)


def windowed(attention, size: int | None, mask: str = "window"):
    """``attention`` with a sliding window of ``w`` (bound by :func:`window_size`), or unchanged
    without one."""
    if size is None:
        return attention
    return replace(attention, mask=mask, window=w)


def mask_for(kind: str, attention):
    """The attention of a layer of ``kind`` (``layer_types`` entry): windowed for
    ``sliding_attention`` (the window ``w`` must be bound), causal for ``full_attention``."""
    return replace(attention, mask="window", window=w) if kind == "sliding_attention" else attention


def window_notes(kinds: list[str], window: int | None) -> tuple[str, ...]:
    """What a derivation says about windowed layers."""
    if window is None or "sliding_attention" not in kinds:
        return ()
    local = kinds.count("sliding_attention")
    where = "every layer" if local == len(kinds) else f"{local} of {len(kinds)} layers (l_local)"
    return (f"sliding-window attention (w = {window}) on {where}: the KV cache of those layers holds at most "
            "w − 1 tokens (as transformers' sliding-window cache); parameters unaffected; FLOPs dense under "
            "FlopCounterMode, the window's pairs under masked counting",)
