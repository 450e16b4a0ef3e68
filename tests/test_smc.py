"""SMC over specs with the shipped networks: recovery, batched scoring, time budget."""
import importlib
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from graphics2prog.infer.smc import SMCConfig, _systematic, smc
from graphics2prog.models.likelihood import LikelihoodConfig, LikelihoodNet, PixelLikelihood
from graphics2prog.models.registry import load_likelihood, load_model
from graphics2prog.render import SpriteCache, render_array
from graphics2prog.spec import Circle, Line, Rectangle, Spec


@pytest.fixture(scope="module")
def networks():
    torch.set_num_threads(1)
    return load_model("proposal"), load_likelihood("likelihood")


SCENES = [
    Spec([Circle(4, 4), Rectangle(8, 8, 11, 10)]),
    Spec([Rectangle(2, 2, 5, 5), Rectangle(9, 2, 12, 5), Line(5, 3, 9, 3, arrow=True)]),
    Spec([Circle(3, 12), Circle(8, 12), Line(4, 12, 7, 12)]),
]


@pytest.mark.parametrize("truth", SCENES)
def test_smc_recovers_clean_synthetic_scenes(networks, truth):
    proposal, likelihood = networks
    hyps = smc(proposal, likelihood, render_array(truth), SMCConfig(particles=64, time_budget=20,
                                                                    rounds=1, seed=0), top=5)
    assert hyps, "no finished specs"
    assert truth in [h.spec for h in hyps]
    assert [h.score for h in hyps] == sorted((h.score for h in hyps), reverse=True)
    assert len({h.spec for h in hyps}) == len(hyps)


def test_seeds_join_the_pool_scored_like_smc_finds(networks):
    proposal, likelihood = networks
    truth, other = SCENES[1], SCENES[0]
    image = render_array(truth)
    hyps = smc(proposal, likelihood, image, SMCConfig(time_budget=0.0), top=5,
               seeds=[(other, -1.0), (truth, -2.0), (Spec(), -3.0)])
    assert [h.spec for h in hyps] == [truth, other]  # no time for SMC: the seeds alone
    target = torch.from_numpy(image)[None, None]
    direct = likelihood.log_likelihood(target, torch.from_numpy(render_array(truth))[None, None])
    assert abs(hyps[0].log_likelihood - direct.item()) < 0.05
    assert hyps[0].log_prior == -2.0


def test_batched_and_single_likelihood_agree():
    torch.manual_seed(0)
    net = LikelihoodNet(LikelihoodConfig(image_size=64, width=8)).eval()
    cache = SpriteCache(64)
    canvases = SpriteCache.to_float(cache.compose(SCENES)).unsqueeze(1)  # (3, 1, 64, 64)
    target = torch.from_numpy(render_array(SCENES[0], 64))[None, None].expand(3, -1, -1, -1)
    batched = net.log_likelihood(target, canvases)
    single = torch.cat([net.log_likelihood(target[i:i + 1], canvases[i:i + 1]) for i in range(3)])
    assert torch.allclose(batched, single, atol=1e-5)
    pixel = PixelLikelihood(64)
    assert torch.allclose(pixel.log_likelihood(target, canvases),
                          torch.cat([pixel.log_likelihood(target[i:i + 1], canvases[i:i + 1])
                                     for i in range(3)]), atol=1e-4)
    assert int(pixel.log_likelihood(target, canvases).argmax()) == 0


def test_time_budget_is_honoured(networks, monkeypatch):
    """On a clock that advances only while the proposal network samples, the search ends
    within its budget however many rounds are asked for: no step starts that would end past
    the deadline (steps are expected to last as long as the last one), the budget is used up
    to the last whole step, and what the particles had drawn by then is returned."""
    proposal, likelihood = networks
    clock = SimpleNamespace(now=0.0, starts=[])
    step_s, budget = 0.25, 1.0
    real_sample = proposal.sample

    def timed_sample(*args, **kwargs):
        clock.starts.append(clock.now)
        clock.now += step_s
        return real_sample(*args, **kwargs)

    monkeypatch.setattr(importlib.import_module("graphics2prog.infer.smc"), "time",
                        SimpleNamespace(monotonic=lambda: clock.now))
    monkeypatch.setattr(proposal, "sample", timed_sample)
    busy = Spec([Rectangle(x, y, x + 1, y + 1) for x in range(1, 15, 3) for y in range(1, 15, 3)])
    hyps = smc(proposal, likelihood, render_array(busy),
               SMCConfig(particles=32, time_budget=budget, rounds=100, seed=1))
    assert budget - step_s < clock.now <= budget  # sampled until the budget was spent
    assert hyps


def test_seeded_runs_repeat(networks):
    proposal, likelihood = networks
    image = render_array(SCENES[1])
    config = SMCConfig(particles=32, time_budget=30, rounds=1, seed=3)
    a = smc(proposal, likelihood, image, config)
    b = smc(proposal, likelihood, image, config)
    assert [(h.spec, round(h.score, 4)) for h in a] == [(h.spec, round(h.score, 4)) for h in b]


def test_systematic_resampling_follows_the_weights():
    g = torch.Generator().manual_seed(0)
    log_w = torch.log(torch.tensor([0.5, 0.25, 0.25, 0.0]))
    counts = np.bincount(_systematic(log_w, 8, g).numpy(), minlength=4)
    assert counts.tolist() == [4, 2, 2, 0]
