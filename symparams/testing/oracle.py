"""Ground-truth oracle built on PyTorch + Hugging Face ``transformers``.

Everything here answers "what does the reference implementation actually do?"
for a model described by a plain ``config.json`` dict, without any weights and
without any network access:

* :func:`hf_param_count` / :func:`hf_buffer_count` build the model on the
  ``meta`` device (no memory is allocated, so a 47B-parameter Mixtral takes a
  fraction of a second) and count ``model.parameters()`` (tied weights are
  counted once, because ``parameters()`` de-duplicates) and ``model.buffers()``.
* :func:`hf_forward_flops` / :func:`hf_forward_flops_by_op` /
  :func:`hf_forward_flops_by_module` run one forward pass under
  :class:`torch.utils.flop_counter.FlopCounterMode` with the model built under
  ``FakeTensorMode`` (shapes only; the ``meta`` device does not work for a
  forward pass with current transformers), or with a tiny real model on CPU.
* :func:`hf_kv_cache_elements` counts the elements held in the KV cache after a
  prefill of ``seq`` tokens.
* :func:`shrink_config` turns a real-size config into a small one of the same
  family/structure, for the FLOP and KV tests.

``torch`` and ``transformers`` are imported lazily inside the functions: the
``symparams`` package itself must stay importable without them.

FLOP conventions are those of ``FlopCounterMode``: one multiply-add = 2 FLOPs,
only matmul-like ATen ops are counted (``mm``, ``addmm``, ``bmm``,
``baddbmm``, convolutions, GPU SDPA kernels, ``_scaled_mm``).  Element-wise
ops, softmax, norms, activations are *not* counted.  ``aten._grouped_mm`` (used
by transformers 5 for MoE experts by default) is not counted by torch; this
module adds a formula for it (``2 * rows * K * N``), see
:func:`_grouped_mm_flop`.
"""

from __future__ import annotations

import copy
import math
from typing import Any

from symparams.testing.oracle_inputs import inputs as _inputs, model_class as _model_class
from symparams.testing.oracle_inputs import untie_like_checkpoint as _untie_like_checkpoint
from symparams.testing.oracle_inputs import values_not_initialised as _values_not_initialised

__all__ = [
    "build_hf_config",
    "hf_param_count",
    "hf_buffer_count",
    "hf_buffers",
    "hf_forward_flops",
    "hf_forward_flops_by_op",
    "hf_forward_flops_by_module",
    "hf_kv_cache_elements",
    "hf_kv_cache_shapes",
    "hf_kv_cache_split",
    "shrink_config",
]

def _family(config: dict):
    from symparams.families import FAMILIES

    return FAMILIES.get(config.get("model_type"))


def _is_moe(config: dict) -> bool:
    """Routing is data dependent (top-k experts): the family says so."""
    fam = _family(config)
    return fam is not None and fam.moe


# keys of a published config.json that only describe the checkpoint / hub and
# that we drop before building a config object (they are harmless, but
# ``torch_dtype`` is renamed ``dtype`` in transformers 5 and would make
# ``from_config`` pick half precision on some versions).
_DROP_KEYS = ("_name_or_path", "transformers_version", "torch_dtype", "dtype")


# ---------------------------------------------------------------------------
# config construction
# ---------------------------------------------------------------------------


def build_hf_config(config: dict, **extra: Any):
    """Build a ``transformers`` config object from a ``config.json`` dict.

    Uses ``AutoConfig.for_model(model_type, **rest)`` -- never the hub.
    ``extra`` keyword arguments are added to the config (e.g.
    ``experts_implementation="eager"``).
    """
    from transformers import AutoConfig

    d = dict(copy.deepcopy(config))
    try:
        model_type = d.pop("model_type")
    except KeyError:  # pragma: no cover - defensive
        raise ValueError("config dict has no 'model_type'") from None
    for k in _DROP_KEYS:
        d.pop(k, None)
    # auto_map points at remote code we never execute: AutoModelForCausalLM
    # must use the in-library class for ``model_type``.
    d.pop("auto_map", None)
    d.update(extra)
    return AutoConfig.for_model(model_type, **d)


def _build_model(
    config: dict,
    *,
    attn_implementation: str = "eager",
    experts_implementation: str | None = None,
    dtype: Any = None,
    head: bool = False,
):
    cfg = build_hf_config(config)
    fam = _family(config)
    if fam is not None and fam.text_config:  # a multimodal wrapper: the text model the family counts
        cfg = cfg.get_text_config()
    import torch

    kwargs: dict[str, Any] = {"attn_implementation": attn_implementation, "dtype": dtype or torch.float32}
    if experts_implementation is not None:
        kwargs["experts_implementation"] = experts_implementation
    cls = _model_class(config, head)
    model = cls.from_config(cfg, **kwargs) if cls.__name__.startswith("Auto") else cls._from_config(cfg, **kwargs)
    if head:  # the model with its head, as loading the checkpoint gives it
        _untie_like_checkpoint(model, config)
    model.eval()
    return model


def _meta_model(config: dict, head: bool = False):
    import torch

    with torch.device("meta"):
        return _build_model(config, head=head)


# ---------------------------------------------------------------------------
# parameters and buffers
# ---------------------------------------------------------------------------


def hf_param_count(config: dict, *, head: bool = False) -> int:
    """Number of parameters of ``AutoModelForCausalLM.from_config(config)`` (the family's
    ``auto_class``: ``AutoModel`` for an encoder), or with ``head`` of its ``head_class``
    (``BertForPreTraining``, ``T5ForConditionalGeneration``, ...).

    Built on the ``meta`` device.  Tied weights (e.g. GPT-2, Gemma,
    Llama-3.2-1B, Qwen2-0.5B ``lm_head`` = ``embed_tokens``) count once.
    """
    model = _meta_model(config, head)
    return int(sum(p.numel() for p in model.parameters()))


def hf_buffers(config: dict) -> dict[str, int]:
    """``{buffer name: numel}`` for every buffer (persistent or not)."""
    model = _meta_model(config)
    persistent = set(model.state_dict().keys())
    out: dict[str, int] = {}
    for name, b in model.named_buffers():
        tag = "" if name in persistent else " (non-persistent)"
        out[name + tag] = int(b.numel())
    return out


def hf_buffer_count(config: dict) -> int:
    """Total number of buffer elements (``sum(b.numel() for b in model.buffers())``).

    In transformers 5 these are the rotary ``inv_freq`` / ``original_inv_freq``
    (non-persistent) and Gemma's ``normalizer`` scalar; GPT-2's causal-mask
    ``bias`` buffer no longer exists.
    """
    model = _meta_model(config)
    return int(sum(b.numel() for b in model.buffers()))


# ---------------------------------------------------------------------------
# FLOPs
# ---------------------------------------------------------------------------


def _grouped_mm_flop(a_shape, b_shape, *args, out_shape=None, **kwargs) -> int:
    """FLOPs of ``aten._grouped_mm(a (S, K), b (E, K, N), offs)``.

    Each of the S routed rows is multiplied by exactly one (K, N) expert
    matrix (rows past ``offs[-1]`` are skipped by the kernel; with no expert
    parallelism ``offs[-1] == S``), so the count is ``2 * S * K * N``.
    """
    if len(a_shape) == 2 and len(b_shape) == 3:
        s, k = a_shape
        n = b_shape[-1]
        return 2 * s * k * n
    # 3D x 3D (batched) or 2D x 2D (offs over K) layouts: use the output
    if out_shape is not None:
        k = a_shape[-1]
        return 2 * math.prod(out_shape) * k
    raise NotImplementedError(f"_grouped_mm with shapes {a_shape} x {b_shape}")


def _custom_flop_mapping() -> dict:
    import torch

    mapping = {}
    aten = torch.ops.aten
    if hasattr(aten, "_grouped_mm"):
        # FlopCounterMode wraps custom_mapping entries with shape_wrapper itself
        mapping[aten._grouped_mm] = _grouped_mm_flop
    return mapping


def _run_forward(config: dict, batch: int, seq: int, *, mode: str, use_cache: bool, count_flops: bool,
                 head: bool = False, s_enc: int | None = None):
    """Run one forward pass; return (flop_counter or None, model output)."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    if mode not in ("fake", "real"):
        raise ValueError("mode must be 'fake' or 'real'")
    experts = "eager" if mode == "real" else None  # fake: default grouped_mm path (static shapes)

    def _forward(model):
        inputs = _inputs(model, batch, seq, s_enc, use_cache)
        fc = FlopCounterMode(display=False, custom_mapping=_custom_flop_mapping()) if count_flops else None
        with torch.no_grad():
            if fc is not None:
                with fc:
                    out = model(**inputs)
            else:
                out = model(**inputs)
        return fc, out

    if mode == "real":
        torch.manual_seed(0)
        model = _build_model(config, experts_implementation=experts, head=head)
        return _forward(model)

    from torch._subclasses.fake_tensor import FakeTensorMode

    # aten._grouped_mm (the default MoE experts path in transformers 5) only
    # has a bf16 meta kernel on CPU; FLOP counts do not depend on the dtype.
    dtype = torch.bfloat16 if _is_moe(config) else torch.float32
    fake = FakeTensorMode(allow_non_fake_inputs=True)
    with fake, _values_not_initialised():
        model = _build_model(config, dtype=dtype, head=head)
    with fake:
        return _forward(model)


def _default_mode(config: dict) -> str:
    """Fake tensors, except for MoE configs the grouped-matmul kernel cannot take.

    ``aten._grouped_mm`` (Mixtral's experts) needs strides that are multiples of
    16 bytes: in bf16, sizes that are multiples of 8. Configs that break this
    are tiny test configs, which run on real CPU tensors instead.
    """
    if _is_moe(config):
        text = config.get("text_config") if isinstance(config.get("text_config"), dict) else config
        sizes = tuple(text.get(key, 8) for key in ("hidden_size", "intermediate_size", "moe_intermediate_size"))
        if any(isinstance(d, int) and d % 8 for d in sizes):
            return "real"
    return "fake"


def _op_name(op) -> str:
    name = str(op)
    return name[len("aten.") :] if name.startswith("aten.") else name


def hf_forward_flops_by_module(config: dict, batch: int, seq: int, *, mode: str | None = None, head: bool = False,
                               s_enc: int | None = None) -> dict[str, dict[str, int]]:
    """``{module path: {op: flops}}`` as reported by ``FlopCounterMode``.

    ``"Global"`` holds the model totals; other keys are dotted module paths
    (e.g. ``"LlamaForCausalLM.lm_head"``).  Counts of a parent module include
    its children.
    """
    fc, _ = _run_forward(config, batch, seq, mode=mode or _default_mode(config), use_cache=False, count_flops=True,
                         head=head, s_enc=s_enc)
    counts = fc.get_flop_counts()
    return {mod: {_op_name(op): int(v) for op, v in ops.items()} for mod, ops in counts.items()}


def hf_forward_flops_by_op(config: dict, batch: int, seq: int, *, mode: str | None = None, head: bool = False,
                           s_enc: int | None = None) -> dict[str, int]:
    """Per-op FLOP totals of one forward pass (``{"mm": ..., "bmm": ...}``)."""
    by_mod = hf_forward_flops_by_module(config, batch, seq, mode=mode, head=head, s_enc=s_enc)
    return dict(sorted(by_mod.get("Global", {}).items()))


def hf_forward_flops(config: dict, batch: int, seq: int, *, mode: str | None = None, head: bool = False,
                     s_enc: int | None = None) -> int:
    """Total FLOPs (``FlopCounterMode.get_total_flops()``) of one forward pass.

    ``input_ids`` of shape ``(batch, seq)``, ``use_cache=False``,
    ``attn_implementation="eager"``, no attention mask.  ``mode="fake"``
    (default) builds the model under ``FakeTensorMode`` (any size works);
    ``mode="real"`` builds a real float32 model on CPU (use small configs) and,
    for MoE models, the eager per-expert loop instead of ``grouped_mm``.  Both
    give the same count: every token is routed to exactly ``top_k`` distinct
    experts, whatever the weights.

    ``head``: the family's ``head_class`` instead of its base model. An
    encoder-decoder reads ``s_enc`` encoder tokens and ``seq`` decoder tokens; a
    vision model ``seq − 1`` patches and its [CLS] token.
    """
    fc, _ = _run_forward(config, batch, seq, mode=mode or _default_mode(config), use_cache=False, count_flops=True,
                         head=head, s_enc=s_enc)
    return int(fc.get_total_flops())


# ---------------------------------------------------------------------------
# KV cache
# ---------------------------------------------------------------------------


def _cache_tensors(cache) -> list[tuple[Any, Any]]:
    """[(keys, values)] per layer, across transformers cache layouts (an encoder-decoder's
    self-attention layers, then its cross-attention layers; none when nothing is cached)."""
    if cache is None:
        return []
    if hasattr(cache, "self_attention_cache"):  # EncoderDecoderCache
        return _cache_tensors(cache.self_attention_cache) + _cache_tensors(cache.cross_attention_cache)
    layers = getattr(cache, "layers", None)
    if layers is not None:  # transformers >= 4.56 / 5.x Cache
        return [(getattr(l, "keys", None), getattr(l, "values", None)) for l in layers]
    if hasattr(cache, "key_cache"):  # older DynamicCache
        return list(zip(cache.key_cache, cache.value_cache))
    return [tuple(x) for x in cache]  # legacy tuple of tuples


def hf_kv_cache_shapes(config: dict, batch: int, seq: int, *, mode: str | None = None,
                       s_enc: int | None = None) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """Shapes ``[(key shape, value shape)]`` of each layer's cache after a prefill (for an
    encoder-decoder, after encoding ``s_enc`` tokens and decoding ``seq``: the self-attention
    layers, then the cross-attention layers)."""
    _, out = _run_forward(config, batch, seq, mode=mode or _default_mode(config), use_cache=True, count_flops=False,
                          s_enc=s_enc)
    res = []
    for k, v in _cache_tensors(getattr(out, "past_key_values", None)):
        res.append((tuple(k.shape) if k is not None else (), tuple(v.shape) if v is not None else ()))
    return res


def hf_kv_cache_elements(config: dict, batch: int, seq: int, *, mode: str | None = None,
                         s_enc: int | None = None) -> int:
    """Total number of elements in the KV cache after a prefill of ``seq`` tokens.

    Runs ``model(input_ids, use_cache=True)`` and sums ``numel`` of every
    layer's key and value tensors in ``past_key_values`` (a ``DynamicCache``).
    Multiply by the element size for bytes.  Note: for a sliding-window layer
    (Mistral with ``sliding_window`` set) transformers 5 keeps at most
    ``sliding_window - 1`` tokens after the prefill (see ORACLE_NOTES.md).
    """
    shapes = hf_kv_cache_shapes(config, batch, seq, mode=mode, s_enc=s_enc)
    return int(sum(math.prod(k) + math.prod(v) for k, v in shapes if k and v))


def hf_kv_cache_split(config: dict, batch: int, seq: int, *, s_enc: int, mode: str | None = None) -> dict[str, int]:
    """An encoder-decoder's cache after encoding ``s_enc`` tokens and decoding ``seq``:
    ``{"self": elements of the decoder's self-attention cache, "cross": of its cross-attention cache}``."""
    _, out = _run_forward(config, batch, seq, mode=mode or _default_mode(config), use_cache=True, count_flops=False,
                          s_enc=s_enc)
    cache = out.past_key_values

    def elements(part):
        return int(sum(k.numel() + v.numel() for k, v in _cache_tensors(part) if k is not None and v is not None))

    return {"self": elements(cache.self_attention_cache), "cross": elements(cache.cross_attention_cache)}


# ---------------------------------------------------------------------------
# shrinking real configs
# ---------------------------------------------------------------------------

def _keys(config: dict) -> dict[str, str | None]:
    """The config's own key for each size ``shrink_config`` changes, from the family's field table
    (the first of a field's key and aliases present in ``config``); ``None`` where the family has no
    such field. Learned position tables (``pos``) are shrunk; rotary families keep their context."""
    from symparams.hf import from_hf_config

    fields = _family(config).fields

    def key(name):
        spec = fields.get(name)
        if spec is None:
            return None
        return next((k for k in (spec.key, *spec.aliases) if k in config), spec.key)

    learned = bool(from_hf_config(config).architecture.components("positions"))
    return dict(hidden=key("hidden"), layers=key("layers"), heads=key("heads"), kv=key("kv_heads"),
                inter=key("ffn"), pos=key("positions") if learned else None)


def _round_to(x: float, m: int) -> int:
    return max(m, int(round(x / m)) * m)


def _partial_rotary_factor(config: dict) -> float | None:
    for k in ("partial_rotary_factor", "rotary_pct"):
        if config.get(k) is not None and float(config[k]) != 1.0:
            return float(config[k])
    rp = config.get("rope_parameters")
    if isinstance(rp, dict) and rp.get("partial_rotary_factor") not in (None, 1.0):
        return float(rp["partial_rotary_factor"])
    return None


def shrink_config(
    config: dict,
    *,
    layers: int = 2,
    heads: int | None = None,
    kv_heads: int | None = None,
    head_dim: int | None = None,
    vocab: int = 256,
    positions: int = 128,
    **overrides: Any,
) -> dict:
    """A small config of the same family and structure as ``config``.

    Keeps: ``model_type``; GQA/MQA ratio (``heads / kv_heads``, at most 2 KV
    heads kept); an explicit ``head_dim`` that differs from ``hidden / heads``
    (Gemma-7B: 256 vs 192 -> same ratio ``hidden / (heads * head_dim)``); the
    MLP ratio ``intermediate / hidden``; MoE expert count and top-k;
    partial-rotary fractions (``head_dim`` chosen so ``fraction * head_dim`` is
    an even integer); tied/untied embeddings, biases, parallel blocks,
    rope scaling, sliding-window flags; OPT's ``word_embed_proj_dim`` ratio.

    Shrinks: layers (2), heads (<= 4 query heads for MHA, else ``kv * ratio``),
    ``head_dim`` (32, or 40 for a 0.4 partial rotary), hidden size, vocabulary
    (256; bos/eos/pad ids clamped into it), learned position tables (128).

    ``overrides`` are raw config keys applied last (e.g.
    ``sliding_window=8``, ``num_local_experts=4``).
    """
    c = copy.deepcopy(dict(config))
    fam = _family(c)
    if fam is not None and fam.text_config and isinstance(c.get("text_config"), dict):
        # a multimodal wrapper: shrink the text model it nests (under the wrapper's model_type)
        nested = dict(c["text_config"])
        built = build_hf_config(c).get_text_config()  # the sizes transformers fills in from its class defaults
        for spec in _family({"model_type": fam.text_config}).fields.values():
            if spec.kind == "size" and spec.key not in nested and getattr(built, spec.key, None) is not None:
                nested[spec.key] = getattr(built, spec.key)
        text = shrink_config({**nested, "model_type": fam.text_config}, layers=layers, heads=heads,
                             kv_heads=kv_heads, head_dim=head_dim, vocab=vocab, positions=positions, **overrides)
        if "model_type" not in nested:
            text.pop("model_type")
        c["text_config"] = text
        return c
    mt = c.get("model_type")
    keys = _keys(c)
    hk, lk, nk, kvk, ik, pk = (keys[x] for x in ("hidden", "layers", "heads", "kv", "inter", "pos"))

    hidden0 = int(c[hk])
    heads0 = int(c[nk])

    # --- KV heads as the family will build them ---
    if mt == "falcon":
        if c.get("new_decoder_architecture"):
            kv0 = int(c.get("num_kv_heads") or heads0)
        elif c.get("multi_query", True):
            kv0 = 1
        else:
            kv0 = heads0
    elif kvk is not None and c.get(kvk) is not None:
        kv0 = int(c[kvk])
    else:
        kv0 = heads0
    ratio = heads0 // kv0 if kv0 and heads0 % kv0 == 0 else 1

    if kv0 == heads0:  # MHA
        heads = heads if heads is not None else (kv_heads if kv_heads is not None else min(heads0, 4))
        kv_heads = heads
    elif kv0 == 1:  # MQA
        kv_heads = 1
        heads = heads if heads is not None else min(heads0, 4)
    else:  # GQA: keep the ratio
        if heads is not None and kv_heads is None:
            kv_heads = max(1, heads // ratio)
        kv_heads = kv_heads if kv_heads is not None else min(kv0, 2)
        heads = heads if heads is not None else kv_heads * ratio

    # --- head dim ---
    prf = _partial_rotary_factor(c)
    if head_dim is None:
        head_dim = 32
        if prf is not None:
            for cand in range(32, 257, 8):
                r = prf * cand
                if abs(r - round(r)) < 1e-9 and int(round(r)) % 2 == 0 and int(round(r)) > 0:
                    head_dim = cand
                    break

    explicit_hd = c.get("head_dim")
    if explicit_hd is not None and int(explicit_hd) * heads0 != hidden0:
        hidden = _round_to(hidden0 / (heads0 * int(explicit_hd)) * heads * head_dim, 8)
    else:
        hidden = heads * head_dim
    if explicit_hd is not None:
        c["head_dim"] = head_dim

    c[hk] = hidden
    c[nk] = heads
    c[lk] = layers
    if mt == "falcon":
        if c.get("new_decoder_architecture") or c.get("num_kv_heads") is not None:
            c["num_kv_heads"] = kv_heads if (c.get("new_decoder_architecture") or not c.get("multi_query", True)) else heads
    elif kvk is not None and (c.get(kvk) is not None or kv_heads != heads):
        c[kvk] = kv_heads

    # --- MLP width ---
    if ik is not None and c.get(ik) is not None:
        c[ik] = _round_to(int(c[ik]) / hidden0 * hidden, 8)
    # MoE expert MLP widths in other families
    for k in ("moe_intermediate_size", "shared_expert_intermediate_size", "intermediate_size"):
        if k != ik and c.get(k) is not None:
            c[k] = _round_to(int(c[k]) / hidden0 * hidden, 8)

    # --- OPT projection dim ---
    if mt == "opt" and c.get("word_embed_proj_dim") is not None:
        c["word_embed_proj_dim"] = _round_to(int(c["word_embed_proj_dim"]) / hidden0 * hidden, 8)

    # --- vocab and special ids ---
    c["vocab_size"] = vocab
    for k in ("bos_token_id", "eos_token_id", "pad_token_id", "decoder_start_token_id"):
        v = c.get(k)
        if isinstance(v, int) and v >= vocab:
            c[k] = vocab - 1
        elif isinstance(v, list):
            c[k] = [x if x < vocab else vocab - 1 for x in v]

    # --- learned position tables ---
    if pk is not None and c.get(pk) is not None:
        c[pk] = positions
        if mt == "gpt2" and c.get("n_ctx") is not None:
            c["n_ctx"] = positions

    # --- sliding window bookkeeping (Qwen2) ---
    if c.get("max_window_layers") is not None:
        c["max_window_layers"] = min(int(c["max_window_layers"]), layers)
    if isinstance(c.get("layer_types"), list):
        c["layer_types"] = c["layer_types"][:layers]
    # --- GPT-J's rotary_dim: the same fraction of the (shrunk) head, even ---
    if mt == "gptj" and isinstance(c.get("rotary_dim"), int):
        head0, head1 = hidden0 // heads0, hidden // heads
        c["rotary_dim"] = min(head1 - head1 % 2, max(2, 2 * round(c["rotary_dim"] * head1 / head0 / 2)))
    # --- per-layer lists and dense-then-MoE layers (DeepSeek, Qwen-MoE, Llama 4) ---
    for key in ("no_rope_layers",):
        if isinstance(c.get(key), list) and c[key]:
            c[key] = c[key][:layers]
    for key in ("mlp_only_layers", "moe_layers"):
        if isinstance(c.get(key), list):
            c[key] = [i for i in c[key] if isinstance(i, int) and i < layers]
    if isinstance(c.get("first_k_dense_replace"), int) and c["first_k_dense_replace"] >= layers:
        c["first_k_dense_replace"] = layers - 1

    _sync_aliases(c, {hk: hidden, nk: heads, lk: layers})
    c.update(overrides)
    return c


def _sync_aliases(config: dict, written: dict) -> None:
    """Give every other name of a shrunk field (its aliases present in ``config``, e.g. BART's
    ``encoder_layers`` beside ``num_hidden_layers``) the shrunk value, so that the names agree."""
    fam = _family(config)
    if fam is None:
        return
    for spec in fam.fields.values():
        names = (spec.key, *spec.aliases)
        for key, value in written.items():
            if key in names:
                for other in names:
                    if other in config:
                        config[other] = value
