"""The plot of per-device memory against t × N_pp: the layouts it takes, its numbers, its PNG."""

import pytest

import symparams
from symparams.studies import plot
from symparams.studies.plan import TrainingPlan, estimate

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_layouts_prefer_tensor_parallelism_inside_a_node():
    assert plot._layouts(64, 8) == [(1, 1), (2, 1), (4, 1), (8, 1), (8, 2), (8, 4), (8, 8)]
    assert plot._layouts(12, 8) == [(1, 1), (2, 1), (3, 1), (4, 1), (6, 1), (6, 2)]


def test_numbers_are_the_estimates_and_skip_what_the_model_cannot_take():
    m = symparams.model("llama-2-7b")
    options = {"seq": 4096, "global_batch": 64, "recompute": "selective", "zero": 1}
    data = plot.memory_by_model_parallel(m, gpus=64, **options)
    # t = 8 with N_pp = 8: 32 layers split in 8, fine; every layout divides 32 heads and 32 layers
    assert data["layouts"] == [(1, 1), (2, 1), (4, 1), (8, 1), (8, 2), (8, 4), (8, 8)]
    for (tp, pp), total in zip(data["layouts"], data["total"]):
        assert total == estimate(m, TrainingPlan(gpus=64, tp=tp, pp=pp, **options)).memory.total
    assert data["total"] == sorted(data["total"], reverse=True)  # more model parallelism, less per device
    odd = plot.memory_by_model_parallel(m, gpus=24, seq=4096, global_batch=48)
    assert (3, 1) not in odd["layouts"] and (8, 3) not in odd["layouts"]  # 32 heads, 32 layers


def test_png(tmp_path):
    pytest.importorskip("matplotlib", reason="matplotlib not installed (extra 'plot')")
    out = tmp_path / "mp.png"
    plot.plot_cli("memory-parallel", ["llama-2-7b"], out, seq=2048)
    assert out.read_bytes()[:8] == PNG_MAGIC
