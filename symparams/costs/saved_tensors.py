"""What PyTorch actually saves for backward in the classic GPT, to the byte.

Korthikanti et al. (2022) count ``34·b·s·h + 5·b·s²·a`` bytes per layer
(16-bit activations, 1-byte dropout masks); the components list those tensors
(:meth:`~symparams.components.base.Component.saved_activations`). Autograd in
eager PyTorch keeps a little more and a little differently, and this module
adds exactly that, so that the total equals the bytes measured with
``torch.autograd.graph.saved_tensors_hooks`` (deduplicated by storage) on
Hugging Face ``GPT2LMHeadModel`` in training mode (the measurement is
``tests/test_oracle_activations.py``; every byte is explained in
``docs/activation_memory.md``):

* each LayerNorm also saves its per-token ``mean`` and ``rstd``
  (``2·b·s`` values, in the activation dtype on CPU, fp32 on CUDA);
* a dropout mask is stored in the activation dtype (CPU's ``dropout`` keeps a
  scaled mask ``bernoulli/(1-p)``; CUDA's fused ``native_dropout`` keeps a
  1-byte bool mask): ``mask_dtype``, default the activation dtype;
* the embedding backward keeps the token ids (int64, ``8·b·s`` bytes) and a
  learned position table the position ids (int64, ``8·s`` bytes: one row,
  broadcast over the batch);
* with a loss (``loss=True``), ``cross_entropy`` keeps its fp32 log-softmax
  (``4·b·s·V``, Korthikanti's fp32 logits), the int64 targets (``8·b·s``; for
  ``b = 1`` the padded label buffer of ``s + 1`` ids stays alive instead,
  because ``labels[..., 1:].contiguous()`` is then a view) and a 4-byte fp32
  ``total_weight`` scalar; without a loss nothing after the head's input.

>>> from symparams.families import architecture
>>> bd = saved_tensors(architecture("gpt-classic"), dtype="bf16")
>>> bd.block
6*a*b*s**2 + 36*b*h*s + 8*b*s
>>> saved_tensors(architecture("gpt-classic"), mask_dtype="int8", stats_dtype="fp32").block
5*a*b*s**2 + 34*b*h*s + 16*b*s
"""

from __future__ import annotations

from sympy import Eq, Expr, Integer, Piecewise

from symparams.breakdown import Breakdown
from symparams.costs.collect import collect
from symparams.errors import ConventionError
from symparams.symbols import b as _b
from symparams.units import dtype_bytes

__all__ = ["saved_tensors", "SUPPORTED_COMPONENTS"]

#: Component types whose saved tensors were measured (the classic GPT's).
SUPPORTED_COMPONENTS = ("TokenEmbedding", "LearnedPositions", "LayerNorm", "Attention", "MLP", "OutputHead")

_INT64 = Integer(8)
_FP32 = Integer(4)


def _check(component) -> None:
    kind = type(component).__name__
    if kind not in SUPPORTED_COMPONENTS:
        raise ConventionError(
            f"saved tensors are measured only for the classic GPT ({', '.join(SUPPORTED_COMPONENTS)}); "
            f"{kind} ({component.label}) has no measured rule — use the activation-memory estimate instead"
        )
    if kind == "MLP" and component.activation != "gelu":
        raise ConventionError(f"saved tensors measured for the GELU MLP only, not activation={component.activation!r}")
    if kind == "Attention" and (component.n_kv != component.a or component.mask != "causal" or component.is_cross):
        raise ConventionError("saved tensors measured for causal multi-head self-attention only (n_kv = a)")


def _component_bytes(component, b, s, sizes, *, dropout: bool, loss: bool) -> list[tuple[str, Expr]]:
    """``(what, bytes)`` for one component: Korthikanti's tensors, then PyTorch's extras."""
    act, mask, stats = sizes
    role_bytes = {"activation": act, "mask": mask, "fp32": _FP32}
    out = []
    for t in component.saved_activations(b, s, dropout=dropout):
        if t.name == "output_head.logits" and not loss:
            continue  # no loss, no log-softmax: the logits are not saved
        out.append((t.name, role_bytes[t.role] * t.numel))
    kind = type(component).__name__
    if kind == "LayerNorm":
        out.append(("norm.mean_rstd", 2 * b * s * stats))
    elif kind == "TokenEmbedding":
        out.append(("embedding.token_ids", _INT64 * b * s))
    elif kind == "LearnedPositions":
        out.append(("positions.position_ids", _INT64 * s))
    elif kind == "OutputHead" and loss:
        # b > 1: a contiguous copy of b·s targets; b = 1: the padded (s+1) buffer is a view
        out.append(("loss.targets", _INT64 * b * s + Piecewise((_INT64, Eq(b, 1)), (0, True))))
        out.append(("loss.total_weight", _FP32))
    return out


def saved_tensors(arch, *, dtype: str = "bf16", mask_dtype: str | None = None,
                  stats_dtype: str | None = None, dropout: bool = True, loss: bool = False,
                  b=_b) -> Breakdown:
    """Bytes autograd saves in one training forward of ``arch`` (eager PyTorch).

    Parameters
    ----------
    dtype
        Activation dtype (``"bf16"``: the measured one).
    mask_dtype, stats_dtype
        Bytes of dropout masks and of LayerNorm's mean/rstd; default the
        activation dtype, as measured on CPU. CUDA keeps ``"int8"`` (bool)
        masks and ``"fp32"`` statistics (from the kernels; not measured in CI).
    dropout
        Dropout with ``p > 0`` on embeddings, attention probabilities and both
        residual branches (GPT-2's placement); ``p = 0`` saves no masks.
    loss
        Whether the forward computes the language-model loss (``labels=``).

    Raises
    ------
    ConventionError
        For a component whose saved tensors were not measured (RMSNorm,
        gated MLPs, GQA, MoE, rotary): those have no exact rule here.
    """
    sizes = (
        dtype_bytes(dtype),
        dtype_bytes(mask_dtype or dtype),
        dtype_bytes(stats_dtype or dtype),
    )

    def measure(component, stack):
        _check(component)
        return [(what, what.replace("_", " ").replace(".", ": "), nbytes)
                for what, nbytes in _component_bytes(component, b, stack.seq, sizes, dropout=dropout, loss=loss)]

    masks = f"masks {mask_dtype or dtype}" if dropout else "no dropout"
    return collect(
        arch, measure, quantity="saved tensors", unit="bytes",
        convention=(
            f"eager PyTorch autograd, deduplicated by storage, weights excluded; activations {dtype}, "
            f"{masks}, LayerNorm mean/rstd {stats_dtype or dtype}, {'with' if loss else 'without'} the LM loss"
        ),
    )
