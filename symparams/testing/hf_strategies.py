"""Hypothesis strategies for small, valid Hugging Face ``config.json`` dicts.

:func:`hf_configs` draws a config of one ``model_type`` with the flags that
change a count drawn too (tied embeddings, biases, GQA/MQA, an explicit
``head_dim``, parallel blocks, MoE experts and top-k, …). Sizes respect what
``transformers`` needs: ``h = a · d_head``, ``n_kv`` divides ``a``, ``k ≤ E``,
head sizes even where RoPE rotates them (and a partial-rotary slice even).
The dicts are plain JSON data, usable with :func:`symparams.from_hf_config`
and with ``transformers.AutoConfig.for_model``.

Needs the ``test`` extra (Hypothesis).

>>> from hypothesis import find
>>> cfg = find(hf_configs("mixtral"), lambda c: c["num_experts_per_tok"] > 1)
>>> cfg["num_experts_per_tok"] <= cfg["num_local_experts"]
True
>>> hf_configs("bert")
Traceback (most recent call last):
...
symparams.errors.UnknownModelError: no strategy for model_type 'bert'; choose one of: bloom, falcon, gemma, gemma2, gpt2, gpt_bigcode, gpt_neox, llama, mistral, mixtral, olmo2, opt, phi, qwen2, qwen2_moe, qwen3, stablelm, starcoder2
"""

from __future__ import annotations

from hypothesis import strategies as st

from symparams.errors import UnknownModelError
from symparams.testing.strategies import Bounds, divisors

__all__ = ["HF_MODEL_TYPES", "hf_configs"]

HF_MODEL_TYPES = ("bloom", "falcon", "gemma", "gemma2", "gpt2", "gpt_bigcode", "gpt_neox", "llama", "mistral", "mixtral", "olmo2", "opt", "phi",
                  "qwen2", "qwen2_moe", "qwen3", "stablelm", "starcoder2")

# head sizes must be multiples of this (RoPE pairs; neox rotary_pct 1/4; phi 1/2)
_HEAD_STEP = {"gpt2": 1, "gpt_bigcode": 1, "opt": 1, "bloom": 1, "gpt_neox": 8, "phi": 4, "stablelm": 8}


def hf_configs(model_type: str, **bounds):
    """A strategy of small ``config.json`` dicts of ``model_type``.

    ``**bounds`` are the keyword-only ``min_*``/``max_*`` of
    :class:`~symparams.testing.strategies.Bounds` (validated at call time).
    """
    if model_type not in HF_MODEL_TYPES:
        raise UnknownModelError(
            f"no strategy for model_type {model_type!r}; choose one of: {', '.join(HF_MODEL_TYPES)}"
        )
    return _configs(model_type, Bounds(**bounds))


def _configs(mt: str, bd: Bounds):
    step = _HEAD_STEP.get(mt, 2)

    @st.composite
    def draw_config(draw):
        heads = draw(bd.span("heads"))
        lo, hi = max(1, -(-bd.min_head_dim // step)), max(1, bd.max_head_dim // step)
        head_dim = step * draw(st.integers(lo, max(lo, hi)))
        hidden = heads * head_dim
        layers = draw(bd.span("layers"))
        vocab = draw(st.integers(max(2, bd.min_vocab), max(2, bd.max_vocab)))
        ffn = draw(bd.span("ffn"))
        kv = draw(st.sampled_from(divisors(heads)))
        tie = draw(st.booleans())
        ids = {"bos_token_id": 0, "eos_token_id": 0, "pad_token_id": 0}
        if mt in ("gpt2", "gpt_bigcode"):
            cfg = {"model_type": mt, "n_embd": hidden, "n_layer": layers, "n_head": heads,
                   "vocab_size": vocab, "n_positions": draw(bd.span("positions")),
                   "n_inner": draw(st.one_of(st.none(), st.just(ffn))), **ids}
            if mt == "gpt_bigcode":
                cfg.update(multi_query=draw(st.booleans()), tie_word_embeddings=tie)
            return cfg
        if mt == "bloom":  # BloomConfig: no context length (ALiBi), MLP always 4·hidden, n_embed or hidden_size
            width_key = draw(st.sampled_from(["hidden_size", "n_embed"]))
            return {"model_type": mt, width_key: hidden, "n_layer": layers, "n_head": heads, "vocab_size": vocab,
                    "tie_word_embeddings": tie, "hidden_dropout": draw(st.sampled_from([0.0, 0.1])), **ids}
        cfg = {"model_type": mt, "hidden_size": hidden, "num_hidden_layers": layers,
               "num_attention_heads": heads, "vocab_size": vocab,
               "max_position_embeddings": draw(bd.span("positions")), "tie_word_embeddings": tie, **ids}
        if mt in ("llama", "mistral", "mixtral", "qwen2", "qwen2_moe", "gemma", "gemma2", "qwen3", "starcoder2",
                  "olmo2"):
            cfg.update(num_key_value_heads=kv, intermediate_size=ffn)
            if mt in ("llama", "mistral", "gemma", "gemma2", "qwen3", "starcoder2", "olmo2") and draw(st.booleans()):
                # an explicit head_dim, possibly not hidden / heads (Gemma-7B)
                cfg["head_dim"] = 2 * draw(st.integers(1, max(1, bd.max_head_dim // 2)))
            if mt in ("gemma", "gemma2", "qwen3"):
                cfg.setdefault("head_dim", head_dim)  # class defaults 256 / 256 / 128 otherwise
            if mt == "gemma2":
                # a window the prefill may exceed; layer_types drawn or left to the default alternation
                cfg.update(attention_bias=draw(st.booleans()), sliding_window=draw(st.integers(2, 12)))
                if draw(st.booleans()):
                    kinds = st.sampled_from(["sliding_attention", "full_attention"])
                    cfg["layer_types"] = draw(st.lists(kinds, min_size=layers, max_size=layers))
            if mt in ("qwen3", "olmo2"):
                cfg.update(attention_bias=draw(st.booleans()))
            if mt == "starcoder2":
                cfg.update(use_bias=draw(st.booleans()), sliding_window=None)
            if mt == "llama":
                cfg.update(attention_bias=draw(st.booleans()), mlp_bias=draw(st.booleans()))
            if mt == "mistral":
                cfg["sliding_window"] = None
            if mt == "qwen2_moe":
                experts = draw(bd.span("experts"))
                cfg.update(num_experts=experts, num_experts_per_tok=draw(st.integers(1, experts)),
                           moe_intermediate_size=ffn, shared_expert_intermediate_size=draw(bd.span("ffn")),
                           qkv_bias=draw(st.booleans()))
            if mt == "mixtral":
                experts = draw(bd.span("experts"))
                cfg.update(num_local_experts=experts, num_experts_per_tok=draw(st.integers(1, experts)),
                           sliding_window=None)
        elif mt == "gpt_neox":
            cfg.update(intermediate_size=ffn, rotary_pct=draw(st.sampled_from([0.25, 1.0])),
                       use_parallel_residual=draw(st.booleans()), attention_bias=draw(st.booleans()))
        elif mt == "stablelm":
            cfg.update(num_key_value_heads=kv, intermediate_size=ffn, partial_rotary_factor=0.25,
                       use_qkv_bias=draw(st.booleans()), qk_layernorm=draw(st.booleans()),
                       use_parallel_residual=draw(st.booleans()))
        elif mt == "phi":
            cfg.update(num_key_value_heads=kv, intermediate_size=ffn, partial_rotary_factor=0.5,
                       qk_layernorm=draw(st.booleans()))
        elif mt == "opt":
            cfg.update(ffn_dim=ffn, word_embed_proj_dim=hidden, do_layer_norm_before=True,
                       enable_bias=draw(st.booleans()))
        elif mt == "falcon":
            new = draw(st.booleans())
            cfg.update(bias=draw(st.booleans()), new_decoder_architecture=new,
                       ffn_hidden_size=draw(st.one_of(st.none(), st.just(ffn))))
            if new:
                cfg.update(num_kv_heads=kv, parallel_attn=True, multi_query=False,
                           num_ln_in_parallel_attn=draw(st.sampled_from([1, 2])))
            else:
                cfg.update(multi_query=draw(st.booleans()), parallel_attn=draw(st.booleans()))
        return cfg

    return draw_config()
