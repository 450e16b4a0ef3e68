"""Inference: from an image to ranked specs (beam search, SMC) and the whole drawing -> spec ->
program pipeline with its evaluation."""
