"""Training loop: checkpoints round-trip, resume continues, 2-process DDP (gloo) smoke test."""
import json
import os
import socket

import pytest
import torch
import torch.multiprocessing as mp

from graphics2prog.errors import InputError
from graphics2prog.models.checkpoint import load_checkpoint, model_from_checkpoint, save_checkpoint
from graphics2prog.models.proposal import ProposalConfig, build_model
from graphics2prog.models.checkpoint import WeightsError
from graphics2prog.training.likelihood import LikelihoodTrainConfig
from graphics2prog.training.proposal import TrainConfig, learning_rate, train_proposal, warm_start


def tiny(tmp_path, **kw) -> TrainConfig:
    defaults = dict(scenes=50, batch=4, image_size=64, width=8, hidden=8, max_objects=3,
                    out=str(tmp_path / "p.pt"), val_scenes=3, val_every=0, max_steps=2,
                    workers=0, quiet=True, warmup_steps=1)
    defaults.update(kw)
    return TrainConfig(**defaults)


def test_checkpoint_round_trip_rebuilds_the_same_model(tmp_path):
    torch.manual_seed(0)
    model = build_model(ProposalConfig(image_size=64, width=8, hidden=8)).eval()
    opt = torch.optim.AdamW(model.parameters())
    save_checkpoint(tmp_path / "c.pt", model, opt, step=7, metrics={"exact": 0.25})
    state = load_checkpoint(tmp_path / "c.pt")
    assert state["step"] == 7 and state["metrics"] == {"exact": 0.25} and "optimizer" in state
    again = model_from_checkpoint(state)
    assert again.config == model.config
    x = torch.rand(2, 1, 64, 64)
    tokens = torch.tensor([[2, 1, 1, 5, 5, 1, 0], [0, 3, 3, 0, 0, 0, 0]])
    for a, b in zip(model(x, x, tokens), again(x, x, tokens)):
        assert torch.equal(a, b)
    assert not list(tmp_path.glob(".*.tmp"))  # atomic write leaves no temporary file


def test_warm_start_widens_a_narrower_network_so_it_computes_the_same(tmp_path):
    torch.manual_seed(0)
    small = build_model(ProposalConfig(image_size=64, width=8, hidden=8)).eval()
    save_checkpoint(tmp_path / "small.pt", small)
    wide = build_model(ProposalConfig(image_size=64, width=16, hidden=24))
    warm_start(wide, load_checkpoint(tmp_path / "small.pt"))
    wide.eval()
    old_first, new_first = small.state_dict()["fine.0.0.weight"], wide.state_dict()["fine.0.0.weight"]
    assert torch.equal(new_first[:2], old_first)
    assert new_first[2:].abs().sum() > 0  # the new units are not dead
    g = torch.Generator().manual_seed(1)
    x, canvas = torch.rand(3, 1, 64, 64, generator=g), torch.rand(3, 1, 64, 64, generator=g)
    tokens = torch.tensor([[2, 1, 1, 5, 5, 1, 0], [0, 3, 3, 0, 0, 0, 0], [1, 2, 3, 9, 8, 0, 0]])
    with torch.no_grad():
        for a, b in zip(small(x, canvas, tokens), wide(x, canvas, tokens)):
            assert torch.allclose(a, b, atol=1e-5)


def test_warm_start_of_another_design_copies_every_weight_that_fits(tmp_path):
    torch.manual_seed(0)
    small = build_model(ProposalConfig(image_size=64, width=16, hidden=32))
    save_checkpoint(tmp_path / "small.pt", small)
    grown = build_model(ProposalConfig(image_size=256, width=16, hidden=32))  # one more stage
    before = {k: v.clone() for k, v in grown.state_dict().items()}
    warm_start(grown, load_checkpoint(tmp_path / "small.pt"))
    after, old = grown.state_dict(), small.state_dict()
    assert torch.equal(after["fine.0.0.weight"], old["fine.0.0.weight"])
    assert torch.equal(after["coarse.1.0.weight"], before["coarse.1.0.weight"])  # not in small
    paper = build_model(ProposalConfig(arch="paper", image_size=256))
    with pytest.raises(WeightsError):
        warm_start(paper, load_checkpoint(tmp_path / "small.pt"))


def test_both_networks_share_the_loop_defaults():
    proposal, likelihood = TrainConfig(), LikelihoodTrainConfig()
    assert proposal.val_every == likelihood.val_every == 1000
    assert (proposal.lr, proposal.out) == (2e-3, "runs/proposal.pt")
    assert (likelihood.lr, likelihood.out) == (1e-3, "runs/likelihood.pt")


def test_learning_rate_warms_up_then_decays():
    config = TrainConfig(lr=1.0, warmup_steps=10)
    lrs = [learning_rate(config, s, 100) for s in range(100)]
    assert lrs[0] < lrs[9] == 1.0 and lrs[50] < 1.0 and lrs[-1] == pytest.approx(0.05, abs=0.01)


def test_train_writes_checkpoint_and_resume_continues(tmp_path):
    metrics = train_proposal(tiny(tmp_path))
    assert metrics["step"] == 2 and 0 <= metrics["exact"] <= 1
    assert set(metrics["token_acc"]) == {"kind", "x1", "y1", "x2", "y2", "arrow", "dashed"}
    state = load_checkpoint(tmp_path / "p.pt")
    assert state["step"] == 2 and state["samples"] == 8 and state["train"]["batch"] == 4
    assert state["kind"] == "proposal" and state["train"]["warmup_steps"] == 1
    metrics = train_proposal(tiny(tmp_path, resume=True, max_steps=3))
    assert metrics["step"] == 3 and load_checkpoint(tmp_path / "p.pt")["samples"] == 12
    lines = (tmp_path / "p.metrics.jsonl").read_text().splitlines()
    assert [json.loads(s)["step"] for s in lines] == [2, 3]


def test_flag_heads_at_a_finer_size_train_from_a_plain_net(tmp_path):
    """--flag-size with --init: every weight carries over; the loop feeds finer targets."""
    train_proposal(tiny(tmp_path, out=str(tmp_path / "plain.pt")))
    metrics = train_proposal(tiny(tmp_path, flag_size=128, init=str(tmp_path / "plain.pt")))
    assert metrics["step"] == 2
    assert load_checkpoint(tmp_path / "p.pt")["config"]["flag_size"] == 128
    with pytest.raises(InputError, match="flag-size"):
        train_proposal(tiny(tmp_path, flag_size=96))


def _ddp_worker(rank, world, port, config):
    os.environ.update(RANK=str(rank), WORLD_SIZE=str(world), LOCAL_RANK=str(rank),
                      MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    torch.set_num_threads(1)
    metrics = train_proposal(config)
    if rank == 0:  # rank 0 alone validates and saves
        state = load_checkpoint(config.out)
        with open(config.out + ".report", "w") as f:
            json.dump({"step": metrics["step"], "samples": state["samples"]}, f)
    else:
        assert metrics == {}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_ddp_two_processes_gloo(tmp_path):
    config = tiny(tmp_path, max_steps=3)
    mp.start_processes(_ddp_worker, args=(2, free_port(), config), nprocs=2, join=True,
                       start_method="fork")  # no re-import: fast
    report = json.loads((tmp_path / "p.pt.report").read_text())
    assert report["step"] == 3 and report["samples"] == 3 * 4 * 2
