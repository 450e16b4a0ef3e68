"""The stroke network's data and training: labels of annotated photos follow the annotations,
crops keep image and labels together, and `g2p train strokes` runs, saves and resumes."""
import cv2
import numpy as np
import torch

from graphics2prog.diagram_scenes import ARROW, ELLIPSE, HEAD, RECTANGLE, TEXT
from graphics2prog.models.checkpoint import load_checkpoint
from graphics2prog.models.strokes import StrokeNet, StrokeNetConfig, stroke_net_from_checkpoint
from graphics2prog.training.hdbpmn import IGNORE, LabelConfig, label_map
from graphics2prog.training.stroke_data import CropConfig, crop, held_out

TRUTH = {"shapes": [{"type": "task", "kind": "rectangle", "box": [20, 20, 120, 80]},
                    {"type": "startEvent", "kind": "circle", "box": [200, 30, 240, 70]}],
         "flows": [{"points": [[120, 50], [200, 50]]}],
         "words": [{"text": "go", "box": [40, 40, 90, 60]}]}


def drawn_ink() -> np.ndarray:
    """An ink map drawn where TRUTH says, plus a stray mark far from everything."""
    ink = np.zeros((120, 300), np.uint8)
    cv2.rectangle(ink, (21, 21), (119, 79), 1, 2)
    cv2.ellipse(ink, ((220, 50), (38, 38), 0), 1, 2)
    cv2.line(ink, (122, 50), (198, 50), 1, 2)
    cv2.putText(ink, "go", (45, 58), cv2.FONT_HERSHEY_SIMPLEX, 0.6, 1, 2)
    cv2.circle(ink, (280, 110), 3, 1, -1)
    return ink.astype(np.float32)


def test_annotated_ink_is_labelled_by_the_nearest_element():
    labels = label_map(drawn_ink(), TRUTH, 1.0, LabelConfig())
    assert labels[21, 70] == RECTANGLE and labels[31, 220] == ELLIPSE
    assert labels[50, 150] == ARROW and labels[50, 196] == HEAD
    assert (labels[42:60, 45:90] == TEXT).any()
    assert labels[110, 280] == IGNORE     # ink near nothing annotated: left to the loss
    assert labels[100, 150] == 0          # paper


def test_faint_ink_on_an_element_is_that_element_and_elsewhere_paper():
    ink = drawn_ink() * 0.1                # a light pencil: below the level of a stroke
    ink[100, 150] = 0.1                    # and a faint speck on the paper
    labels = label_map(ink, TRUTH, 1.0, LabelConfig())
    assert labels[21, 70] == RECTANGLE and labels[50, 150] == ARROW
    assert labels[100, 150] == 0


def test_crops_keep_image_and_labels_together():
    rng = np.random.default_rng(0)
    labels = np.zeros((300, 400), np.uint8)
    cv2.rectangle(labels, (50, 50), (350, 250), RECTANGLE, 3)
    rgb = np.where(labels[..., None] > 0, 0, 255).astype(np.uint8).repeat(3, axis=2)
    for _ in range(5):
        image, target = crop(rgb, labels, rng, CropConfig(crop=64))
        assert image.shape == (64, 64, 3) and target.shape == (64, 64)
        dark = image.mean(axis=2) < 128
        near = cv2.dilate((target == RECTANGLE).astype(np.uint8), np.ones((3, 3), np.uint8))
        assert near[dark].all()


def test_held_out_writers():
    assert held_out("ex03_writer0040", 10) and not held_out("ex03_writer0041", 10)


def test_the_network_keeps_the_picture_size():
    net = StrokeNet(StrokeNetConfig(widths=(4, 8, 8)))
    assert net(torch.rand(1, 3, 36, 52)).shape == (1, 8, 36, 52)


def test_train_strokes_runs_saves_and_resumes(g2p, tmp_path):
    out = tmp_path / "strokes.pt"
    args = ["train", "strokes", "--steps", "2", "--widths", "4,8", "--crop", "32", "--batch", "2",
            "--workers", "0", "--val-every", "0", "--quiet", "--out", out]
    code, _, err = g2p(*args)
    assert code == 0, err
    state = load_checkpoint(out)
    assert state["step"] == 2 and "synthetic_miou" in state["metrics"]
    assert stroke_net_from_checkpoint(state).config.widths == (4, 8)
    code, _, err = g2p(*args[:3], "3", *args[4:], "--resume")
    assert code == 0, err
    assert load_checkpoint(out)["step"] == 3


def test_stroke_networks_joined_by_commas_are_read_as_their_average(tmp_path):
    from graphics2prog.models.registry import load_stroke_net
    from graphics2prog.models.strokes import config_dict
    paths = []
    for seed in (0, 1):
        torch.manual_seed(seed)
        net = StrokeNet(StrokeNetConfig(widths=(4, 8)))
        paths.append(tmp_path / f"net{seed}.pt")
        torch.save({"config": config_dict(net), "model": net.state_dict()}, paths[-1])
    x = torch.rand(1, 3, 16, 24)
    one, two = (load_stroke_net(p) for p in paths)
    both = load_stroke_net(f"{paths[0]},{paths[1]}")
    with torch.no_grad():
        want = (one(x).softmax(1) + two(x).softmax(1)) / 2
        assert torch.allclose(both(x).softmax(1), want, atol=1e-5)
    assert both.multiple == one.multiple


def test_g2p_train_average_writes_the_mean_of_a_runs_weights(g2p, tmp_path):
    from graphics2prog.models.strokes import config_dict
    paths, nets = [], []
    for seed in (0, 1, 2):
        torch.manual_seed(seed)
        nets.append(StrokeNet(StrokeNetConfig(widths=(4, 8))))
        paths.append(tmp_path / f"step{seed}.pt")
        torch.save({"config": config_dict(nets[-1]), "model": nets[-1].state_dict(),
                    "optimizer": {}}, paths[-1])
    out = tmp_path / "average.pt"
    code, _, err = g2p("train", "average", *paths, "--out", out)
    assert code == 0, err
    state = load_checkpoint(out)
    name = next(k for k, v in state["model"].items() if v.is_floating_point())
    want = torch.stack([n.state_dict()[name] for n in nets]).mean(0)
    assert torch.allclose(state["model"][name], want) and "optimizer" not in state
    assert stroke_net_from_checkpoint(state).config.widths == (4, 8)
    other = tmp_path / "other.pt"
    torch.save({"config": config_dict(StrokeNet(StrokeNetConfig(widths=(4, 4)))),
                "model": StrokeNet(StrokeNetConfig(widths=(4, 4))).state_dict()}, other)
    code, _, err = g2p("train", "average", paths[0], other, "--out", out)
    assert code == 2 and err.count("\n") == 1 and "same network" in err


def test_a_network_grown_by_context_branches_starts_as_the_one_it_grew_from(g2p, tmp_path):
    from graphics2prog.models.strokes import config_dict, grow
    torch.manual_seed(0)
    net = StrokeNet(StrokeNetConfig(widths=(4, 8))).eval()
    state = {"config": config_dict(net), "model": net.state_dict()}
    grown = grow(state, (2, 4)).eval()
    assert grown.config.context == (2, 4) and len(grown.context) == 2
    x = torch.rand(1, 3, 36, 52)
    with torch.no_grad():
        assert torch.equal(grown(x), net(x))
    start = tmp_path / "start.pt"
    torch.save(state, start)
    out = tmp_path / "grown.pt"
    code, _, err = g2p("train", "strokes", "--init", start, "--context", "2", "--steps", "1",
                       "--crop", "32", "--batch", "2", "--workers", "0", "--val-every", "0",
                       "--quiet", "--out", out)
    assert code == 0, err
    trained = stroke_net_from_checkpoint(load_checkpoint(out))
    assert trained.config.context == (2,) and trained.config.widths == (4, 8)
    code, _, err = g2p("train", "strokes", "--init", out, "--context", "4", "--steps", "1",
                       "--crop", "32", "--batch", "2", "--workers", "0", "--quiet",
                       "--out", tmp_path / "again.pt")
    assert code == 2 and err.count("\n") == 1 and "context" in err
    code, _, err = g2p("train", "strokes", "--context", "2,x", "--out", tmp_path / "bad.pt")
    assert code == 2 and err.count("\n") == 1 and "--context" in err
