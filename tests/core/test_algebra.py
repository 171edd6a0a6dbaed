"""Leading-order claims: the relative error of each leading form goes to 0 as sizes grow.

``leading_order`` keeps the top-degree terms when depth and widths (l, h,
d_ff) grow together; the claim is that the dropped terms become negligible.
We check it numerically on drawn base sizes scaled by 10, 100, 1000, and
report the error at the real presets (run with ``-s`` to see the table).
"""

from fractions import Fraction

import pytest
from hypothesis import given

import symparams
from symparams.algebra import DEFAULT_LARGE, leading_order, relative_error
from symparams.families import ARCHITECTURES, architecture
from symparams.testing import sizes

_LARGE = {sym.name for sym in DEFAULT_LARGE}


def _costs(arch):
    return {"params": arch.params().total, "flops": arch.forward_flops().total}


def _scaled(sz, t):
    return {k: v * t if k in _LARGE else v for k, v in sz.items()}


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
@pytest.mark.parametrize("cost", ["params", "flops"])
def test_relative_error_vanishes(name, cost):
    expr = _costs(architecture(name))[cost]
    lead = leading_order(expr)

    @given(sizes(name))
    def check(sz):
        errors = [relative_error(expr, lead, _scaled(sz, 10**k)) for k in range(4)]
        assert all(e >= 0 for e in errors)              # dropped terms are all positive
        assert all(later < earlier for earlier, later in zip(errors, errors[1:]) if earlier > 0)
        assert errors[-1] < Fraction(errors[0] + 1, 100) # three decades: ≥ ~100× smaller (1/t decay)

    check()


def test_leading_forms_are_the_published_ones():
    from symparams.symbols import b, h, l, s

    assert leading_order(architecture("gpt-classic").params().total) == 12 * l * h**2
    assert leading_order(architecture("gpt-classic").forward_flops().total) == 24 * b * s * l * h**2


def test_report_at_presets(capsys):
    rows = []
    for name in sorted(symparams.PRESETS):
        m = symparams.model(name)
        for cost, expr in _costs(m.architecture).items():
            values = m.workload(1, None) if cost == "flops" else m.values
            err = relative_error(expr, leading_order(expr), values)
            assert 0 < err < 1
            rows.append(f"{name:20s} {cost:6s} {float(err):8.4%}  leading {leading_order(expr)}")
    with capsys.disabled():
        print("\nrelative error of the leading-order form at each preset (flops: b=1, s=context):")
        print("\n".join(rows))
