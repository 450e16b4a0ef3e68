"""Inference: from an image to ranked specs (beam search here; SMC and the pipeline later)."""
