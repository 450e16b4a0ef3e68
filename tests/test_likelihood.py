"""The likelihood network: training steps, checkpoints, registry, and what it is meant to rank."""
import json

import pytest
import torch

from graphics2prog.models.checkpoint import WeightsError, load_checkpoint
from graphics2prog.models.likelihood import LikelihoodConfig, LikelihoodNet
from graphics2prog.models.registry import load_likelihood, register
from graphics2prog.training.likelihood import LikelihoodTrainConfig, train_likelihood


def tiny(tmp_path, **kw):
    return LikelihoodTrainConfig(steps=3, batch=8, image_size=64, width=8, val_scenes=2,
                                 val_every=3, max_objects=4, out=str(tmp_path / "l.pt"),
                                 quiet=True, threads=1, workers=0, **kw)


def test_predictions_are_non_negative_counts():
    net = LikelihoodNet(LikelihoodConfig(image_size=64, width=8))
    out = net(torch.rand(5, 64, 64), torch.rand(5, 1, 128, 128))
    assert out.shape == (5, 2) and (out >= 0).all()
    assert net.log_likelihood(torch.rand(5, 64, 64), torch.rand(5, 64, 64)).shape == (5,)


def test_train_resume_register_and_load(tmp_path):
    metrics = train_likelihood(tiny(tmp_path))
    assert {"mae_missing", "mae_extra", "truth_ranked_first"} <= metrics.keys()
    state = load_checkpoint(tmp_path / "l.pt")
    assert state["kind"] == "likelihood" and state["step"] == 3 and state["samples"] == 3 * 8
    config = tiny(tmp_path, resume=True)
    config.steps = 5
    train_likelihood(config)
    assert load_checkpoint(tmp_path / "l.pt")["step"] == 5
    lines = (tmp_path / "l.metrics.jsonl").read_text().splitlines()
    assert [json.loads(s)["step"] for s in lines] == [3, 5]  # validated at the end, too
    weights = tmp_path / "weights"
    entry = register("likelihood", tmp_path / "l.pt", weights_dir=weights)
    assert entry["config"]["width"] == 8
    net = load_likelihood("likelihood", weights_dir=weights)
    assert isinstance(net, LikelihoodNet) and not net.training


def test_a_proposal_checkpoint_is_not_a_likelihood(tmp_path):
    with pytest.raises(WeightsError, match="likelihood"):
        load_likelihood("proposal")
