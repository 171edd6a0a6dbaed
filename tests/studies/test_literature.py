"""Each paper's formula, typed from the paper, against the library's general cost under
the paper's assumptions: an exact identity, or the exact term the paper documents dropping."""

import pytest
from sympy import Integer, expand

from symparams.studies import literature as lit
from symparams.components import Matmul
from symparams.symbols import V, a, b, d_ff, d_head, h, l, s, t


def test_every_formula_has_a_citation_and_assumptions():
    for f in lit.all_formulas():
        assert "et al." in f.citation and any(ch.isdigit() for ch in f.citation), f.key
        assert f.assumptions, f.key


# ---- Kaplan et al. 2020 ----

def test_kaplan_params_differs_by_biases_and_norms():
    f = lit.kaplan_params()
    assert f.paper == 12 * l * h**2
    # biases of q,k,v,o (4h) + MLP (4h + h) and two LayerNorms (2·2h), per layer: 13h
    assert f.difference == 13 * l * h
    assert not f.exact


def test_kaplan_weight_matrices_are_12_l_h2():
    # Kaplan's N counts weight matrices only: derived from the tensor shapes, it is exactly 12·l·h²
    assert expand(lit._weight_matrices(lit.gpt_classic()) - 12 * l * h**2) == 0


def test_kaplan_forward_is_exact():
    f = lit.kaplan_forward()
    assert f.paper == 24 * l * h**2 + 2 * l * s * h
    assert f.exact


def test_kaplan_six_n_drops_the_context_term():
    f = lit.kaplan_training()
    assert f.difference == 6 * l * s * h
    # the term is below 1% of 6N exactly when s < 0.12·h: the paper's "h > s/12" regime
    assert (f.difference / f.paper).xreplace({s: 12, h: 100}) == Integer(6 * 12 * 100) / (72 * 100**2)


# ---- Hoffmann et al. 2022, appendix F ----

def test_hoffmann_total_differs_by_embedding_and_softmax():
    f = lit.hoffmann_forward()
    assert f.difference == -(2 * s * V * h + 3 * l * a * s**2)


def test_hoffmann_per_op_matches_each_matmul():
    from symparams.costs.flops import forward_flops

    ops = lit.hoffmann_ops()
    bd = forward_flops(lit.hoffmann_arch(), b=Integer(1))
    per_layer = lambda *keys: expand(sum(bd[k] for k in keys) / l)  # noqa: E731
    assert expand(per_layer("attention.q_proj", "attention.k_proj", "attention.v_proj") - ops["qkv"]) == 0
    assert expand(per_layer("attention.scores") - ops["scores"]) == 0
    assert expand(per_layer("attention.values") - ops["values"]) == 0
    assert expand(per_layer("attention.o_proj") - ops["o_proj"]) == 0
    assert expand(per_layer("mlp.up_proj", "mlp.down_proj") - ops["dense"]) == 0
    assert expand(bd["output_head.lm_head"] - ops["logits"]) == 0


# ---- Narayanan et al. 2021 ----

@pytest.mark.parametrize("recompute", [False, True])
def test_narayanan_is_exact(recompute):
    f = lit.narayanan_training_flops(recompute)
    assert f.exact
    assert f.difference == 0 and f.derived != 0


def test_narayanan_recompute_adds_one_block_forward():
    extra = expand(lit.narayanan_training_flops(True).paper - lit.narayanan_training_flops(False).paper)
    assert extra == expand(l * (24 * b * s * h**2 + 4 * b * s**2 * h))


# ---- Korthikanti et al. 2022 ----

@pytest.mark.parametrize("variant", lit.KORTHIKANTI_VARIANTS)
def test_korthikanti_variants_are_exact(variant):
    assert lit.korthikanti_activations(variant).exact


def test_korthikanti_paper_values():
    # Table 2 shapes typed: no parallelism 34 + 5as/h per sbh; full recomputation 2 per sbh
    assert expand(lit.korthikanti_activations("none").paper - (34 * s * b * h + 5 * a * s**2 * b)) == 0
    assert expand(lit.korthikanti_activations("tp").paper.xreplace({t: 1})
                  - lit.korthikanti_activations("none").paper) == 0


def test_korthikanti_unknown_variant():
    with pytest.raises(ValueError, match="variant"):
        lit.korthikanti_activations("zero")


# ---- PaLM ----

def test_palm_mfu_is_exact():
    f = lit.palm_mfu_flops()
    assert f.exact
    # the attention term is 12·l·s·(a·d_head): with d_head = h/a it is PaLM's 12·l·h·s
    assert expand((f.paper - 6 * lit.breakdown(lit.palm_arch(), "N", "palm").total)
                  .xreplace({d_head: h / a}) - 12 * l * h * s) == 0


# ---- Pope et al. 2022 ----

def test_pope_kv_cache_mha_and_mqa():
    mha, mqa = lit.pope_kv_cache(False), lit.pope_kv_cache(True)
    assert mha.exact and mqa.exact
    assert expand(mha.derived / mqa.derived) == a  # multi-query shrinks the cache by the head count


# ---- Rajbhandari et al. 2020 (ZeRO) ----

def test_zero_paper_formulas_reproduce_its_table_1():
    # Table 1 / Figure 1: Ψ = 7.5B, K = 12, per-device model states in GB (10⁹ bytes)
    from fractions import Fraction

    from sympy import cancel

    from symparams.symbols import n_dp

    psi = lit.gpt_classic().params().total
    rows = {4: (120, "52.5", "41.3", "30"), 16: (120, "35.6", "21.6", "7.5"), 64: (120, "31.4", "16.6", "1.88")}
    for devices, table in rows.items():
        for stage, shown in enumerate(table):
            paper = lit.rajbhandari_zero(stage).paper
            per_parameter = cancel(paper / psi).xreplace({n_dp: devices})  # bytes per parameter
            value = Fraction(str(per_parameter)) * 7_500_000_000
            digits = len(str(shown).split(".")[1]) if "." in str(shown) else 0
            half_up = Fraction(int(value / 10**9 * 10**digits + Fraction(1, 2)), 10**digits)  # the paper's rounding
            assert half_up == Fraction(str(shown)), (devices, stage)


@pytest.mark.parametrize("stage, sharded_bytes", [(0, 0), (1, 12), (2, 14), (3, 16)])
def test_zero_derived_is_the_paper_plus_partition_padding(stage, sharded_bytes):
    from sympy import ceiling

    from symparams.symbols import n_dp

    f = lit.rajbhandari_zero(stage)
    psi = lit.gpt_classic().params().total
    assert f.difference == expand(sharded_bytes * (ceiling(psi / n_dp) - psi / n_dp))
    # zero when the devices divide Ψ: GPT-2-small-sized classic GPT, Ψ = 12·12·768² + 13·12·768 + 50257·768
    sizes = {l: 12, h: 768, V: 50257, n_dp: 1}
    psi_value = int(psi.xreplace(sizes))
    divisor = next(d for d in range(2, 100) if psi_value % d == 0)
    assert f.difference.xreplace({**sizes, n_dp: divisor}) == 0


# ---- Narayanan et al. 2021: time and bubble; Korthikanti et al. 2022: pipeline activations ----

def test_narayanan_training_time_drops_attention_and_logits():
    from symparams.symbols import D, X, n_dp, n_pp

    f = lit.narayanan_training_time()
    assert f.difference == expand(D * (16 * l * h * s + 6 * V * h) / (t * n_pp * n_dp * X))
    # the paper's numbers: 8·T·P/(n·X) for GPT-3 (T = 300B, P = 175B, n = 1024, X = 140 TFLOP/s): 34 days
    days = 8 * 300e9 * 175e9 / (1024 * 140e12) / 86400
    assert round(days) == 34


@pytest.mark.parametrize("interleaved", [False, True])
def test_narayanan_bubble_is_exact(interleaved):
    f = lit.narayanan_bubble(interleaved)
    assert f.exact and f.derived != 0


@pytest.mark.parametrize("interleaved", [False, True])
def test_korthikanti_pipeline_is_exact(interleaved):
    assert lit.korthikanti_pipeline(interleaved).exact


def test_korthikanti_embedding_dropout_on_the_first_stage():
    # §4.3: the first stage also keeps the embedding's dropout mask for its p micro-batches: s·b·h·p/t
    from sympy import Min

    from symparams.costs.activations import activation_memory
    from symparams.studies.pipeline import stage_activations
    from symparams.symbols import m, n_pp

    arch = lit.gpt_classic()
    kept = stage_activations(arch, activation_memory(arch, dtype="fp16", t=t, sequence_parallel=True), "first")
    embedding = kept.by_stack()["embedding"].xreplace({Min(m, n_pp): n_pp})
    assert expand(embedding - s * b * h * n_pp / t) == 0
