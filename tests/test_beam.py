"""Beam search and greedy decoding with a tiny random network."""
from types import SimpleNamespace

import pytest
import torch

from graphics2prog.infer import beam as beam_module
from graphics2prog.infer.beam import BeamConfig, beam_search, greedy
from graphics2prog.models.proposal import ProposalConfig, build_model
from graphics2prog.render import render_array
from graphics2prog.spec import Circle, Line, Rectangle, Spec, validate_primitive


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return build_model(ProposalConfig(image_size=64, width=8, hidden=8)).eval()


IMAGE = render_array(Spec([Circle(3, 3), Rectangle(5, 5, 8, 9), Line(1, 1, 6, 2, True)]), 256)


def test_beam_returns_distinct_canonical_specs_in_score_order(model):
    results = beam_search(model, IMAGE, BeamConfig(beam=6, expand=6, top=5, max_primitives=3))
    assert 1 <= len(results) <= 5
    specs = [s for s, _ in results]
    scores = [score for _, score in results]
    assert len(set(specs)) == len(specs)
    assert scores == sorted(scores, reverse=True) and all(s <= 0 for s in scores)
    for spec in specs:
        assert isinstance(spec, Spec) and len(spec) <= 3
        for p in spec:
            assert validate_primitive(p) == p.canonical()


def test_beam_is_deterministic_and_accepts_any_image_size(model):
    config = BeamConfig(beam=3, expand=3, top=3, max_primitives=2)
    a = beam_search(model, IMAGE, config)
    b = beam_search(model, torch.from_numpy(IMAGE[::2, ::2].copy()), config)
    assert a == beam_search(model, IMAGE, config)
    assert len(b) >= 1


def test_greedy_parses_a_batch(model):
    images = torch.from_numpy(IMAGE).expand(3, 1, -1, -1)
    specs = greedy(model, images, max_primitives=4)
    assert len(specs) == 3 and all(isinstance(s, Spec) and len(s) <= 4 for s in specs)
    assert specs[0] == specs[1] == specs[2]


def test_a_deadline_ends_the_search_between_steps(model, monkeypatch):
    """On a clock that advances a second per network step, a 1.5 s deadline allows one step
    (the second would end past it); with no deadline the search takes more."""
    config = BeamConfig(beam=3, expand=3, top=3, max_primitives=6)
    clock = SimpleNamespace(now=0.0)
    real_encode = model.encode

    def timed_encode(*args):
        clock.now += 1.0
        return real_encode(*args)

    monkeypatch.setattr(beam_module, "time", SimpleNamespace(monotonic=lambda: clock.now))
    monkeypatch.setattr(model, "encode", timed_encode)
    assert beam_search(model, IMAGE, config, deadline=1.5)
    assert clock.now == 1.0
    clock.now = 0.0
    beam_search(model, IMAGE, config)
    assert clock.now > 1.0
