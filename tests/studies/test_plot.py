"""Plots (symparams.studies.plot): produced, non-empty PNGs, and the numbers behind them.

Skipped with a reason when matplotlib (extra ``plot``) is not installed; the
numeric helpers are tested without it.
"""

import subprocess
import sys
from fractions import Fraction

import pytest

import symparams
from symparams.studies import plot
from symparams.studies.analysis import largest_fitting
from symparams.symbols import b

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _matplotlib():
    return pytest.importorskip("matplotlib", reason="matplotlib not installed (extra 'plot')")


def test_import_symparams_does_not_import_matplotlib():
    code = "import sys, symparams, symparams.studies.plot; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr


def test_flop_shares_cs336_xl_by_hand():
    # worked example A sizes: l=48, h=1600, d_ff=6400, V=50257, s=1024, b=1
    l, h, d_ff, V, s = 48, 1600, 6400, 50_257, 1024
    proj, prods, ffn, head = l * 8 * s * h**2, l * 4 * s**2 * h, l * 6 * s * h * d_ff, 2 * s * h * V
    total = proj + prods + ffn + head
    shares = plot.flop_shares(symparams.model("cs336-gpt2-xl"))
    assert shares == {
        "attention projections": Fraction(proj, total),
        "attention (s² products)": Fraction(prods, total),
        "feed-forward": Fraction(ffn, total),
        "output head": Fraction(head, total),
    }


def test_attention_share_grows_with_context():
    m = symparams.model("cs336-gpt2-xl")
    shares = [plot.flop_shares(m, seq=s)["attention (s² products)"] for s in (1024, 4096, 16384)]
    assert shares == sorted(shares) and shares[-1] > Fraction(1, 2)


def test_largest_batch_inference_exact():
    m = symparams.model("cs336-gpt2-xl")
    # weights in bf16: 2 bytes × 2,127,057,600; KV cache per sequence: 4·l·h·s bytes (bf16)
    weights, per_seq = 2 * 2_127_057_600, 4 * 48 * 1600 * 1024
    device = 80 * 10**9
    memory = plot.memory_bytes(m, mode="inference").total
    assert largest_fitting(memory, device, b, m.workload(1)) == (device - weights) // per_seq
    assert largest_fitting(memory, weights, b, m.workload(1)) == 0


def test_training_memory_by_batch_is_affine_and_has_16_bytes_per_param():
    m = symparams.model("cs336-gpt2-xl")
    parts = plot.memory_by_batch(m, [1, 2, 3], recipe="mixed")
    fixed = sum(v[0] for k, v in parts.items() if "activation" not in k)
    assert fixed == 16 * 2_127_057_600  # 2 + 2 + 12 bytes per parameter (mixed-precision AdamW)
    totals = [sum(v[i] for v in parts.values()) for i in range(3)]
    assert totals[2] - totals[1] == totals[1] - totals[0] > 0
    best = largest_fitting(plot.memory_bytes(m, recipe="mixed").total, 80 * 10**9, b, m.workload(1))
    assert sum(v[0] for v in plot.memory_by_batch(m, [best], recipe="mixed").values()) <= 80 * 10**9
    assert sum(v[0] for v in plot.memory_by_batch(m, [best + 1], recipe="mixed").values()) > 80 * 10**9


def _check_png(path):
    data = path.read_bytes()
    assert data.startswith(PNG_MAGIC) and len(data) > 10_000


@pytest.mark.parametrize("draw", [
    lambda p: plot.flop_share_vs_size(path=p),
    lambda p: plot.flop_share_vs_context("cs336-gpt2-small", seqs=(256, 1024, 4096), path=p),
    lambda p: plot.memory_vs_batch("gpt2-xl", device_gb=24, path=p),
    lambda p: plot.memory_vs_batch("gpt2", mode="inference", device_gb=4, path=p),
    lambda p: plot.params_vs_shape(("gpt2", "cs336-gpt2-small"), path=p),
], ids=["flop-share-size", "flop-share-context", "memory-batch", "memory-inference", "params-shape"])
def test_plots_write_png(draw, tmp_path):
    _matplotlib()
    path = tmp_path / "out.png"
    fig = draw(path)
    _check_png(path)
    assert fig.axes and any(ax.has_data() for ax in fig.axes)


def test_cli_plot(tmp_path):
    _matplotlib()
    path = tmp_path / "share.png"
    out = subprocess.run([sys.executable, "-m", "symparams.cli", "plot", "flop-share-size", "gpt2", "gpt2-xl",
                          "-o", str(path)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    _check_png(path)


@pytest.mark.parametrize("args", [("pie", "gpt2"), ("memory-batch", "gpt2", "gpt2-xl"), ("flop-share-size", "nope")])
def test_cli_plot_errors(args, tmp_path):
    out = subprocess.run([sys.executable, "-m", "symparams.cli", "plot", *args, "-o", str(tmp_path / "x.png")],
                         capture_output=True, text=True)
    assert out.returncode == 2 and out.stdout == "" and out.stderr.count("\n") == 1


def test_memory_bytes_pieces():
    m = symparams.model("gpt2")
    assert [p.key for p in plot.memory_bytes(m, mode="inference").pieces] == ["weights", "kv_cache"]
