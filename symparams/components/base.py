"""Building blocks every component is made of: tensors, linear maps and matmuls.

A component lists its tensors with symbolic shapes; its parameter count is the
sum of the tensors' element counts. A :class:`Linear` knows its shape once and
derives both its tensors and the matmul it performs on a batch of tokens, so a
layer's parameters and FLOPs can never disagree about its size.

>>> from symparams.symbols import h, d_ff, b, s
>>> up = Linear("up", h, d_ff, bias=True)
>>> [str(t.numel) for t in up.tensors()]
['d_ff*h', 'd_ff']
>>> str(up.matmul(b * s).flops())
'2*b*d_ff*h*s'
"""

from __future__ import annotations

from dataclasses import dataclass
from sympy import Expr, Integer, Mul

from symparams._expr import as_expr as _expr, sum_exprs
from symparams.components.mask import Mask
from symparams.options import choose

__all__ = ["Dropout", "Tensor", "Linear", "Matmul", "Pairs", "Component", "Activation", "ACTIVATION_ROLES",
           "ACTIVATION_SPLITS"]


@dataclass(frozen=True)
class Tensor:
    """A named tensor with a symbolic shape.

    ``trainable=False`` marks a buffer (e.g. a rotary cos/sin table): counted by
    :func:`symparams.costs.params.buffers`, never in the trainable total.
    """

    name: str
    shape: tuple
    trainable: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "shape", tuple(_expr(d) for d in self.shape))

    @property
    def numel(self) -> Expr:
        """Number of elements: the product of the shape."""
        return Mul(*self.shape)


@dataclass(frozen=True)
class Pairs:
    """What an attention product multiplies: ``queries × keys`` scores under ``mask``, each pair
    costing ``depth`` multiply-accumulates (the head size of ``QKᵀ``, or of the values in ``AV``).

    >>> from symparams.symbols import s, d_head
    >>> Pairs(s, s, d_head, Mask("causal")).kept_macs()
    d_head*s*(s + 1)/2
    """

    queries: Expr
    keys: Expr
    depth: Expr
    mask: Mask = Mask()

    def __post_init__(self) -> None:
        for field in ("queries", "keys", "depth"):
            object.__setattr__(self, field, _expr(getattr(self, field)))

    def kept_macs(self, mask: Mask | None = None) -> Expr:
        """MACs of the pairs ``mask`` (default: the layer's own) keeps, for one sequence and head."""
        return (mask or self.mask).pairs(self.queries, self.keys) * self.depth


@dataclass(frozen=True)
class Matmul:
    """``count`` products of an ``m×k`` matrix by a ``k×n`` matrix.

    ``kind`` says what the product is, so a convention can treat kinds
    differently: ``"linear"`` (a weight applied to tokens), ``"attention"``
    (the score ``QKᵀ`` and value products; ``pairs`` says over which queries,
    keys and mask, so a convention can count the kept pairs instead of the
    dense product) or ``"logits"`` (the output head).
    """

    name: str
    m: Expr
    k: Expr
    n: Expr
    count: Expr = Integer(1)
    kind: str = "linear"
    pairs: Pairs | None = None

    def __post_init__(self) -> None:
        for field in ("m", "k", "n", "count"):
            object.__setattr__(self, field, _expr(getattr(self, field)))

    @property
    def macs(self) -> Expr:
        """Multiply-accumulates of the dense product: ``count·m·k·n``."""
        return self.count * self.m * self.k * self.n

    def kept_macs(self, mask: Mask | None = None) -> Expr:
        """MACs of the pairs an attention mask keeps (the dense MACs for any other product)."""
        return self.macs if self.pairs is None else self.count * self.pairs.kept_macs(mask)

    def flops(self, flops_per_mac=2) -> Expr:
        """FLOPs at ``flops_per_mac`` (2: one multiply and one add per MAC)."""
        return _expr(flops_per_mac) * self.macs

    def backward(self) -> tuple["Matmul", "Matmul"]:
        """The two matmuls autograd runs for this one in the backward pass.

        For ``Y = X·W`` (``m×k · k×n``): the input gradient ``dX = dY·Wᵀ``
        (``m×n · n×k``) and the weight gradient ``dW = Xᵀ·dY`` (``k×m · m×n``),
        each with the same ``m·k·n`` multiply-accumulates as the forward product.
        PyTorch's ``FlopCounterMode`` counts both whenever both operands require
        grad — true of every matmul in a trained transformer, the first layer's
        included (its input is the embedding output, which requires grad because
        the embedding table does).

        >>> mm = Matmul("up", 6, 4, 16)
        >>> [(g.name, g.m, g.k, g.n) for g in mm.backward()]
        [('up.grad_input', 6, 16, 4), ('up.grad_weight', 4, 6, 16)]
        >>> sum(g.macs for g in mm.backward()) == 2 * mm.macs
        True
        """
        grad_in = Matmul(f"{self.name}.grad_input", self.m, self.n, self.k, self.count, self.kind, self.pairs)
        grad_w = Matmul(f"{self.name}.grad_weight", self.k, self.m, self.n, self.count, self.kind, self.pairs)
        return grad_in, grad_w


@dataclass(frozen=True)
class Linear:
    """A dense map ``d_in → d_out`` with an optional bias.

    Its weight is stored ``(d_out, d_in)`` like ``torch.nn.Linear``; applied to
    ``tokens`` rows it is the matmul ``tokens×d_in · d_in×d_out`` (the bias add is
    not a matmul and is not counted there, as in PyTorch's ``addmm`` rule).
    """

    name: str
    d_in: Expr
    d_out: Expr
    bias: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "d_in", _expr(self.d_in))
        object.__setattr__(self, "d_out", _expr(self.d_out))

    def tensors(self) -> tuple[Tensor, ...]:
        weight = Tensor(f"{self.name}.weight", (self.d_out, self.d_in))
        if not self.bias:
            return (weight,)
        return (weight, Tensor(f"{self.name}.bias", (self.d_out,)))

    def matmul(self, tokens, kind: str = "linear") -> Matmul:
        return Matmul(self.name, tokens, self.d_in, self.d_out, kind=kind)

    def bias_flops(self, tokens) -> Expr:
        """The bias add on ``tokens`` rows: 1 FLOP per output element (0 without bias)."""
        return _expr(tokens) * self.d_out if self.bias else Integer(0)


@dataclass(frozen=True)
class Dropout:
    """Where a model applies dropout in training (each site keeps a mask for backward).

    ``embedding``: after the embedding lookup; ``attention``: on the attention
    probabilities (``b·a·s²`` masks, Korthikanti et al.'s ``s²`` terms);
    ``residual``: on the attention and MLP outputs before each residual add.
    ``Dropout.of(True)`` is every site (the classic GPT), ``Dropout.of(False)`` none.

    >>> Dropout.of(True) == Dropout(True, True, True), bool(Dropout.of(False))
    (True, False)
    >>> str(Dropout(embedding=False, attention=False, residual=True))
    'dropout on residual'
    """

    embedding: bool = True
    attention: bool = True
    residual: bool = True

    @classmethod
    def of(cls, value) -> "Dropout":
        """``value`` as a :class:`Dropout` (a bool means every site or none)."""
        if isinstance(value, Dropout):
            return value
        if isinstance(value, bool):
            return cls(value, value, value)
        raise TypeError(f"dropout={value!r}: expected a bool or a Dropout")

    def __bool__(self) -> bool:
        return self.embedding or self.attention or self.residual

    def __str__(self) -> str:
        sites = [name for name in ("embedding", "attention", "residual") if getattr(self, name)]
        if not sites:
            return "no dropout"
        return "dropout on " + ", ".join(sites)


ACTIVATION_ROLES = ("activation", "mask", "fp32")
ACTIVATION_SPLITS = ("tensor", "sequence")


@dataclass(frozen=True)
class Activation:
    """A tensor of a forward pass with ``numel`` elements, as memory accounting sees it.

    ``role`` decides its bytes per element: ``"activation"`` (the activation
    dtype: 2 bytes in 16-bit training), ``"mask"`` (a 1-byte dropout mask) or
    ``"fp32"`` (4 bytes whatever the activation dtype, e.g. logits kept in fp32
    for the cross-entropy). ``split`` says how Megatron-style tensor parallelism
    of degree ``t`` divides it: ``"tensor"`` (split across heads or the MLP
    width) or ``"sequence"`` (replicated, divided by ``t`` only with sequence
    parallelism). ``quadratic`` marks the ``b·a·s²`` attention tensors that
    selective recomputation and FlashAttention-style kernels do not store.

    >>> from symparams.symbols import b, s, h
    >>> Activation("norm.input", b * s * h, split="sequence").numel
    b*h*s
    """

    name: str
    numel: Expr
    role: str = "activation"
    split: str = "tensor"
    quadratic: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "numel", _expr(self.numel))
        choose(f"Activation {self.name}: role", self.role, ACTIVATION_ROLES)
        choose(f"Activation {self.name}: split", self.split, ACTIVATION_SPLITS)


class Component:
    """Base of every architecture component (a frozen dataclass subclass).

    Subclasses set ``key`` (a short identifier used in breakdowns) and ``label``
    (a human name), and override :meth:`tensors`; they override
    :meth:`matmuls` if they multiply matrices and :meth:`kv_cache_elements` if
    they cache keys and values.
    """

    key: str = "component"
    label: str = "component"

    def tensors(self) -> tuple[Tensor, ...]:
        return ()

    def params(self) -> Expr:
        """Trainable parameters: the element count of every trainable tensor."""
        return sum_exprs(t.numel for t in self.tensors() if t.trainable)

    def active_params(self) -> Expr:
        """Parameters one token uses: all of them, except in a mixture of experts."""
        return self.params()

    def buffer_elements(self) -> Expr:
        """Elements of non-trainable buffers (not parameters)."""
        return sum_exprs(t.numel for t in self.tensors() if not t.trainable)

    def matmuls(self, b, s) -> tuple[Matmul, ...]:
        """Matmuls of a forward pass over ``b`` sequences of ``s`` tokens."""
        return ()

    def kv_cache_elements(self, b, s) -> Expr:
        """Elements this component caches for ``b`` sequences of ``s`` tokens."""
        return Integer(0)

    def saved_activations(self, b, s, *, dropout=True) -> tuple[Activation, ...]:
        """Tensors autograd keeps for the backward pass (Korthikanti et al. 2022).

        ``dropout`` is a bool (every site or none) or a :class:`Dropout`.
        """
        return ()

    def op_outputs(self, b, s) -> tuple[Activation, ...]:
        """The output of every operation of a forward pass, by operation name."""
        return ()

    def elementwise_flops(self, b, s) -> Expr:
        """Non-matmul arithmetic of a forward pass (norms, activations, softmax, bias adds).

        Counted only under a convention with ``elementwise=True``; the
        per-element counts are named in each component's docstring.
        """
        return Integer(0)
