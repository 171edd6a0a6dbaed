"""Measure what autograd saves for backward, with ``saved_tensors_hooks``.

:func:`saved_tensor_bytes` runs one training-mode forward of a Hugging Face
model on CPU inside :func:`torch.autograd.graph.saved_tensors_hooks` and adds
up the bytes of every *storage* a saved tensor lives in, once (views of one
storage — Q/K/V split from a fused projection, a transposed K — count once),
leaving out the parameters (weights are not activations). It is the
measurement :mod:`symparams.costs.saved_tensors` is checked against; see
``docs/activation_memory.md``.

Needs the ``oracle`` extra (torch, transformers), imported when called.
"""

from __future__ import annotations

__all__ = ["saved_tensor_bytes", "saved_tensor_list", "gpt2_training_config"]


def gpt2_training_config(*, l: int, h: int, a: int, V: int, s_max: int, dropout: float = 0.1) -> dict:
    """A GPT-2 ``config.json`` dict for the classic GPT as measured: exact GELU, dropout everywhere."""
    return {
        "model_type": "gpt2", "n_layer": l, "n_embd": h, "n_head": a, "vocab_size": V,
        "n_positions": s_max, "activation_function": "gelu", "resid_pdrop": dropout,
        "embd_pdrop": dropout, "attn_pdrop": dropout, "bos_token_id": 0, "eos_token_id": 0,
    }


def saved_tensor_list(config: dict, batch: int, seq: int, *, labels: bool = False,
                      dtype: str = "bf16") -> list[dict]:
    """One entry per distinct storage autograd saved: ``nbytes``, ``dtype``, ``shape``, ``module``."""
    import torch

    from symparams.testing.oracle import _build_model

    torch_dtype = {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32}[dtype]
    torch.manual_seed(0)
    model = _build_model(config, dtype=torch_dtype)
    model.train()
    weights = {p.untyped_storage().data_ptr() for p in model.parameters()}
    where = ["(model)"]
    for name, module in model.named_modules():
        if name:
            module.register_forward_pre_hook(lambda _m, _i, name=name: where.append(name) and None)
            module.register_forward_hook(lambda _m, _i, _o: where.pop() and None)
    seen: dict[int, dict] = {}

    def pack(t):
        storage = t.untyped_storage()
        key = storage.data_ptr()
        if key not in weights and key not in seen:
            seen[key] = {"nbytes": storage.nbytes(), "dtype": str(t.dtype).replace("torch.", ""),
                         "shape": tuple(t.shape), "module": where[-1]}
        return t

    ids = torch.zeros((batch, seq), dtype=torch.long)
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        model(input_ids=ids, labels=ids if labels else None, use_cache=False)
    return list(seen.values())


def saved_tensor_bytes(config: dict, batch: int, seq: int, *, labels: bool = False,
                       dtype: str = "bf16") -> int:
    """Total bytes of the distinct storages autograd saved in one training forward."""
    return sum(t["nbytes"] for t in saved_tensor_list(config, batch, seq, labels=labels, dtype=dtype))
