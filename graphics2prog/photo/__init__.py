"""Photos and scans of drawings on graph paper: finding the paper's grid and mapping the drawing
onto the model's grid (prepare, grid, ink), and simulated photos for tests and benchmarks (synth).
"""
