"""Fine-tuning one model: LoRA, QLoRA or full — trainable parameters, memory and FLOPs per step.

Conventions, named:

* parameters as PEFT prints them: ``trainable`` (the adapters; every parameter for full
  fine-tuning, lookup tables out with ``freeze_embeddings``) and ``total`` = base + adapters
  (``get_nb_trainable_parameters``: a 4-bit weight counts its elements, not its bytes);
* memory: the frozen weights in their stored format (``dtype``, or nf4 for QLoRA as
  bitsandbytes stores it, :mod:`~symparams.studies.quantization`); LoRA adapters in fp32
  (PEFT's ``autocast_adapter_dtype``) with fp32 gradients and AdamW ``m``, ``v``: 16 bytes per
  trainable parameter; full fine-tuning the mixed-precision recipe (2 + 2 + 12 bytes per trainable
  parameter, frozen ones 2); activations as :func:`~symparams.costs.activations.activation_memory`
  (whole layers recomputed with gradient checkpointing) plus each adapter's ``r``-wide intermediate;
* FLOPs of one step (FlopCounterMode's counting: matmuls, 2 per multiply-accumulate, attention
  dense): the forward; the backward — the input gradient of every matmul, the weight gradient of the
  trainable weights only (a frozen matmul costs 1× its forward, a trained one or an attention product
  2×), adapters 2× their forward; with gradient checkpointing the layers' forward again; AdamW's
  14 FLOPs per trainable parameter.

>>> from symparams.presets import model
>>> r = finetune(model("tests/fixtures/hf_configs/llama-2-7b.json"), rank=16, quant="nf4", batch=1, seq=512)
>>> r["params"]["trainable"], r["params"]["total"]
(8388608, 6746804224)
"""

from __future__ import annotations

from sympy import Integer

from symparams.errors import OptionError
from symparams.options import choose
from symparams.studies import lora
from symparams.studies.quantization import scheme, weight_bytes
from symparams.symbols import b as _b
from symparams.units import dtype_bytes
from symparams.values import evaluate

__all__ = ["finetune", "backward_flops", "LORA_BYTES", "METHODS"]

METHODS = ("lora", "qlora", "full")
#: bytes per LoRA parameter: fp32 weight, fp32 gradient, AdamW m and v in fp32
LORA_BYTES = (4, 4, 8)


def _frozen_embeddings(arch, freeze: bool):
    from symparams.costs.params import EMBEDDING_KEYS

    return {c.key for c, _ in arch.parts() if freeze and c.key in EMBEDDING_KEYS}


def backward_flops(arch, *, trainable_matmuls: bool):
    """Backward FLOPs of the base model: the input gradient of every matmul (1× its forward) and, when
    the weights are trained (``trainable_matmuls``), their weight gradient (another 1×); attention
    products (no weights) always 2×."""
    from symparams.conventions import FLOP_COUNTER
    from symparams.costs.collect import collect

    def measure(c, st):
        rows = []
        for mm in c.matmuls(_b, st.seq):
            factor = 2 if mm.kind == "attention" or trainable_matmuls else 1
            rows.append((f"{c.key}.{mm.name}", f"{c.label}: {mm.name} (backward)",
                         factor * FLOP_COUNTER.matmul_flops(mm)))
        return rows

    return collect(arch, measure, quantity="backward FLOPs", unit="FLOPs").total


def finetune(m, *, method: str | None = None, rank: int | None = None, targets=None, quant: str | None = None,
             double_quant: bool = False, full: bool = False, freeze_embeddings: bool = False,
             gradient_checkpointing: bool = False, batch: int = 1, seq: int | None = None,
             dtype: str = "bf16", device=None, decoder_seq: int | None = None) -> dict:
    """The fine-tuning estimate of model ``m``: the JSON ``symparams finetune`` prints.

    ``seq`` is the sequence length, an encoder-decoder's encoder input (``s_enc``), and
    ``decoder_seq`` its decoder's length (``s``), each defaulting to the model's own as ``count``
    reads them (:func:`symparams.reports.count.resolve_lengths`); an encoder-decoder is fine-tuned
    with its LM head (``T5ForConditionalGeneration``: the loss needs the logits). A model that fixes
    its own length (a ViT's ``n_p + 1`` tokens per image) refuses another ``seq``.

    >>> from symparams.presets import model
    >>> r = finetune(model("t5-small"), rank=8, seq=512, decoder_seq=128)
    >>> r["workload"]
    {'batch': 1, 'seq': 512, 'decoder_seq': 128}
    """
    from symparams.costs.activations import activation_memory
    from symparams.costs.flops import ADAMW_FLOPS_PER_PARAM, forward_flops, recompute_flops
    from symparams.conventions import DEFAULT

    if method is None:
        method = "full" if full else ("qlora" if quant else "lora")
    choose("method", method, METHODS)
    if method == "full" and (rank is not None or quant or targets is not None):
        raise OptionError("--full trains every weight: it takes no --lora-rank, --lora-targets or --quant")
    if quant is not None and quant != "nf4":
        raise OptionError(f"--quant {quant!r}: QLoRA quantizes the frozen weights to nf4 (bitsandbytes)")
    if double_quant and not quant:
        raise OptionError("--double-quant needs --quant nf4")
    from symparams.lengths import check_fixed_length
    from symparams.reports.count import resolve_lengths

    check_fixed_length(m, seq, "--seq")
    s_dec, lengths, shown = resolve_lengths(m, seq, decoder_seq)
    if m.architecture.is_encoder_decoder:
        m = m.with_head
    arch = m.architecture
    at = m.workload(batch, s_dec, **lengths)
    value = m.value
    params = m.params.total
    frozen_tables = _frozen_embeddings(arch, freeze_embeddings)
    table_params = sum(value(c.params()) for c, _ in arch.parts() if c.key in frozen_tables)
    act_bd = activation_memory(arch, dtype=dtype, recompute="full" if gradient_checkpointing else "none")
    forward = forward_flops(arch, DEFAULT).total
    recompute = recompute_flops(arch, DEFAULT.replace(recompute="full")).total if gradient_checkpointing else 0
    out = {"model": m.name, "method": method, "workload": {"batch": batch, **shown}}

    def ev(expr) -> int:
        return evaluate(expr, at)

    if method == "full":
        trainable = params - table_params
        weights = 2 * params
        state = {"adapter_bytes": 0, "gradient_bytes": 2 * trainable, "optimizer_bytes": 12 * trainable}
        extra_act, adapters_fwd, adapters = 0, 0, 0
        backward = backward_flops(arch, trainable_matmuls=True)
        lora_info = None
    else:
        if rank is None:
            raise OptionError("--lora-rank is needed for LoRA (or give --full)")
        names = lora.targets_of(arch, targets)
        adapters = value(lora.adapter_params(arch, rank, names).total)
        trainable = adapters
        sch = scheme("nf4", double_quant=double_quant) if quant else scheme(dtype)
        weights = value(weight_bytes(arch, sch, dtype=dtype).total)
        per = LORA_BYTES
        state = {"adapter_bytes": per[0] * adapters, "gradient_bytes": per[1] * adapters,
                 "optimizer_bytes": per[2] * adapters}
        extra_act = 0 if gradient_checkpointing else dtype_bytes(dtype) * lora.adapter_activations(arch, rank, names)
        adapters_fwd = lora.adapter_flops(arch, rank, names).total
        backward = backward_flops(arch, trainable_matmuls=False) + 2 * adapters_fwd
        if gradient_checkpointing:
            recompute = recompute + lora.adapter_flops(arch, rank, names).total
        lora_info = {"rank": rank, "targets": list(names),
                     "modules": sum(value(_count(arch, mod)) for mod in lora.adapted(arch, names)),
                     "weights_format": sch.describe()}
    activations = ev(act_bd.total + extra_act)
    memory = {"weights_bytes": weights, **state, "activations_bytes": activations}
    memory["total_bytes"] = sum(memory.values())
    flops = {"forward": ev(forward + adapters_fwd), "backward": ev(backward), "recompute": ev(recompute),
             "optimizer": ADAMW_FLOPS_PER_PARAM * trainable}
    flops["step"] = sum(flops.values())
    out.update({
        "params": {"trainable": trainable, "total": params + adapters, "base": params, "adapters": adapters,
                   "frozen": params - (trainable - adapters)},
        "memory": memory, "flops": flops,
    })
    if lora_info:
        out["lora"] = lora_info
    if device is not None:
        from symparams.devices import device as _device

        dev = _device(device)
        out["device"] = {"name": dev.name, "memory_bytes": dev.memory_bytes}
        out["fits"] = memory["total_bytes"] <= dev.memory_bytes
    out["conventions"] = {
        "params": "as PEFT's get_nb_trainable_parameters: total = base + adapters, a 4-bit weight by its elements",
        "memory": ("frozen weights in their stored format; LoRA adapters fp32 with fp32 gradients and AdamW m, v "
                   "(16 bytes/parameter); full: 2 + 2 + 12 bytes per trainable parameter; activations "
                   f"{act_bd.convention}"),
        "flops": ("FlopCounterMode counting; backward: input gradients of every matmul, weight gradients of "
                  "trained weights only; AdamW 14 FLOPs per trainable parameter"),
        "units": "parameters, bytes, FLOPs (exact integers)",
    }
    return out


def _count(arch, mod):
    """How many times a module occurs in the model (its stack's count)."""
    for st in arch.stacks:
        if st.name == mod.stack:
            return st.count
    return Integer(1)
