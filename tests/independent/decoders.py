"""The Hugging Face decoder families of the first round, read from ``config.json`` with each
config class's defaults, tensor by tensor as transformers' modeling files allocate them."""

from __future__ import annotations

from independent.classic import gpt2_tensors
from independent.shapes import kv_cache_elements, layernorm as _layernorm, linear as _linear

__all__ = ["MODEL_TYPES", "tensors", "matmuls", "kv_elements", "layer_windows"]

MODEL_TYPES = ("bloom", "falcon", "gemma", "gemma2", "gpt2", "gpt_bigcode", "gpt_neox", "llama", "mistral",
               "mixtral", "olmo2", "opt", "phi", "qwen2", "qwen2_moe", "qwen3", "stablelm", "starcoder2")

_DEFAULT_TIE = {"bloom": True, "gpt2": True, "opt": True, "gemma": True, "gemma2": True, "falcon": True, "starcoder2": True, "gpt_bigcode": True}
_DEFAULT_KV = {"qwen2_moe": 16, "stablelm": 32, "mistral": 8, "mixtral": 8, "qwen2": 32, "gemma": 16, "gemma2": 4, "qwen3": 32, "starcoder2": 2}  # config classes


def _get(cfg, key, default=None):
    value = cfg.get(key)
    return default if value is None else value


def _hf_sizes(cfg):
    mt = cfg["model_type"]
    if mt in ("gpt2", "gpt_bigcode"):
        h, l, a = cfg["n_embd"], cfg["n_layer"], cfg["n_head"]
        inner = _get(cfg, "n_inner", 4 * h)
    elif mt == "bloom":  # BloomConfig: n_embed overrides hidden_size; BloomMLP is always 4·hidden
        h, l, a = _get(cfg, "n_embed", cfg.get("hidden_size")), cfg["n_layer"], cfg["n_head"]
        inner = 4 * h
    else:
        h, l, a = cfg["hidden_size"], cfg["num_hidden_layers"], cfg["num_attention_heads"]
        inner = {"opt": cfg.get("ffn_dim"), "falcon": _get(cfg, "ffn_hidden_size", 4 * h),
                 "qwen2_moe": cfg.get("moe_intermediate_size")}.get(mt, cfg.get("intermediate_size"))
    head_dim = _get(cfg, "head_dim", h // a)
    if mt in ("gemma", "gemma2", "qwen3"):
        head_dim = _get(cfg, "head_dim", {"gemma": 256, "gemma2": 256, "qwen3": 128}[mt])
    if mt == "falcon":
        if cfg.get("new_decoder_architecture"):
            kv = _get(cfg, "num_kv_heads", a)
        else:
            kv = 1 if cfg.get("multi_query", True) else a
    elif mt in ("gpt2", "opt", "gpt_neox", "bloom"):
        kv = a
    elif mt == "gpt_bigcode":
        kv = 1 if _get(cfg, "multi_query", True) else a
    else:
        kv = _get(cfg, "num_key_value_heads", _DEFAULT_KV.get(mt, a))
    tie = _get(cfg, "tie_word_embeddings", _DEFAULT_TIE.get(mt, False))
    return h, l, a, inner, head_dim, kv, tie, cfg["vocab_size"]


def tensors(cfg) -> dict[str, tuple[int, ...]]:
    """Named trainable tensors of ``AutoModelForCausalLM.from_config(cfg)`` (tied once)."""
    mt = cfg["model_type"]
    if mt == "gpt2":
        return gpt2_tensors(l=cfg["n_layer"], h=cfg["n_embd"], a=cfg["n_head"], V=cfg["vocab_size"],
                            s_max=cfg["n_positions"], d_ff=cfg.get("n_inner"))
    h, l, a, inner, hd, kv, tie, V = _hf_sizes(cfg)
    t: dict[str, tuple[int, ...]] = {}
    if mt == "opt":
        proj = _get(cfg, "word_embed_proj_dim", h)
        t["embed_tokens"] = (V, proj)
        t["embed_positions"] = (cfg["max_position_embeddings"] + 2, h)
        if proj != h:
            t["project_out"], t["project_in"] = (proj, h), (h, proj)
        bias = _get(cfg, "enable_bias", True)
        affine = _get(cfg, "layer_norm_elementwise_affine", True)
        for i in range(l):
            p = f"layers.{i}"
            for name in ("q_proj", "k_proj", "v_proj", "out_proj"):
                t.update(_linear(f"{p}.{name}", h, h, bias))
            for ln in ("self_attn_layer_norm", "final_layer_norm"):
                if affine:
                    t.update(_layernorm(f"{p}.{ln}", h))
            t.update(_linear(f"{p}.fc1", h, inner, bias))
            t.update(_linear(f"{p}.fc2", inner, h, bias))
        if _get(cfg, "do_layer_norm_before", True) and not cfg.get("_remove_final_layer_norm", False):
            if affine:
                t.update(_layernorm("final_layer_norm", h))
        if not tie:
            t["lm_head"] = (V, proj)
        return t
    if mt == "gpt_bigcode":  # GPTBigCodeForCausalLM: nn.Linear (out, in), fused c_attn of h + 2·kv·head_dim
        t["transformer.wte.weight"] = (V, h)
        t["transformer.wpe.weight"] = (cfg["n_positions"], h)
        for i in range(l):
            p = f"transformer.h.{i}"
            t.update(_layernorm(f"{p}.ln_1", h))
            t.update(_linear(f"{p}.attn.c_attn", h, h + 2 * kv * hd, True))
            t.update(_linear(f"{p}.attn.c_proj", h, h, True))
            t.update(_layernorm(f"{p}.ln_2", h))
            t.update(_linear(f"{p}.mlp.c_fc", h, inner, True))
            t.update(_linear(f"{p}.mlp.c_proj", inner, h, True))
        t.update(_layernorm("transformer.ln_f", h))
        if not tie:
            t["lm_head.weight"] = (V, h)
        return t
    if mt == "bloom":  # BloomForCausalLM: LayerNorm after the embedding, fused query_key_value, no position table
        t["transformer.word_embeddings.weight"] = (V, h)
        t.update(_layernorm("transformer.word_embeddings_layernorm", h))
        for i in range(l):
            p = f"transformer.h.{i}"
            t.update(_layernorm(f"{p}.input_layernorm", h))
            t.update(_linear(f"{p}.self_attention.query_key_value", h, 3 * h, True))
            t.update(_linear(f"{p}.self_attention.dense", h, h, True))
            t.update(_layernorm(f"{p}.post_attention_layernorm", h))
            t.update(_linear(f"{p}.mlp.dense_h_to_4h", h, inner, True))
            t.update(_linear(f"{p}.mlp.dense_4h_to_h", inner, h, True))
        t.update(_layernorm("transformer.ln_f", h))
        if not tie:
            t["lm_head.weight"] = (V, h)
        return t
    t["embed"] = (V, h)
    rms = mt in ("llama", "mistral", "mixtral", "qwen2", "qwen2_moe", "gemma", "gemma2", "qwen3", "olmo2")
    for i in range(l):
        p = f"layers.{i}"
        if rms:
            if mt == "olmo2":  # Olmo2DecoderLayer: norms after attention and after the MLP, none before
                t[f"{p}.post_feedforward_layernorm"] = (h,)
                t[f"{p}.self_attn.q_norm"], t[f"{p}.self_attn.k_norm"] = (a * hd,), (kv * hd,)
            else:
                t[f"{p}.input_layernorm"] = (h,)
            t[f"{p}.post_attention_layernorm"] = (h,)
            if mt == "gemma2":  # Gemma2DecoderLayer: also pre- and post-feedforward norms
                t[f"{p}.pre_feedforward_layernorm"] = (h,)
                t[f"{p}.post_feedforward_layernorm"] = (h,)
            biased = mt in ("llama", "qwen3", "gemma2", "olmo2")
            qkv_bias = {"qwen2": True, "qwen2_moe": _get(cfg, "qkv_bias", True)}.get(
                mt, bool(cfg.get("attention_bias", False)) if biased else False)
            o_bias = bool(cfg.get("attention_bias", False)) if biased else False
            t.update(_linear(f"{p}.q_proj", h, a * hd, qkv_bias))
            t.update(_linear(f"{p}.k_proj", h, kv * hd, qkv_bias))
            t.update(_linear(f"{p}.v_proj", h, kv * hd, qkv_bias))
            t.update(_linear(f"{p}.o_proj", a * hd, h, o_bias))
            if mt == "qwen3":  # Qwen3RMSNorm(head_dim) on every Q and K head
                t[f"{p}.q_norm"], t[f"{p}.k_norm"] = (hd,), (hd,)
            if mt in ("mixtral", "qwen2_moe"):
                E = cfg["num_local_experts" if mt == "mixtral" else "num_experts"]
                t[f"{p}.gate"] = (E, h)
                t[f"{p}.experts.gate_up_proj"] = (E, 2 * inner, h)
                t[f"{p}.experts.down_proj"] = (E, h, inner)
                if mt == "qwen2_moe":  # Qwen2MoeSparseMoeBlock: a shared SwiGLU expert and its h → 1 gate
                    shared = cfg["shared_expert_intermediate_size"]
                    t.update(_linear(f"{p}.shared_expert.gate_proj", h, shared, False))
                    t.update(_linear(f"{p}.shared_expert.up_proj", h, shared, False))
                    t.update(_linear(f"{p}.shared_expert.down_proj", shared, h, False))
                    t.update(_linear(f"{p}.shared_expert_gate", h, 1, False))
            else:
                mlp_bias = bool(cfg.get("mlp_bias", False)) if mt == "llama" else False
                t.update(_linear(f"{p}.gate_proj", h, inner, mlp_bias))
                t.update(_linear(f"{p}.up_proj", h, inner, mlp_bias))
                t.update(_linear(f"{p}.down_proj", inner, h, mlp_bias))
        elif mt == "gpt_neox":
            t.update(_layernorm(f"{p}.input_layernorm", h))
            t.update(_layernorm(f"{p}.post_attention_layernorm", h))
            bias = _get(cfg, "attention_bias", True)
            t.update(_linear(f"{p}.query_key_value", h, 3 * h, bias))
            t.update(_linear(f"{p}.dense", h, h, bias))
            t.update(_linear(f"{p}.dense_h_to_4h", h, inner, True))
            t.update(_linear(f"{p}.dense_4h_to_h", inner, h, True))
        elif mt == "stablelm":  # StableLmDecoderLayer
            t.update(_layernorm(f"{p}.input_layernorm", h))
            if not cfg.get("use_parallel_residual", False):
                t.update(_layernorm(f"{p}.post_attention_layernorm", h))
            bias = bool(cfg.get("use_qkv_bias", False))
            t.update(_linear(f"{p}.q_proj", h, a * hd, bias))
            t.update(_linear(f"{p}.k_proj", h, kv * hd, bias))
            t.update(_linear(f"{p}.v_proj", h, kv * hd, bias))
            t.update(_linear(f"{p}.o_proj", h, h, False))
            if cfg.get("qk_layernorm", False):  # StableLmLayerNormPerHead: bias-free LayerNorm(head_dim) per head
                for i_head in range(a):
                    t[f"{p}.q_layernorm.norms.{i_head}.weight"] = (hd,)
                for i_head in range(kv):
                    t[f"{p}.k_layernorm.norms.{i_head}.weight"] = (hd,)
            t.update(_linear(f"{p}.gate_proj", h, inner, False))
            t.update(_linear(f"{p}.up_proj", h, inner, False))
            t.update(_linear(f"{p}.down_proj", inner, h, False))
        elif mt == "starcoder2":
            bias = _get(cfg, "use_bias", True)
            t.update(_layernorm(f"{p}.input_layernorm", h))
            t.update(_linear(f"{p}.q_proj", h, a * hd, bias))
            t.update(_linear(f"{p}.k_proj", h, kv * hd, bias))
            t.update(_linear(f"{p}.v_proj", h, kv * hd, bias))
            t.update(_linear(f"{p}.o_proj", a * hd, h, bias))
            t.update(_layernorm(f"{p}.post_attention_layernorm", h))
            t.update(_linear(f"{p}.mlp.c_fc", h, inner, bias))
            t.update(_linear(f"{p}.mlp.c_proj", inner, h, bias))
        elif mt == "phi":
            t.update(_layernorm(f"{p}.input_layernorm", h))
            for name in ("q_proj", "k_proj", "v_proj"):
                width = a * hd if name == "q_proj" else kv * hd
                t.update(_linear(f"{p}.{name}", h, width, True))
            t.update(_linear(f"{p}.dense", a * hd, h, True))
            if cfg.get("qk_layernorm"):
                t.update(_layernorm(f"{p}.q_layernorm", hd))
                t.update(_layernorm(f"{p}.k_layernorm", hd))
            t.update(_linear(f"{p}.fc1", h, inner, True))
            t.update(_linear(f"{p}.fc2", inner, h, True))
        elif mt == "falcon":
            bias = bool(cfg.get("bias", False))
            new = cfg.get("new_decoder_architecture", False)
            if new:
                n_ln = _get(cfg, "num_ln_in_parallel_attn", 2)
                names = ("ln_attn", "ln_mlp") if n_ln == 2 else ("input_layernorm",)
            elif cfg.get("parallel_attn", True):
                names = ("input_layernorm",)
            else:
                names = ("input_layernorm", "post_attention_layernorm")
            for ln in names:
                t.update(_layernorm(f"{p}.{ln}", h))
            qkv_out = (a + 2 * kv) * hd if new else (h + 2 * hd if kv == 1 else 3 * h)
            t.update(_linear(f"{p}.query_key_value", h, qkv_out, bias))
            t.update(_linear(f"{p}.dense", h, h, bias))
            t.update(_linear(f"{p}.dense_h_to_4h", h, inner, bias))
            t.update(_linear(f"{p}.dense_4h_to_h", inner, h, bias))
        else:  # pragma: no cover
            raise KeyError(mt)
    if rms:
        t["norm"] = (h,)
    else:
        t.update(_layernorm("final_norm", h))
    if not tie:
        t.update(_linear("lm_head", h, V, mt == "phi"))
    elif mt == "phi":
        t["lm_head.bias"] = (V,)  # tying shares the weight; Phi's head bias stays its own
    return t


def matmuls(cfg, *, b, s):
    """``(m, k, n, count)`` of every matmul an eager ``use_cache=False`` forward runs."""
    mt = cfg["model_type"]
    h, l, a, inner, hd, kv, tie, V = _hf_sizes(cfg)
    tokens = b * s
    weights = {name: shape for name, shape in tensors(cfg).items()
               if len(shape) >= 2 and "embed" not in name and "wte" not in name and "wpe" not in name
               and not name.startswith("lm_head") and "experts" not in name and "project" not in name}
    mms = []
    for name, shape in weights.items():
        if mt == "gpt2":
            d_in, d_out = shape  # Conv1D stores (in, out)
        else:
            d_out, d_in = shape[-2], shape[-1]
        mms.append((tokens, d_in, d_out, 1))
    if mt in ("mixtral", "qwen2_moe"):
        k = cfg["num_experts_per_tok"]
        mms += [(tokens * k, h, 2 * inner, 1), (tokens * k, inner, h, 1)] * l
    if mt == "opt" and _get(cfg, "word_embed_proj_dim", h) != h:
        proj = cfg["word_embed_proj_dim"]
        mms += [(tokens, proj, h, 1), (tokens, h, proj, 1)]
    mms += [(s, hd, s, b * a), (s, s, hd, b * a)] * l
    head_in = _get(cfg, "word_embed_proj_dim", h) if mt == "opt" else h
    mms.append((tokens, head_in, V, 1))
    return mms


def layer_windows(cfg) -> list[int | None]:
    """Each layer's sliding window (None: every token), as each config class decides it."""
    mt, layers = cfg["model_type"], cfg["num_hidden_layers"] if "num_hidden_layers" in cfg else cfg.get("n_layer")
    if mt == "gemma2":
        types = cfg.get("layer_types") or ["sliding_attention" if i % 2 == 0 else "full_attention"
                                           for i in range(layers)]
        window = _get(cfg, "sliding_window", 4096)
        return [window if kind == "sliding_attention" else None for kind in types]
    if mt in ("mistral", "mixtral", "starcoder2"):
        window = cfg.get("sliding_window", 4096 if mt == "mistral" else None)
        return [window] * layers
    if mt in ("qwen2", "qwen3", "qwen2_moe"):
        if not cfg.get("use_sliding_window", False):
            return [None] * layers
        window, first = _get(cfg, "sliding_window", 4096), _get(cfg, "max_window_layers", 28)
        if cfg.get("layer_types"):
            return [window if kind == "sliding_attention" else None for kind in cfg["layer_types"]]
        if mt == "qwen2_moe":  # Qwen2MoeConfig: the even layers below max_window_layers
            return [window if i % 2 == 0 and i < first else None for i in range(layers)]
        return [window if i >= first else None for i in range(layers)]
    return [None] * layers


def kv_elements(cfg, *, b, tokens):
    """Elements of K and V cached after a prefill of ``tokens`` tokens, layer by layer: a sliding
    layer keeps the last ``window − 1`` tokens (transformers' sliding-window cache)."""
    h, l, a, inner, hd, kv, tie, V = _hf_sizes(cfg)
    if cfg["model_type"] == "falcon" and cfg.get("new_decoder_architecture"):
        kv = a  # K/V broadcast to every query head before caching
    windows = layer_windows(cfg) if cfg["model_type"] not in ("gpt2", "gpt_bigcode", "bloom", "opt") else [None] * l
    return sum(kv_cache_elements(l=1, b=b, kv_heads=kv, head_dim=hd,
                                 tokens=tokens if window is None else min(tokens, window - 1))
               for window in windows)
