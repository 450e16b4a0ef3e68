"""Training: synthetic data (data.py), the one training loop (loop.py) and what each network
brings to it (proposal.py, likelihood.py)."""
