"""The derivation of training at scale (pipelined, interleaved, expert parallel, ZeRO-3, Adafactor)
rendered by the real KaTeX, in every format: its ⌈·⌉ partitions and min(·) micro-batches included."""

import pytest

import symparams
from symparams.reports.derivation import derivation
from symparams.studies.plan import TrainingPlan

from test_latex_renders import _render_all, html_items, latex_doc_items, markdown_items

pytestmark = pytest.mark.katex

PLANS = [
    ("llama-2-7b", TrainingPlan(gpus=64, tp=2, pp=2, zero=1, global_batch=1024, seq=4096, recompute="selective")),
    ("llama-2-7b", TrainingPlan(gpus=32, tp=2, pp=4, virtual=2, global_batch=64, seq=2048, zero=3,
                                optimizer="adafactor", sequence_parallel=True)),
    ("mixtral-8x7b-v0.1", TrainingPlan(gpus=64, tp=2, pp=4, ep=8, zero=2, global_batch=64, seq=1024,
                                       recompute="full", offload="optimizer")),
    ("gpt2", TrainingPlan(gpus=8, pp=4, global_batch=16, seq=1024)),
]


@pytest.mark.parametrize("name, plan", PLANS, ids=[f"{n}-{p.tp}x{p.pp}" for n, p in PLANS])
def test_parallel_derivation_renders(name, plan):
    m = symparams.model(name)
    items = []
    for style in ("aligned", "$$"):
        items += [(tex, d, f"{name} latex {style}")
                  for tex, d in latex_doc_items(derivation(m, cost="parallel", fmt="latex", style=style,
                                                           parallel=plan))]
    items += [(tex, d, f"{name} md") for tex, d in markdown_items(derivation(m, cost="parallel", parallel=plan))]
    items += [(tex, d, f"{name} html")
              for tex, d in html_items(derivation(m, cost="parallel", fmt="html", parallel=plan))]
    assert any(r"\lceil" in tex for tex, _, _ in items) or plan.zero == 0
    _render_all(items)
