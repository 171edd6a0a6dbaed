"""Oracle: per-device parameters under tensor, expert and pipeline parallelism equal what a real
sharding holds, and optimizer state sizes equal what the real optimizers allocate.

The sharding is done here with torch on the parameters transformers builds (meta device), rank
by rank, by Megatron's rules written out from Megatron-Core's layers — not from symparams' table:
``VocabParallelEmbedding`` (rows split), ``ColumnParallelLinear`` for the fused QKV, the MLP's
first projection(s) and the output layer (output features and bias split), ``RowParallelLinear``
for the attention output and the MLP's last projection (input features split, bias replicated),
norms, learned positions and the MoE router replicated, experts split over the expert-parallel
ranks. GPT-2's ``Conv1D`` stores its weight as (in, out). Pipeline stages take consecutive layers;
the first holds the embeddings, the last the final norm and the output layer, and a tied output
layer keeps a copy of the embedding's shard on the last stage.
"""

import re

import pytest

import symparams
from symparams.studies.sharding import stage_parameters
from symparams.symbols import n_ep, n_pp, t

from _oracle import require_oracle

pytestmark = pytest.mark.oracle

CONFIGS = {
    "gpt2": {"model_type": "gpt2", "n_layer": 4, "n_embd": 64, "n_head": 8, "vocab_size": 128, "n_positions": 64,
             "bos_token_id": 0, "eos_token_id": 0},
    "llama": {"model_type": "llama", "num_hidden_layers": 4, "hidden_size": 64, "num_attention_heads": 8,
              "num_key_value_heads": 4, "intermediate_size": 96, "vocab_size": 128, "max_position_embeddings": 64,
              "tie_word_embeddings": False, "bos_token_id": 0, "eos_token_id": 0},
    "qwen2": {"model_type": "qwen2", "num_hidden_layers": 4, "hidden_size": 64, "num_attention_heads": 8,
              "num_key_value_heads": 4, "intermediate_size": 96, "vocab_size": 128, "max_position_embeddings": 64,
              "tie_word_embeddings": True, "bos_token_id": 0, "eos_token_id": 0},
    "mixtral": {"model_type": "mixtral", "num_hidden_layers": 4, "hidden_size": 64, "num_attention_heads": 8,
                "num_key_value_heads": 4, "intermediate_size": 96, "vocab_size": 128,
                "max_position_embeddings": 64, "num_local_experts": 4, "num_experts_per_tok": 2,
                "bos_token_id": 0, "eos_token_id": 0},
    "qwen2_moe": {"model_type": "qwen2_moe", "num_hidden_layers": 4, "hidden_size": 64, "num_attention_heads": 8,
                  "num_key_value_heads": 4, "intermediate_size": 96, "moe_intermediate_size": 32,
                  "shared_expert_intermediate_size": 48, "vocab_size": 128, "max_position_embeddings": 64,
                  "num_experts": 4, "num_experts_per_tok": 2, "decoder_sparse_step": 1, "mlp_only_layers": [],
                  "bos_token_id": 0, "eos_token_id": 0},
}
LAYOUTS = [(1, 1, 1), (2, 1, 1), (4, 1, 1), (1, 2, 1), (2, 2, 1), (2, 4, 1), (1, 1, 2), (2, 2, 2), (2, 1, 4)]
MOE = ("mixtral", "qwen2_moe")
#: (family, tp, pp, ep): expert parallelism only where there are experts
CASES = [(f, tp, pp, ep) for f in sorted(CONFIGS) for tp, pp, ep in LAYOUTS if ep == 1 or f in MOE]


@pytest.fixture(autouse=True)
def _oracle():
    require_oracle()


def megatron_splits(name: str):
    """``[(dim, degree), ...]`` Megatron splits an HF parameter by (``"tp"`` or ``"ep"``); [] = replicated."""
    leaf = name.rsplit(".", 2)
    module, kind = (leaf[-2], leaf[-1]) if len(leaf) >= 2 else (leaf[-1], "weight")
    if name.endswith("experts.gate_up_proj"):      # (E, 2·d_ff, h): experts over EP, fc1 columns over TP
        return [(0, "ep"), (1, "tp")]
    if name.endswith("experts.down_proj"):         # (E, h, d_ff): fc2 rows (its input features) over TP
        return [(0, "ep"), (2, "tp")]
    if module in ("wte", "embed_tokens", "lm_head"):
        return [(0, "tp")]
    if module in ("q_proj", "k_proj", "v_proj", "gate_proj", "up_proj"):
        return [(0, "tp")]
    if module in ("o_proj", "down_proj"):
        return [(1, "tp")] if kind == "weight" else []
    if module == "c_attn" or (module == "c_fc"):   # Conv1D (in, out): columns are dim 1, bias dim 0
        return [(1, "tp")] if kind == "weight" else [(0, "tp")]
    if module == "c_proj":                         # Conv1D row-parallel: input features are dim 0
        return [(0, "tp")] if kind == "weight" else []
    return []                                      # norms, wpe, the router (mlp.gate), shared_expert_gate


def shard_numel(param, splits, degrees, rank):
    shard = param
    for dim, kind in splits:
        deg = degrees[kind]
        size = shard.shape[dim]
        assert size % deg == 0, (param.shape, dim, deg)
        shard = shard.narrow(dim, rank[kind] * (size // deg), size // deg)
    return shard.numel()


def stage_of(name: str, layers: int, pp: int) -> int:
    found = re.search(r"\.(?:layers|h)\.(\d+)\.", name)
    if found:
        return int(found.group(1)) // (layers // pp)
    return 0 if re.search(r"(wte|wpe|embed_tokens)\.", name) else pp - 1


def megatron_counts(cfg, tp, pp, ep):
    """Per-rank parameters of every (stage, tp rank, ep rank), sharded with torch."""
    from symparams.testing.oracle import _meta_model

    model = _meta_model(cfg)
    layers = cfg.get("num_hidden_layers", cfg.get("n_layer"))
    params = dict(model.named_parameters())
    tied = model.get_output_embeddings().weight is model.get_input_embeddings().weight
    counts = {}
    for stage in range(pp):
        for tr in range(tp):
            for er in range(ep):
                rank = {"tp": tr, "ep": er}
                degrees = {"tp": tp, "ep": ep}
                total = sum(shard_numel(p, megatron_splits(n), degrees, rank) for n, p in params.items()
                            if stage_of(n, layers, pp) == stage)
                if tied and pp > 1 and stage == pp - 1:  # the last stage's copy of the embedding shard
                    emb = model.get_input_embeddings().weight
                    total += shard_numel(emb, [(0, "tp")], degrees, rank)
                counts[stage, tr, er] = total
    return counts


@pytest.mark.parametrize("family, tp, pp, ep", CASES)
def test_per_rank_parameters_equal_a_megatron_sharding(family, tp, pp, ep):
    cfg = CONFIGS[family]
    counts = megatron_counts(cfg, tp, pp, ep)
    m = symparams.from_hf_config(cfg)
    values = {**m.values, t: tp, n_pp: pp, n_ep: ep}
    arch = m.architecture
    if pp == 1:
        expected = {0: stage_parameters(arch, "all").at(values).total}
    else:
        first = stage_parameters(arch, "first")
        layers_only = sum(first.contribution(p) for p in first.pieces if first.is_repeated(p))
        expected = {0: first.at(values).total, pp - 1: stage_parameters(arch, "last").at(values).total,
                    **{i: first.at(values).value(layers_only) for i in range(1, pp - 1)}}
    for (stage, _, _), count in counts.items():
        assert count == expected[stage], (family, tp, pp, ep, stage)


def test_layouts_cover_every_degree():
    assert {tp for _, tp, _, _ in CASES} >= {1, 2, 4} and {pp for _, _, pp, _ in CASES} >= {1, 2, 4}
    assert {ep for f, _, _, ep in CASES if f in MOE} >= {1, 2, 4}


# ---- optimizer state: what torch's and transformers' optimizers allocate ---------------------------

def _state_elements(optimizer_name: str, cfg) -> tuple[int, int]:
    """(state elements the real optimizer allocates after one step, parameters)."""
    import torch
    from transformers import AutoModelForCausalLM
    from transformers.optimization import Adafactor

    from symparams.testing.oracle import build_hf_config

    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_config(build_hf_config(cfg))
    opt = {
        "adamw": lambda ps: torch.optim.AdamW(ps, lr=1e-3),
        "sgd": lambda ps: torch.optim.SGD(ps, lr=1e-3, momentum=0.9),
        "adafactor": lambda ps: Adafactor(ps, lr=None, relative_step=True, scale_parameter=True),
    }[optimizer_name](model.parameters())
    ids = torch.randint(0, cfg["vocab_size"], (1, 8))
    model(input_ids=ids, labels=ids).loss.backward()
    opt.step()
    elements = sum(v.numel() for state in opt.state.values() for k, v in state.items()
                   if torch.is_tensor(v) and k not in ("step", "RMS"))  # scalars: the step, the RMS
    return elements, sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize("name", ["adamw", "sgd", "adafactor"])
def test_optimizer_state_matches_the_real_optimizer(name):
    from symparams.studies.optimizers import OPTIMIZERS
    from symparams.studies.parallel import _factored

    cfg = CONFIGS["llama"]
    elements, params = _state_elements(name, cfg)
    m = symparams.from_hf_config(cfg)
    assert params == m.params.total
    opt = OPTIMIZERS[name]
    if opt.factored:
        dense, _ = _factored(m.architecture, "all", 1, 1, 1)
        assert elements == m.value(dense)
    else:
        assert elements == len(opt.moments) * params  # the moments; the fp32 master copy is mixed precision's
