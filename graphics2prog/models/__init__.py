"""Networks: the proposal network (two architectures), the likelihood surrogate, command tokens,
checkpoints and the weights registry."""
