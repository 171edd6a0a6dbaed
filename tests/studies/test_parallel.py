"""Training at scale: per-device parameters, memory, pipeline, communication, time, fitting.

Every expected number is computed here independently, in plain ints from the published
shapes (Llama 2 7B: h = 4,096, l = 32, a = 32, d_ff = 11,008, V = 32,000, untied), from the
Megatron rules written out by hand, from a simulation of the pipeline schedules, or from
the library's single-device paths that these figures must reduce to.
"""

from fractions import Fraction
from math import ceil

import pytest
from hypothesis import given, strategies as st
from sympy import Integer, Min, expand

from symparams.costs.activations import activation_memory
from symparams.costs.training import alpha_beta, max_batch, training_memory
from symparams.errors import OptionError
from symparams.families import architecture
from symparams.presets import model
from symparams.studies import parallel
from symparams.studies.communication import all_reduce, communication, kind_total
from symparams.studies.fitting import fit, largest_micro_batch, smallest_model_parallel
from symparams.studies.optimizers import OPTIMIZERS
from symparams.studies.pipeline import bubble_fraction, chunks_in_flight
from symparams.studies.plan import TrainingPlan, achieved_flops, estimate
from symparams.studies.sharding import rank_tensors, split_by_group, stage_parameters
from symparams.symbols import V, a, d_ff, h, l, m, n_dp, n_ep, n_kv, n_pp, n_vs, s_max, t
from symparams.values import evaluate

LLAMA = dict(h=4096, l=32, a=32, d_ff=11008, V=32000)
GPT = architecture("gpt-classic")


def llama_layer(tp):
    """One Llama 2 7B layer on one tensor-parallel rank: Q, K, V, O and the three MLP matrices split,
    the two RMSNorm gains replicated."""
    H, F = LLAMA["h"], LLAMA["d_ff"]
    return 4 * H * H // tp + 3 * H * F // tp + 2 * H


# ---- parameters per device: Megatron's rules -------------------------------------------------

def test_classic_block_on_one_rank_by_hand():
    # Q, K, V (weights and biases) and the MLP's up projection are column-parallel; O and the down
    # projection are row-parallel (weight split, bias replicated); LayerNorms are replicated
    by_hand = 3 * (h * h + h) / t + (h * h / t + h) + (4 * h * h + 4 * h) / t + (4 * h * h / t + h) + 2 * 2 * h
    assert expand(stage_parameters(GPT, "all").block - by_hand) == 0


def test_ranks_hold_every_parameter_once_plus_the_replicas():
    # summed over the t ranks: the model, plus t − 1 extra copies of every replicated tensor
    for name in ("gpt2", "llama-2-7b", "mixtral-8x7b-v0.1", "qwen1.5-moe-a2.7b", "falcon-7b"):
        arch = model(name).architecture
        replicated = sum((st.count if st.layers else 1) * sh.numel for st in arch.stacks for c in st.block
                         for sh in rank_tensors(c, 1, 1) if sh.rule == "replicated")
        dense, experts = split_by_group(stage_parameters(arch, "all"))
        total = expand(t * dense + t * n_ep * experts - (t - 1) * replicated)
        assert expand(total - arch.params().total) == 0, name


def test_llama_stages_by_hand():
    values = {**model("llama-2-7b").values, t: 2, n_pp: 4, n_ep: 1}
    arch = model("llama-2-7b").architecture
    H, L, Vv = LLAMA["h"], LLAMA["l"], LLAMA["V"]
    first = stage_parameters(arch, "first").at(values).total
    last = stage_parameters(arch, "last").at(values).total
    assert first == Vv * H // 2 + L // 4 * llama_layer(2)
    assert last == L // 4 * llama_layer(2) + H + Vv * H // 2  # final norm (replicated) + untied head
    # the stages together hold the model once per tensor-parallel rank group
    middle = L // 4 * llama_layer(2)
    assert 2 * (first + 2 * middle + last) - L * 2 * H - H == model("llama-2-7b").params.total


def test_tied_head_keeps_a_copy_on_the_last_stage():
    arch = architecture("gpt2")
    first, last = stage_parameters(arch, "first"), stage_parameters(arch, "last")
    layers = l * stage_parameters(arch, "all").block / n_pp
    assert expand(first.total - (V * h / t + h * s_max + layers)) == 0
    # the final LayerNorm, and the copy of the (vocabulary-parallel) embedding table the logits use
    assert expand(last.total - (layers + 2 * h + V * h / t)) == 0
    # without a pipeline the head owns no weight: at t = 1 it is the model's own count
    assert expand(stage_parameters(arch, "all").total.xreplace({t: 1}) - arch.params().total) == 0


def test_experts_split_over_expert_parallel_ranks():
    arch = model("mixtral-8x7b-v0.1").architecture
    dense, experts = split_by_group(stage_parameters(arch, "all"))
    # 8 experts × 3 matrices of h × d_ff per layer, E/N_ep per rank, each split over t
    assert expand(experts - l * 3 * architecture_E(arch) * h * d_ff / (t * n_ep)) == 0
    assert expand(dense - (V * h / t + V * h / t + h + l * (2 * h * h / t + 2 * h * h * n_kv / (a * t)
                                                            + 2 * h + architecture_E(arch) * h))) == 0


def architecture_E(arch):
    return next(c.E for c, _ in arch.parts() if c.key == "moe")


@pytest.mark.parametrize("tp", [3, 5, 64])
def test_heads_not_divisible_are_named(tp):
    with pytest.raises(OptionError, match=rf"--tp {tp}: the 32 query heads \(a\) are not divisible by {tp}"):
        estimate(model("llama-2-7b"), TrainingPlan(gpus=tp, tp=tp))


def test_kv_heads_vocabulary_and_mlp_are_named():
    with pytest.raises(OptionError, match=r"--tp 2: the 1 key/value heads \(n_kv\)"):
        estimate(model("santacoder"), TrainingPlan(gpus=2, tp=2))  # multi-query: one K/V head
    with pytest.raises(OptionError, match=r"--tp 2: the 50257 vocabulary rows \(V\).*pads"):
        estimate(model("gpt2"), TrainingPlan(gpus=2, tp=2))
    with pytest.raises(OptionError, match=r"--ep 3: the 8 experts \(E\)"):
        estimate(model("mixtral-8x7b-v0.1"), TrainingPlan(gpus=6, ep=3))
    with pytest.raises(OptionError, match="no mixture-of-experts"):
        estimate(model("llama-2-7b"), TrainingPlan(gpus=2, ep=2))


# ---- memory per device -----------------------------------------------------------------------

@pytest.mark.parametrize("name", ["gpt2", "cs336-gpt2-small", "llama-2-7b", "gemma-2-2b", "mixtral-8x7b-v0.1"])
@pytest.mark.parametrize("recompute", ["none", "selective", "full"])
def test_one_device_is_the_training_memory_of_one_device(name, recompute):
    # no parallelism: the same bytes as the single-device training memory (AdamW, 2 + 2 + 12)
    m = model(name)
    ours = estimate(m, TrainingPlan(gpus=1, seq=512, micro_batch=3, recompute=recompute)).memory.total
    single = m.training_memory(3, 512, recipe="mixed", activations={"recompute": recompute}).total
    assert ours == single


def test_zero_stages_shard_states_with_padding():
    m = model("gpt2")
    psi = m.params.total
    for zero, (w, g, o) in {0: (psi, psi, psi), 1: (psi, psi, ceil(psi / 7)), 2: (psi, ceil(psi / 7), ceil(psi / 7)),
                            3: (ceil(psi / 7), ceil(psi / 7), ceil(psi / 7))}.items():
        mem = estimate(m, TrainingPlan(gpus=7, zero=zero, seq=128)).memory_bytes()
        assert (mem["weights"], mem["gradients"], mem["optimizer"]) == (2 * w, 2 * g, 12 * o), zero


def test_offload_moves_state_to_the_host():
    m = model("gpt2")
    base = estimate(m, TrainingPlan(gpus=4, zero=3, seq=128))
    opt = estimate(m, TrainingPlan(gpus=4, zero=3, seq=128, offload="optimizer"))
    both = estimate(m, TrainingPlan(gpus=4, zero=3, seq=128, offload="optimizer+params"))
    assert opt.memory_bytes()["optimizer"] == 0 and opt.host.total == base.memory_bytes()["optimizer"]
    assert both.memory_bytes()["weights"] == 0
    assert both.host.total == base.memory_bytes()["optimizer"] + base.memory_bytes()["weights"]
    assert both.memory_bytes()["gradients"] == base.memory_bytes()["gradients"]


def test_optimizer_state_sizes():
    psi = model("gpt2").params.total
    bytes_per = {"adamw": 12, "adamw-fp32": 8, "adam-8bit": 6, "sgd": 8, "lion": 8}
    for name, per in bytes_per.items():
        mem = estimate(model("gpt2"), TrainingPlan(gpus=1, optimizer=name, seq=128)).memory_bytes()
        w = 4 if name == "adamw-fp32" else 2
        assert (mem["weights"], mem["gradients"], mem["optimizer"]) == (w * psi, w * psi, per * psi), name
    # Adafactor: fp32 master + factored second moment: rows + columns of each matrix, all of each vector
    m = model("llama-2-7b")
    H, F, Vv, L = LLAMA["h"], LLAMA["d_ff"], LLAMA["V"], LLAMA["l"]
    factored = L * (4 * (H + H) + 3 * (H + F) + 2 * H) + (Vv + H) + H + (Vv + H)
    mem = estimate(m, TrainingPlan(gpus=1, optimizer="adafactor", seq=128)).memory_bytes()
    assert mem["optimizer"] == 4 * m.params.total + 4 * factored
    assert OPTIMIZERS["adamw"].per_parameter == 16


def test_llama_first_stage_memory_by_hand():
    m = model("llama-2-7b")
    plan = TrainingPlan(gpus=64, tp=2, pp=2, global_batch=1024, seq=4096, zero=1, recompute="selective")
    est = estimate(m, plan)
    first = LLAMA["V"] * LLAMA["h"] // 2 + 16 * llama_layer(2)
    mem = est.memory_bytes()
    assert est.stage == "first" and est.micro_batches == 64
    assert (mem["weights"], mem["gradients"], mem["optimizer"]) == (2 * first, 2 * first, 12 * ceil(first / 16))
    # 1F1B: the first stage keeps min(m, P) = 2 micro-batches of its 16 layers (and of the embedding)
    acts = activation_memory(m.architecture, recompute="selective", t=2).at(m.workload(1, 4096))
    assert mem["activations"] == 2 * 16 * acts.block + 2 * acts.by_stack().get("embedding", 0)


def test_sequence_parallel_divides_the_rest_by_t():
    m = model("llama-2-7b")
    plain = estimate(m, TrainingPlan(gpus=8, tp=8, seq=4096, recompute="selective")).memory_bytes()
    sp = estimate(m, TrainingPlan(gpus=8, tp=8, seq=4096, recompute="selective", sequence_parallel=True))
    H, S = LLAMA["h"], 4096
    # per layer: the two RMSNorm inputs and the attention and MLP inputs (2 bytes each) are no longer
    # replicated; in the head, the final norm's input and the head's input
    per_layer, head = 4 * 2 * S * H, 2 * 2 * S * H
    saved = (LLAMA["l"] * per_layer + head) * 7 // 8
    assert plain["activations"] - sp.memory_bytes()["activations"] == saved


# ---- pipeline: the bubble and the micro-batches in flight, against a simulated schedule --------------

def _order(P, v, mb, r):
    """Megatron's op order on device r (1F1B, or interleaved with v chunks)."""
    total = mb * v
    if v > 1:
        warm = min((P - r - 1) * 2 + (v - 1) * P, total)
        fwd = lambda k: ((k // P) % v, (k // (P * v)) * P + k % P)  # noqa: E731
        bwd = lambda k: (v - 1 - (k // P) % v, (k // (P * v)) * P + k % P)  # noqa: E731
    else:
        warm = min(P - r - 1, mb)
        fwd = bwd = lambda k: (0, k)  # noqa: E731
    ops, f, b = [], 0, 0
    for _ in range(warm):
        ops.append(("F", *fwd(f)))
        f += 1
    for _ in range(total - warm):
        ops += [("F", *fwd(f)), ("B", *bwd(b))]
        f, b = f + 1, b + 1
    ops += [("B", *bwd(k)) for k in range(b, total)]
    return ops


def _simulate(P, v, mb, tf=1, tb=2):
    """Run every device's op order with the dependencies between virtual stages; return
    (bubble over ideal time, peak live chunks on device 0, on device P − 1)."""
    orders = [_order(P, v, mb, r) for r in range(P)]
    pos, free, done, last = [0] * P, [0] * P, {}, v * P - 1
    progress = True
    while progress:
        progress = False
        for r in range(P):
            while pos[r] < len(orders[r]):
                kind, c, i = orders[r][pos[r]]
                vs = c * P + r
                dep = (("F", vs - 1, i) if vs > 0 else None) if kind == "F" else (
                    ("B", vs + 1, i) if vs < last else ("F", vs, i))
                if dep is not None and dep not in done:
                    break
                end = max(free[r], done[dep] if dep else 0) + (tf if kind == "F" else tb)
                done[(kind, vs, i)], free[r], pos[r], progress = end, end, pos[r] + 1, True
    assert pos == [len(o) for o in orders], "the schedule deadlocked"
    ideal = mb * v * (tf + tb)

    def peak(r):
        live = best = 0
        for kind, _, _ in orders[r]:
            live += 1 if kind == "F" else -1
            best = max(best, live)
        return best

    return Fraction(max(free) - ideal, ideal), peak(0), peak(P - 1)


@pytest.mark.parametrize("P, v, mb", [(2, 1, 1), (4, 1, 3), (4, 1, 8), (8, 1, 16), (4, 2, 8), (4, 2, 16),
                                      (4, 3, 12), (8, 2, 16), (8, 4, 32), (3, 2, 6)])
def test_bubble_and_in_flight_match_a_simulated_schedule(P, v, mb):
    bubble, first, last = _simulate(P, v, mb)
    values = {n_pp: P, m: mb, n_vs: v}
    interleaved = v > 1
    assert bubble_fraction(interleaved).xreplace(values) == Integer(bubble.numerator) / bubble.denominator
    assert chunks_in_flight("first", interleaved).xreplace(values) == first
    assert chunks_in_flight("last", interleaved).xreplace(values) == last


def test_layer_checks():
    m = model("llama-2-7b")
    with pytest.raises(OptionError, match="--pp 64 is more than the 32 layers"):
        estimate(m, TrainingPlan(gpus=64, pp=64))
    with pytest.raises(OptionError, match="--pp 3: the 32 layers of stack 'block' do not split evenly"):
        estimate(m, TrainingPlan(gpus=3, pp=3))
    with pytest.raises(OptionError, match="--virtual-stages 3: the 32 layers"):
        estimate(m, TrainingPlan(gpus=4, pp=4, virtual=3, global_batch=4))
    with pytest.raises(OptionError, match="--global-batch: the interleaved schedule"):
        estimate(m, TrainingPlan(gpus=4, pp=4, virtual=2, global_batch=6))


# ---- communication ---------------------------------------------------------------------------

def test_ring_collectives():
    assert all_reduce(1000, 4) == 2 * 3 * 250 and all_reduce(1001, 4) == 2 * 3 * 251
    assert expand(all_reduce(h, 1)) == 0


def test_llama_communication_by_hand():
    m = model("llama-2-7b")
    est = estimate(m, TrainingPlan(gpus=64, tp=2, pp=2, global_batch=1024, seq=4096, zero=1))
    H, S, mb, dp = LLAMA["h"], 4096, 64, 16
    first = LLAMA["V"] * H // 2 + 16 * llama_layer(2)
    chunk = ceil(S * H / 2)  # an all-reduce of b·s·h over t = 2 sends 2·(t − 1) chunks of ⌈b·s·h/t⌉
    expected = {
        # ZeRO 1: reduce-scatter the 16-bit gradients, all-gather the 16-bit weights, once per step
        "dp": 2 * (dp - 1) * ceil(first / dp) + 2 * (dp - 1) * ceil(first / dp),
        # 16 layers × (attention + MLP) × (forward + backward) all-reduces, the embedding's one, per micro-batch
        "tp": mb * (16 * 4 + 1) * 2 * 2 * (2 - 1) * chunk,
        # the first stage sends each micro-batch's layer output forward, split over the t ranks
        "pp": mb * 2 * chunk,
        "ep": 0,
    }
    assert est.communication_bytes() == expected


def test_zero3_sends_half_again_the_all_reduce():
    # Rajbhandari et al. 2020, §7.2.2: 3Ψ instead of 2Ψ (one step of one micro-batch)
    arch = GPT
    bd0, bd3 = communication(arch, zero=0), communication(arch, zero=3)
    values = {h: 64, l: 2, V: 128, a: 4, t: 1, n_dp: 8, m: 1}
    d0 = expand(kind_total(bd0, "dp")).xreplace(values)
    d3 = expand(kind_total(bd3, "dp")).xreplace(values)
    assert 2 * d3 == 3 * d0


def test_expert_all_to_all_by_hand():
    m = model("mixtral-8x7b-v0.1")
    est = estimate(m, TrainingPlan(gpus=16, tp=2, ep=8, seq=1024, zero=1, sequence_parallel=True))
    H, S, k, EP = 4096, 1024, 2, 8
    routed = k * S * H // 2  # each tensor-parallel rank routes 1/t of the tokens (sequence parallel)
    per_layer = 4 * 2 * (EP - 1) * ceil(routed / EP)  # dispatch + combine, forward + backward, 2 bytes
    assert est.communication_bytes()["ep"] == 32 * per_layer


# ---- time and cost ---------------------------------------------------------------------------

def test_llama_step_flops_by_hand():
    m = model("llama-2-7b")
    H, L, F, Vv, S, B = LLAMA["h"], LLAMA["l"], LLAMA["d_ff"], LLAMA["V"], 4096, 1024
    forward = 2 * L * (4 * H * H + 3 * H * F) + 2 * Vv * H + 4 * L * S * H  # per token, dense s × s products
    per_token = 3 * forward + 4 * L * S * H  # backward = 2 × forward; selective recomputes the s² products
    plan = TrainingPlan(gpus=64, tp=2, pp=2, global_batch=B, seq=S, recompute="selective", tokens=2 * 10**12,
                        flops_per_second=achieved_flops(312 * 10**12, "0.45"), price_per_hour="2.5")
    est = estimate(m, plan)
    assert est.step_flops == B * S * per_token
    assert est.step_seconds == Fraction(B * S * per_token, 64 * 140_400_000_000_000)
    assert est.total_seconds == Fraction(2 * 10**12 * per_token, 64 * 140_400_000_000_000)
    assert est.days == est.total_seconds / 86400 and est.gpu_hours == est.total_seconds * 64 / 3600
    assert est.dollars == est.gpu_hours * Fraction(5, 2)


def gpt(name, l_, h_, a_):
    from symparams.models import Model

    return Model(name, architecture("gpt2"), {"l": l_, "h": h_, "a": a_, "V": 51200, "s_max": 2048})


@pytest.mark.parametrize("name, shape, gpus, tp, pp, batch, tokens, tflops, days", [
    # Narayanan et al. 2021, §5.1: GPT-3 on 1,024 A100s at 140 TFLOP/s (34 days); 1T on 3,072 at 163 (84 days)
    ("gpt3-175b", (96, 12288, 96), 1024, 8, 16, 1536, 300 * 10**9, 140, 34),
    ("gpt-1t", (128, 25600, 160), 3072, 8, 64, 3072, 450 * 10**9, 163, 84),
])
def test_narayanan_end_to_end_estimates(name, shape, gpus, tp, pp, batch, tokens, tflops, days):
    m = gpt(name, *shape)
    est = estimate(m, TrainingPlan(gpus=gpus, tp=tp, pp=pp, global_batch=batch, seq=2048, recompute="full",
                                   tokens=tokens, flops_per_second=tflops * 10**12))
    L, H, S, Vv = shape[0], shape[1], 2048, 51200
    # their F = 96·B·s·l·h²·(1 + s/6h + V/16lh) FLOPs per iteration, exactly (every matmul, full recompute)
    per_iteration = 96 * batch * S * L * H**2 * (1 + Fraction(S, 6 * H) + Fraction(Vv, 16 * L * H))
    assert est.step_flops == per_iteration
    assert est.total_seconds == Fraction(tokens, batch * S) * per_iteration / (gpus * tflops * 10**12)
    assert abs(est.days / days - 1) < Fraction(3, 100)  # the paper rounds and drops s/6h, V/16lh
    assert est.memory.total < 80 * 10**9  # and it fits an A100 80 GB


# ---- fitting ---------------------------------------------------------------------------------

def test_largest_micro_batch_is_the_alpha_beta_root_on_one_device():
    m = model("gpt2")
    mem = training_memory(m.architecture, recipe="mixed", activations={"recompute": "selective"})
    alpha, beta = alpha_beta(mem.total)
    sizes = m.workload(1, 1024)
    best = max_batch(evaluate(alpha, sizes), evaluate(beta, sizes), 24 * 10**9)
    plan = TrainingPlan(gpus=1, seq=1024, recompute="selective")
    assert largest_micro_batch(m, plan, 24 * 10**9)[0] == best


def test_fit_with_a_global_batch_keeps_divisors():
    m = model("llama-2-7b")
    plan = TrainingPlan(gpus=64, tp=2, pp=2, global_batch=1536, seq=4096, recompute="selective", zero=1)
    b, total = largest_micro_batch(m, plan, 80 * 10**9)
    assert 96 % b == 0 and total <= 80 * 10**9
    bigger = [d for d in range(b + 1, 97) if 96 % d == 0]
    assert not bigger or estimate(m, plan.replace(micro_batch=bigger[0])).memory.total > 80 * 10**9


def test_smallest_model_parallel_is_the_first_that_fits():
    m = model("llama-2-7b")
    plan = TrainingPlan(gpus=64, global_batch=512, seq=4096, recompute="selective")
    tp, pp, total = smallest_model_parallel(m, plan, 40 * 10**9)
    assert total <= 40 * 10**9
    for smaller in (1, 2, 4, 8, 16, 32, 64):
        if smaller >= tp * pp:
            break
        for t_ in (d for d in (1, 2, 4, 8) if smaller % d == 0):
            try:
                assert estimate(m, plan.replace(tp=t_, pp=smaller // t_)).memory.total > 40 * 10**9
            except OptionError:
                pass
    result = fit(m, plan, "a100-80gb")
    assert result.memory_bytes == 80 * 10**9 and result.model_parallel[0] * result.model_parallel[1] >= 1


# ---- the symbolic figures ------------------------------------------------------------------------

def test_figures_are_expressions_in_the_degrees():
    mem = parallel.device_memory(model("llama-2-7b").architecture, "first", zero=1, recompute="selective")
    assert {t, n_pp, n_dp, m} <= mem.total.free_symbols
    assert Min(m, n_pp) in mem.total.atoms(Min)
    assert bubble_fraction() == (n_pp - 1) / m


@given(st.integers(1, 8), st.integers(1, 4), st.integers(1, 6))
def test_schedule_property(P, v, k):
    # any pipeline: 1F1B with any m, or interleaved (P ≥ 2) with m a multiple of P
    if v > 1 and P < 2:
        P = 2
    mb = k * P if v > 1 else k
    bubble, first, last = _simulate(P, v, mb)
    values = {n_pp: P, m: mb, n_vs: v}
    interleaved = v > 1
    assert bubble_fraction(interleaved).xreplace(values) == Integer(bubble.numerator) / bubble.denominator
    assert (chunks_in_flight("first", interleaved).xreplace(values),
            chunks_in_flight("last", interleaved).xreplace(values)) == (first, last)
