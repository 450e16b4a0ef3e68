"""The program prior: features of programs, the conditional fit, and reranking."""
import numpy as np
import pytest

from graphics2prog.pipeline.rerank import (FEATURES, Candidates, ProgramPrior, describe, fit_prior,
                                        program_features, rerank, rerank_order)
from graphics2prog.spec import Circle, Spec
from graphics2prog.synth import synthesize

ROW = Spec([Circle(2 + 3 * i, 8) for i in range(4)])
BROKEN_ROW = Spec([Circle(2, 8), Circle(5, 8), Circle(9, 8), Circle(11, 8)])


def test_a_regular_row_costs_less_than_a_broken_one_of_the_same_size():
    regular, broken = describe([ROW, BROKEN_ROW])[0]
    cost, flat, loops = (FEATURES.index(k) for k in ("cost", "flat_cost", "loops"))
    assert regular[flat] == broken[flat]
    assert regular[cost] < broken[cost]
    assert regular[loops] == 1


def test_features_of_a_failed_synthesis_fall_back_to_the_flat_program():
    features = program_features(ROW, None, False)
    assert features[FEATURES.index("cost")] == features[FEATURES.index("flat_cost")]
    assert features[FEATURES.index("unproven")] == 1.0
    proven = program_features(ROW, synthesize(ROW, timeout=5).program, True)
    assert proven[FEATURES.index("unproven")] == 0.0


def _groups(rng, n):
    """Lists of 3 candidates where the truth is the cheapest program but not first in the
    search's order half of the time."""
    groups = []
    for _ in range(n):
        costs = rng.uniform(5, 10, size=3)
        truth = int(np.argmin(costs))
        scores = rng.normal(0, 0.3, size=3)
        features = np.zeros((3, len(FEATURES)))
        features[:, FEATURES.index("cost")] = costs
        groups.append(Candidates(scores, features, truth))
    return groups


def test_the_fit_learns_to_prefer_cheap_programs_and_generalises():
    rng = np.random.default_rng(0)
    prior = fit_prior(_groups(rng, 40), l2=0.1)
    assert prior.beta[FEATURES.index("cost")] < 0
    held_out = _groups(rng, 40)
    before = np.mean([g.truth == 0 for g in held_out])
    after = np.mean([rerank_order(prior, g)[0] == g.truth for g in held_out])
    assert after > before


def test_without_information_the_prior_keeps_the_search_order():
    prior = fit_prior([Candidates(np.array([1.0, 0.0]), np.zeros((2, len(FEATURES))), -1)])
    assert np.allclose(prior.beta, 0) and prior.score_weight == 1.0


def test_rerank_reorders_specs_with_their_programs():
    beta = np.zeros(len(FEATURES))
    beta[FEATURES.index("cost")] = -10.0
    ranked, syntheses = rerank(ProgramPrior(beta), [(BROKEN_ROW, 0.0), (ROW, -0.1)])
    assert [s for s, _ in ranked] == [ROW, BROKEN_ROW]
    assert ranked[0][1] > ranked[1][1]
    assert syntheses[0].text == synthesize(ROW, timeout=5).text


def test_prior_round_trips_through_json():
    prior = ProgramPrior(np.arange(len(FEATURES), dtype=float) / 7, 0.8)
    again = ProgramPrior.from_json(prior.to_json())
    assert np.allclose(again.beta, prior.beta, atol=1e-6) and abs(again.score_weight - 0.8) < 1e-6


@pytest.mark.slow
def test_pipeline_reranks_on_request_and_keeps_the_program_of_the_new_best():
    from pathlib import Path

    from graphics2prog.pipeline.core import InferConfig, Pipeline
    from graphics2prog.synth import execute

    drawing = Path(__file__).resolve().parents[1] / "data" / "examples" / "example-2.png"
    fast = dict(particles=32, time_budget=30.0, synth_timeout=5.0, top=3)
    result = Pipeline(InferConfig(rerank=True, **fast)).run_file(drawing)
    assert "rerank_s" in result.timings and len(result.specs) <= 3
    assert execute(result.program) == result.best
    plain = Pipeline(InferConfig(**fast)).run_file(drawing)
    assert "rerank_s" not in plain.timings
