"""A user's program over the public API, type-checked by mypy in tests/test_typing.py.

``assert_type`` fails the check when an annotation is missing or wrong (a lazily imported
name would otherwise be ``Any`` and pass anything). The program also runs (test_typing.py).
"""

from __future__ import annotations

from fractions import Fraction

from sympy import Expr
from typing_extensions import assert_type

import symparams
from symparams import Architecture, Breakdown, Evaluation, Model
from symparams.components import LayerNorm
from symparams.conventions import Convention
from symparams.hf.hub import HubConfig, cached_config, is_repo_id
from symparams.reports.count import count_json
from symparams.symbols import h, l

m = symparams.model("gpt2")
assert_type(m, Model)
assert_type(m.params, Evaluation)
assert_type(m.params.total, int)
assert_type(m.forward_flops(batch=1, seq=1024).total, int)
assert_type(m.kv_cache_bytes(batch=1, tokens=1024, dtype="bf16"), int)
assert_type(m.weights_bytes("fp32"), int)
assert_type(m.default_seq(), int)

arch = symparams.architecture("gpt-classic")
assert_type(arch, Architecture)
assert_type(arch.name, str)
lead = symparams.leading_order(12 * l * h**2 + 13 * l * h)
assert_type(lead, Expr)
share = symparams.relative_error(12 * l * h**2 + 13 * l * h, lead, {"l": 12, "h": 768})
assert_type(share, Fraction)
assert_type(symparams.closed_form(12 * l * h**2 + 13 * l * h), Expr)
assert_type(symparams.latex(lead), str)
assert_type(symparams.format_bytes(8), str)
assert_type(symparams.parse_convention("kaplan"), Convention)
assert_type(symparams.DEFAULT, Convention)

llama = symparams.from_hf_config("tests/fixtures/hf_configs/llama-2-7b.json")
assert_type(llama, Model)
variant = arch.map_components(lambda c: c, name="same")
assert_type(variant, Architecture)
stack = symparams.Stack("block", l, (LayerNorm(h),))
assert_type(stack, symparams.Stack)
assert_type(symparams.once("head", LayerNorm(h)), symparams.Stack)
assert_type(is_repo_id("org/name"), bool)
assert_type(cached_config("org/name"), HubConfig | None)
assert_type(count_json("gpt2"), dict)
bd: Breakdown = Breakdown("parameters", "parameters", ())
assert_type(bd.at({}).total, int)
