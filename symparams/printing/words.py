"""Tensor, matmul and activation names in words, for the labels a derivation prints.

Components name their tensors and matmuls as the reference code does (``q_proj``,
``attention.o_proj_input``): those names stay the keys of every breakdown and JSON document.
A label is read by a person, so it says the same in words.

>>> in_words("q_proj"), in_words("attention.o_proj_input", component="attention")
('Q projection', 'output-projection input')
>>> in_words("experts.down_proj"), in_words("q_proj.grad_weight"), in_words("mlp.fc_9", component="mlp")
('experts down projection', 'Q projection weight gradient', 'fc 9')
"""

from __future__ import annotations

__all__ = ["WORDS", "in_words"]

#: one name segment -> words
WORDS = {
    "q_proj": "Q projection", "k_proj": "K projection", "v_proj": "V projection", "o_proj": "output projection",
    "qkv_proj": "fused QKV projection", "q": "Q", "k": "K", "v": "V",
    "scores": "query-key scores", "values": "weighted sum of values", "softmax": "softmax output",
    "up_proj": "up projection", "gate_proj": "gate projection", "down_proj": "down projection", "up": "up projection",
    "router": "router", "experts": "experts", "shared_expert": "shared expert", "shared_expert_gate": "shared-expert gate",
    "lm_head": "logits", "logits": "logits", "cross_entropy": "cross-entropy",
    "input": "input", "act": "activation", "act_input": "activation input", "act_output": "activation output",
    "up_output": "up-projection output", "down_input": "down-projection input", "o_proj_input": "output-projection input",
    "gate_mul": "gate product", "dropout_mask": "dropout mask", "dropout_output": "dropout output",
    "output_dropout_mask": "output dropout mask", "router_probs": "router probabilities",
    "routing_weights": "routing weights", "elementwise": "elementwise operations",
    "grad_input": "input gradient", "grad_weight": "weight gradient", "2N": "2 FLOPs per parameter per token",
    "block": "block", "project_in": "input projection", "project_out": "output projection",
}


def in_words(name: str, component: str = "") -> str:
    """``name`` (dotted segments) in words; a first segment naming the component itself is dropped."""
    parts = [p for p in name.split(".") if p]
    if len(parts) > 1 and parts[0] == component:
        parts = parts[1:]
    return " ".join(WORDS.get(p, p.replace("_", " ")) for p in parts)
