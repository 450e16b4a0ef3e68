"""Proposal network: shapes, masking, decoding, one optimisation step; weights registry errors."""
import pytest
import torch

from graphics2prog.errors import InputError
from graphics2prog.models import get_model, list_models, register_model
from graphics2prog.models.grid import GridNet
from graphics2prog.models.paper import PaperNet
from graphics2prog.models.checkpoint import WeightsError, save_checkpoint
from graphics2prog.models.proposal import ProposalConfig, build_model
from graphics2prog.models.registry import load_model, register
from graphics2prog.models.tokens import NUM_TOKENS, STOP, TOKEN_MASK, TOKEN_SIZES, allowed, decode
from graphics2prog.spec import validate_primitive

TINY = ProposalConfig(image_size=64, width=8, hidden=8)
PAPER = ProposalConfig(arch="paper", image_size=256)


def batch(n=6, size=256, seed=0):
    g = torch.Generator().manual_seed(seed)
    targets = (torch.rand(n, 1, size, size, generator=g) > 0.95).float()
    canvases = targets * (torch.rand(n, 1, size, size, generator=g) > 0.5).float()
    tokens = torch.tensor([[0, 3, 4, 0, 0, 0, 0], [1, 2, 3, 5, 6, 0, 0], [2, 1, 1, 4, 4, 1, 0],
                           [2, 9, 9, 2, 2, 1, 1], [STOP, 0, 0, 0, 0, 0, 0],
                           [2, 0, 16, 16, 0, 0, 1]])[:n]
    return targets, canvases, tokens


@pytest.fixture(params=[TINY, PAPER], ids=["grid", "paper"])
def model(request):
    torch.manual_seed(0)
    return build_model(request.param)


def test_forward_shapes(model):
    targets, canvases, tokens = batch()
    logits = model(targets, canvases, tokens)
    assert [tuple(lg.shape) for lg in logits] == [(6, v) for v in TOKEN_SIZES]
    assert torch.isfinite(model.loss(logits, tokens))


def test_loss_ignores_tokens_a_kind_does_not_use(model):
    targets, canvases, tokens = batch()
    logits = model(targets, canvases, tokens)
    changed = [lg.clone() for lg in logits]
    for t in range(1, NUM_TOKENS):
        unused = ~TOKEN_MASK[tokens[:, 0], t]
        changed[t][unused] = torch.randn_like(changed[t][unused]) * 10
    assert torch.allclose(model.loss(logits, tokens), model.loss(changed, tokens))


def test_allowed_values_make_valid_canonical_commands():
    tokens = torch.tensor([[1, 4, 15, 0, 0, 0, 0], [2, 5, 5, 5, 0, 0, 0], [2, 5, 5, 3, 9, 0, 0],
                           [0, 3, 3, 0, 0, 0, 0]])
    assert allowed(tokens, 3)[0].tolist() == [v > 4 for v in range(17)]  # rectangle x2 > x1
    assert allowed(tokens, 4)[0].tolist() == [v == 16 for v in range(17)]
    assert not allowed(tokens, 2)[0, 16]  # a first corner leaves room for the second
    assert allowed(tokens, 4)[1].tolist() == [v != 5 for v in range(17)]  # line of length 0
    assert allowed(tokens, 5)[2].tolist() == [False, True]  # backwards line needs its arrow
    assert allowed(tokens, 5)[3].tolist() == [True, False]  # circles use no arrow token


def test_sampled_and_top_commands_are_valid_and_scored_consistently(model):
    targets, canvases, _ = batch(3)
    feats = model.encode(targets, canvases)
    tokens, logp = model.sample(feats, torch.Generator().manual_seed(1))
    assert torch.allclose(logp, model.log_prob(targets, canvases, tokens), atol=1e-4)
    top, scores = model.top_k(feats, 6)
    assert top.shape == (3, 6, NUM_TOKENS) and scores.shape == (3, 6)
    assert (scores[:, :-1] >= scores[:, 1:]).all()
    flat = top.reshape(-1, NUM_TOKENS)
    ranked = model.log_prob(targets.repeat_interleave(6, 0), canvases.repeat_interleave(6, 0), flat)
    assert torch.allclose(ranked.view(3, 6), scores, atol=1e-4)
    for row in torch.cat([tokens, flat]).tolist():
        p = decode(row)
        if p is not None:
            assert validate_primitive(p) == p.canonical()


def test_one_step_lowers_the_loss_on_a_fixed_batch(model):
    targets, canvases, tokens = batch()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    before = model.loss(model(targets, canvases, tokens), tokens)
    opt.zero_grad()
    before.backward()
    opt.step()
    assert model.loss(model(targets, canvases, tokens), tokens) < before


def test_inputs_of_any_size_are_resized():
    model = build_model(TINY)
    assert model.prepare(torch.ones(2, 256, 256)).shape == (2, 1, 64, 64)
    targets, canvases, tokens = batch(2, size=100)
    assert model(targets, canvases, tokens)[1].shape == (2, 17)


def test_flag_heads_can_read_a_finer_target():
    """flag_size: the CNN reads the target averaged down to image_size, the arrow and dashed
    heads read it as given; the coarse heads then see exactly what a plain net sees."""
    torch.manual_seed(0)
    fine = build_model(ProposalConfig(image_size=64, width=8, hidden=8, flag_size=128))
    torch.nn.init.normal_(fine.profile_in.weight)  # zero at init: make the ink count
    plain = build_model(TINY)
    plain.load_state_dict(fine.state_dict())
    targets, canvases, tokens = batch(size=128)
    assert fine.prepare(targets).shape == (6, 1, 128, 128)
    small = canvases[..., ::2, ::2]  # canvases come at image_size
    cells, path, ink = fine.encode(targets, small)
    plain_cells, plain_path, plain_ink = plain.encode(targets, small)
    assert ink.shape[-1] == 128 and plain_ink.shape[-1] == 64
    assert torch.allclose(cells, plain_cells) and torch.allclose(path, plain_path)
    assert not torch.allclose(fine(targets, small, tokens)[5], plain(targets, small, tokens)[5])
    one = targets[:1].expand(4, -1, -1, -1)  # an expanded image is resized once, the same
    assert torch.equal(fine.encode(one, small[:4])[0], fine.encode(one.contiguous(), small[:4])[0])


def test_unknown_architecture():
    with pytest.raises(ValueError, match="unknown architecture 'nope' .registered: grid, paper"):
        build_model(ProposalConfig(arch="nope"))


def test_architectures_are_registered_by_name():
    """Importing graphics2prog.models registers every architecture; a name is taken once."""
    assert list_models() == ["grid", "paper"]
    assert type(get_model("grid", TINY)) is GridNet and type(build_model(PAPER)) is PaperNet
    with pytest.raises(ValueError, match="already registered"):
        register_model("grid")(PaperNet)


# ---------------------------------------------------------------- registry

def test_registry_loads_by_name_and_rejects_damage(tmp_path):
    torch.manual_seed(0)
    model = build_model(TINY)
    save_checkpoint(tmp_path / "run.pt", model, metrics={"exact": 0.5})
    weights = tmp_path / "weights"
    entry = register("tiny", tmp_path / "run.pt", weights_dir=weights)
    assert entry["metrics"] == {"exact": 0.5}
    loaded = load_model("tiny", weights_dir=weights)
    targets, canvases, tokens = batch(2)
    model.eval()
    assert torch.allclose(loaded.log_prob(targets, canvases, tokens),
                          model.log_prob(targets, canvases, tokens))
    data = (weights / "tiny.pt").read_bytes()
    (weights / "tiny.pt").write_bytes(data[:-100] + bytes(100))
    with pytest.raises(WeightsError, match="sha256"):
        load_model("tiny", weights_dir=weights)
    (weights / "tiny.pt").unlink()
    with pytest.raises(WeightsError, match="missing"):
        load_model("tiny", weights_dir=weights)


def test_missing_or_corrupt_weights_file_is_bad_input(tmp_path):
    assert issubclass(WeightsError, InputError)  # the CLI reports it with exit status 2
    with pytest.raises(WeightsError, match="neither registered"):
        load_model(tmp_path / "absent.pt", weights_dir=tmp_path)
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(WeightsError, match="not a readable checkpoint"):
        load_model(tmp_path / "junk.pt", weights_dir=tmp_path)
    torch.save({"something": 1}, tmp_path / "other.pt")
    with pytest.raises(WeightsError, match="not a proposal-network checkpoint"):
        load_model(tmp_path / "other.pt", weights_dir=tmp_path)


def test_top_k_with_more_candidates_than_a_prefix_allows():
    """Beyond the valid values of a token, top_k pads with -inf rows; they must stay -inf
    (not NaN) and never decode to an invalid command."""
    model = build_model(TINY)
    targets, canvases, _ = batch(2)
    top, scores = model.top_k(model.encode(targets, canvases), 100)
    assert not torch.isnan(scores).any() and torch.isfinite(scores[:, 0]).all()
    assert (scores[:, :-1] >= scores[:, 1:]).all()
    for row in top[torch.isfinite(scores)].tolist():
        p = decode(row)
        assert p is None or validate_primitive(p) == p.canonical()
