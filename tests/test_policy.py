"""Search policy: the configurations, pi, training, the shipped parameters, time-sharing."""
import numpy as np

from graphics2prog.spec import spec_from_text
from graphics2prog.synth import synthesize
from graphics2prog.synth import policy as pol
from graphics2prog.training.search_policy import train as train_policy


def test_sigmas_are_distinct_and_pi_is_a_distribution():
    keys = [pol.sigma_key(o) for o in pol.sigmas()]
    assert len(keys) == len(set(keys)) == 13
    p = pol.probabilities(np.zeros((6, 4)), ["circle", "line"])
    assert np.isclose(p.sum(), 1) and np.allclose(p, p[0])


def test_training_moves_probability_to_the_fast_configuration():
    fast = "L0R1I1D2"
    times = {pol.sigma_key(o): 10.0 for o in pol.sigmas()}
    times[fast] = 0.01
    examples = [(["circle"] * n, times, set(times)) for n in range(1, 6)]
    theta = train_policy(examples, steps=300)
    p = dict(zip(map(pol.sigma_key, pol.sigmas()), pol.probabilities(theta, ["circle"] * 3)))
    assert max(p, key=p.get) == fast


def test_policy_search_finds_the_optimum():
    spec = spec_from_text("circle(1,1); circle(4,1); circle(7,1); rectangle(0,5,2,7)")
    policy = pol.SearchPolicy.load() if pol.PARAMS_FILE.exists() else pol.SearchPolicy(np.zeros((6, 4)))
    r = synthesize(spec, timeout=20, policy=policy)
    assert r.status == "optimal"
    assert r.cost == synthesize(spec, timeout=20).cost
