"""Values at the edges the mutation run found untested: sweep's int64 threshold, the percentages a
plot draws, a plot's batch axis (see tools/mutation.sh)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from symparams.symbols import h


def test_sweep_fast_mode_int64_threshold():
    np = pytest.importorskip("numpy", reason="fast mode needs numpy (extra 'fast')")
    from symparams.studies.sweep import grid

    top = grid(h, {"h": [2**63 - 1]}, mode="fast").values  # the largest int64 stays int64
    assert top.dtype == np.int64 and int(top[0]) == 2**63 - 1
    past = grid(h, {"h": [2**63]}, mode="fast").values  # one more is kept exact, as Python ints
    assert past.dtype == object and past[0] == 2**63
    assert list(grid(2 * h, {"h": [2**63, 3]}, mode="fast").values) == [2**64, 6]


def _bars(ax):
    return [(p.get_x(), p.get_y(), p.get_height()) for p in ax.patches]


def test_flop_share_plot_draws_the_exact_percentages():
    pytest.importorskip("matplotlib", reason="plots need matplotlib (extra 'plot')")
    from symparams.presets import model
    from symparams.studies.plot import flop_share_vs_size
    from symparams.studies.analysis import flop_shares

    names = ["gpt2", "gpt2-xl"]
    fig = flop_share_vs_size(names, seq=512)
    ax = fig.axes[0]
    shares = [flop_shares(model(n), seq=512) for n in names]
    groups = list(dict.fromkeys(g for s in shares for g in s))
    expected = [100 * float(s.get(g, 0)) for g in groups for s in shares]
    heights = [hgt for _, _, hgt in _bars(ax)]
    assert heights == pytest.approx(expected, abs=1e-9)
    for i in range(len(names)):  # each bar stacks to 100 %
        assert sum(hgt for k, hgt in enumerate(heights) if k % len(names) == i) == pytest.approx(100)
    assert sum(Fraction(v) for v in shares[0].values()) == 1
    labels = sorted(t.get_text() for t in ax.texts)
    assert labels == sorted(f"{x:.1f}%" for x in expected if x >= 3)
    assert ax.get_ylim() == (0, 100)


@pytest.mark.parametrize("device_gb, linear", [(10_000.0, False), (1.0, True)])
def test_memory_plot_batch_axis(device_gb, linear):
    pytest.importorskip("matplotlib", reason="plots need matplotlib (extra 'plot')")
    from symparams.studies.analysis import largest_fitting
    from symparams.studies.plot import memory_bytes, memory_vs_batch
    from symparams.presets import model
    from symparams.symbols import b

    m = model("gpt2")
    fig = memory_vs_batch("gpt2", seq=128, device_gb=device_gb)
    best = largest_fitting(memory_bytes(m).total, int(device_gb * 10**9), b, m.workload(1, 128))
    top = max(best * 2, 8 if best == 0 else 2)
    expected = list(range(1, top + 1)) if top <= 16 else [2**i for i in range(top.bit_length())]
    xs = list(fig.axes[0].collections[0].get_paths()[0].vertices[:, 0])
    assert sorted(set(round(x) for x in xs)) == expected
    assert (top <= 16) == linear
    assert (fig.axes[0].get_xscale() == "linear") == linear
