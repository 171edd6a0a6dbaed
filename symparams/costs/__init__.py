"""Costs derived from an architecture's components: params, FLOPs, memory."""
