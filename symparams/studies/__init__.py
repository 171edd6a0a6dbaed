"""Studies built on the costs: analysis (crossovers, leading order, sensitivities, budgets),
inference (prefill, decode, roofline), serving on a device, weight quantization, modules by their
Hugging Face names, LoRA and fine-tuning, the literature's formulas, the CS336 accounting
questions, sweeps over configs, and plots; training at scale (sharding, optimizers, pipeline,
communication, parallel, plan, fitting: per-device memory, bubble, traffic, time and cost under
DP/ZeRO/TP/SP/PP/EP).

Each is a module of its own, imported on use (``from symparams.studies import analysis``).
"""
