"""graphics2prog: hand drawings -> specs (sets of primitives) -> graphics programs.

The pipeline is the layout: spec, render/noise, scenes, data/preprocess, models, train, infer,
synth, export; cli only parses arguments.
"""
