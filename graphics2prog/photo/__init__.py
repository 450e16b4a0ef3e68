"""Photos and scans of drawings on paper, and simulated phone photos.

prepare: a photo of graph paper onto its own printed grid (seed and grid find the grid,
homography holds the maps, ink removes the printed lines); sheet and plain: photos of plain
paper; synth: simulated photos for tests and benchmarks.
"""
