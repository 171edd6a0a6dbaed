"""Every plot draws what the golden record holds: titles, labels, scales, each line's and bar's
numbers, colours and styles, each text (``tests/golden.py``). Needs matplotlib (extra ``plot``)."""

from __future__ import annotations

import pytest

import golden
from golden import first_difference


@pytest.mark.parametrize("key", sorted(golden.PLOTS))
def test_plot_draws_the_golden_figure(key):
    pytest.importorskip("matplotlib", reason="matplotlib not installed (extra 'plot')")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from symparams.studies import plot

    fig = getattr(plot, key.split()[0])(**golden.PLOTS[key])
    try:
        diff = first_difference(golden.figure_data(fig), golden.load()["plots"][key])
    finally:
        plt.close(fig)
    assert diff is None, f"plot {key}: {diff} (after a deliberate change: python tests/golden.py)"
