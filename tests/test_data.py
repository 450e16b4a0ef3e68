"""Shards, streaming datasets, drawing folders and preprocessing of user images."""
import json
import struct
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from PIL import Image

from graphics2prog.image.decode import ImageInputError
from graphics2prog.image.drawings import Drawing, load_drawing_folder
from graphics2prog.image.prepare import preprocess_image
from graphics2prog.training.data import (LikelihoodDataset, ProposalDataset, load_shard,
                                         read_manifest, write_shards)
from graphics2prog.errors import InputError
from graphics2prog.models.tokens import STOP, encode
from graphics2prog.render import SpriteCache
from graphics2prog.scenes import SceneConfig, sample_scene
from graphics2prog.noise import render_noisy
from graphics2prog.spec import Circle, Line, Rectangle, Spec, spec_to_dict

SMALL = SceneConfig(max_objects=6)


@pytest.fixture(scope="module")
def shards(tmp_path_factory):
    out = tmp_path_factory.mktemp("shards")
    write_shards(out, 12, seed=4, workers=2, shard_size=5, scene_config=SMALL, progress=False)
    return out


# ---------------------------------------------------------------- shards

def test_shards_round_trip_and_do_not_depend_on_workers(shards, tmp_path):
    write_shards(tmp_path, 12, seed=4, workers=1, shard_size=5, scene_config=SMALL,
                 progress=False)
    manifest = read_manifest(shards)
    assert manifest["count"] == 12 and manifest["seed"] == 4
    assert [s["count"] for s in manifest["shards"]] == [5, 5, 2]
    assert manifest["scene_config"]["max_objects"] == 6
    for s in manifest["shards"]:
        images, specs = load_shard(shards / s["file"])
        images1, specs1 = load_shard(tmp_path / s["file"])
        assert images.dtype == np.uint8 and images.shape == (s["count"], 256, 256)
        assert np.array_equal(images, images1) and specs == specs1
        assert all(1 <= len(spec) <= 6 for spec in specs)
        assert images.max() > 100  # the drawings have ink
    with np.load(shards / "shard-00000.npz", allow_pickle=False) as z:
        assert z["tokens"].dtype == np.int8 and z["tokens"].shape == (5, 6, 7)


def test_different_seeds_give_different_data(tmp_path):
    write_shards(tmp_path / "a", 3, seed=1, workers=1, scene_config=SMALL, progress=False)
    write_shards(tmp_path / "b", 3, seed=2, workers=1, scene_config=SMALL, progress=False)
    assert load_shard(tmp_path / "a" / "shard-00000.npz")[1] != \
        load_shard(tmp_path / "b" / "shard-00000.npz")[1]


def test_bad_shard_directory_is_an_input_error(tmp_path):
    with pytest.raises(InputError):
        ProposalDataset(tmp_path)


# ---------------------------------------------------------------- proposal dataset

def test_proposal_examples_follow_the_canonical_prefixes(shards):
    ds = ProposalDataset(shards, image_size=128, shuffle=False)
    examples = list(ds)
    images, specs = load_shard(shards / "shard-00000.npz")
    cache = SpriteCache(128)
    i = 0
    for image, spec in zip(images, specs):
        target = cv2.resize(image.astype(np.float32) / 255, (128, 128),
                            interpolation=cv2.INTER_AREA)
        prims = list(spec)
        for k in range(len(prims) + 1):
            t, canvas, tokens = examples[i]
            assert t.shape == canvas.shape == (1, 128, 128)
            assert t.dtype == canvas.dtype == torch.float32 and tokens.dtype == torch.int64
            assert torch.allclose(t[0], torch.from_numpy(target))
            expected = cache.to_float(cache.compose([prims[:k]]))[0]
            assert torch.equal(canvas[0], expected)
            assert tuple(tokens.tolist()) == encode(prims[k] if k < len(prims) else None)
            i += 1


def test_targets_can_be_finer_than_canvases(shards):
    coarse = list(ProposalDataset(shards, image_size=64, shuffle=False))
    fine = list(ProposalDataset(shards, image_size=64, target_size=128, shuffle=False))
    assert len(fine) == len(coarse)
    for (t, c, tok), (t64, c64, tok64) in zip(fine, coarse):
        assert t.shape == (1, 128, 128) and c.shape == (1, 64, 64)
        assert torch.equal(c, c64) and torch.equal(tok, tok64)
        assert torch.allclose(torch.nn.functional.avg_pool2d(t, 2), t64, atol=1e-6)


def test_shuffled_stream_is_seeded_and_complete(shards):
    def fingerprints(ds):
        return sorted((tuple(tok.tolist()), round(float(c.sum()), 3), round(float(t.sum()), 3))
                      for t, c, tok in ds)

    plain = fingerprints(ProposalDataset(shards, image_size=64, shuffle=False))
    a = [tok.tolist() for _, _, tok in ProposalDataset(shards, image_size=64, seed=1)]
    b = [tok.tolist() for _, _, tok in ProposalDataset(shards, image_size=64, seed=1)]
    assert a == b
    assert fingerprints(ProposalDataset(shards, image_size=64, seed=1, pool_size=8)) == plain
    # readers: 2 ranks (fewer shards than readers with 2 workers each -> rows are split)
    parts = []
    for rank in range(2):
        ds = ProposalDataset(shards, image_size=64, seed=1, rank=rank, world_size=2)
        loader = torch.utils.data.DataLoader(ds, batch_size=None, num_workers=2)
        parts += fingerprints(loader)
    assert sorted(parts) == plain


def test_generated_stream_splits_scenes_among_ranks():
    def stops(rank, world):
        ds = ProposalDataset(None, image_size=32, seed=3, rank=rank, world_size=world,
                             scenes_per_epoch=7, scene_config=SMALL)
        return sum(int(tok[0]) == STOP for _, _, tok in ds)

    assert stops(0, 1) == 7
    assert stops(0, 2) + stops(1, 2) == 7


def test_likelihood_examples():
    ds = LikelihoodDataset(image_size=64, seed=2, scenes_per_epoch=6, scene_config=SMALL,
                           pairs_per_scene=3)
    items = list(ds)
    assert len(items) == 6 * 3
    for image, canvas, target in items:
        assert image.shape == canvas.shape == (1, 64, 64)
        assert target.shape == (2,) and target.dtype == torch.float32
        assert 0 <= float(canvas.min()) and float(canvas.max()) <= 1
        assert float(target.sum()) <= SMALL.max_objects + 2 * ds.max_changes
    assert any(float(t[0]) > 0 for _, _, t in items)  # partial hypotheses miss primitives


def test_likelihood_hypotheses_are_partial_or_perturbed():
    ds = LikelihoodDataset(seed=0, scene_config=SMALL, same_rate=1.0, prefix_rate=1.0)
    rng = np.random.default_rng(0)
    t1 = sample_scene(rng, SMALL)
    for _ in range(20):
        t2 = ds.hypothesis(t1, rng)
        assert t2.as_set() <= t1.as_set()


# ---------------------------------------------------------------- drawing folders

def _write_png(path, array):
    Image.fromarray(array).save(path)


def test_folder_is_in_numeric_order_with_ground_truth(tmp_path):
    blank = np.full((8, 8), 255, np.uint8)
    for name in ("expert-10.png", "expert-2.png", "expert-1.jpg"):
        _write_png(tmp_path / name, blank)
    (tmp_path / "notes.txt").write_text("not a drawing")
    truth = {"expert-2.png": spec_to_dict(Spec([Circle(3, 4)]))}
    (tmp_path / "ground_truth.json").write_text(json.dumps(truth))
    drawings = load_drawing_folder(tmp_path)
    assert [d.name for d in drawings] == ["expert-1.jpg", "expert-2.png", "expert-10.png"]
    assert drawings[1] == Drawing("expert-2.png", tmp_path / "expert-2.png", Spec([Circle(3, 4)]))
    assert drawings[0].spec is None and drawings[2].spec is None
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"expert-10.png": spec_to_dict(Spec([Circle(5, 5)]))}))
    assert load_drawing_folder(tmp_path, ground_truth=other)[2].spec == Spec([Circle(5, 5)])
    with pytest.raises(InputError):
        load_drawing_folder(tmp_path / "missing")
    with pytest.raises(InputError):
        load_drawing_folder(tmp_path, ground_truth=tmp_path / "missing.json")


def test_dev_folder_loads(dev_drawings):
    drawings = load_drawing_folder(dev_drawings)
    names = [d.name for d in drawings]
    assert names.index("expert-2.png") < names.index("expert-11.png")
    assert all(d.spec is not None for d in drawings)


# ---------------------------------------------------------------- preprocessing

def _drawing() -> np.ndarray:
    """A grey-pencil drawing on white, uint8 (256, 256), like the dev drawings."""
    g = np.full((256, 256), 255, np.uint8)
    cv2.rectangle(g, (48, 64), (112, 128), 60, 2, cv2.LINE_AA)
    cv2.circle(g, (176, 96), 16, 40, 2, cv2.LINE_AA)
    cv2.line(g, (112, 96), (160, 96), 90, 2, cv2.LINE_AA)
    return g


def _ink_box(ink, level=0.3):
    ys, xs = np.nonzero(ink > level)
    return xs.min(), ys.min(), xs.max(), ys.max()


def test_grid_sized_input_keeps_its_pixels(tmp_path):
    g = _drawing()
    _write_png(tmp_path / "d.png", g)
    ink = preprocess_image(tmp_path / "d.png")
    assert ink.shape == (256, 256) and ink.dtype == np.float32
    assert _ink_box(ink) == _ink_box(1 - g / 255.0)
    strokes = ink[g < 128]
    assert strokes.mean() > 0.6  # grey strokes come out strong
    assert (ink[g == 255] == 0).all()
    assert len(np.unique(np.round(ink, 2))) > 5  # intensities, not a binary mask


@pytest.mark.parametrize("variant", ["rgba", "palette", "16bit", "inverted", "jpeg", "gradient",
                                     "rgb"])
def test_odd_images_give_the_same_ink(tmp_path, variant):
    g = _drawing()
    ref_path = tmp_path / "ref.png"
    _write_png(ref_path, g)
    ref = preprocess_image(ref_path)
    path = tmp_path / f"{variant}.png"
    if variant == "rgba":  # ink as opacity over a transparent background of junk colour
        rgba = np.zeros((256, 256, 4), np.uint8)
        rgba[..., 3] = 255 - g
        Image.fromarray(rgba, "RGBA").save(path)
    elif variant == "palette":
        Image.fromarray(g).convert("P").save(path)
    elif variant == "16bit":
        Image.fromarray(g.astype(np.uint16) * 257).save(path)
        assert Image.open(path).mode.startswith("I")
    elif variant == "inverted":
        _write_png(path, 255 - g)
    elif variant == "jpeg":
        path = tmp_path / "d.jpg"
        Image.fromarray(g).save(path, quality=80)
    elif variant == "gradient":  # light falls off from 100% to 35% across the page
        light = np.linspace(1.0, 0.35, 256)[None, :]
        _write_png(path, np.round(g * light).astype(np.uint8))
    else:
        Image.fromarray(np.stack([g] * 3, -1)).save(path)
    ink = preprocess_image(path)
    assert ink.shape == (256, 256)
    assert np.abs(ink - ref).mean() < 0.01
    assert (ink[ref > 0.5] > 0.4).mean() > 0.95
    assert (ink[g == 255] < 0.15).mean() > 0.995


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_large_image_with_margins_is_scaled_back_onto_the_grid(tmp_path, seed):
    spec = Spec([Rectangle(3, 6, 7, 10), Circle(11, 8), Line(7, 8, 10, 8, arrow=True)])
    ink256 = render_noisy(spec, np.random.default_rng(seed))
    g = np.round(255 * (1 - ink256)).astype(np.uint8)  # a pencil drawing at grid size
    big = np.full((1024, 1024), 255, np.uint8)
    big[120:888, 200:968] = cv2.resize(g, (768, 768), interpolation=cv2.INTER_LINEAR)
    _write_png(tmp_path / "big.png", big)
    ink = preprocess_image(tmp_path / "big.png")
    x0, y0, x1, y1 = _ink_box(ink)
    _write_png(tmp_path / "small.png", g)
    r0, s0, r1, s1 = _ink_box(preprocess_image(tmp_path / "small.png"))
    assert abs((x1 - x0) - (r1 - r0)) <= 0.15 * (r1 - r0)   # the grid scale comes back
    assert abs((y1 - y0) - (s1 - s0)) <= 0.15 * (s1 - s0)
    assert abs((x0 + x1) / 2 - 128) <= 2 and abs((y0 + y1) / 2 - 128) <= 2  # centred


def test_large_drawing_fits_inside_a_margin(tmp_path):
    g = np.full((600, 900), 255, np.uint8)
    cv2.rectangle(g, (20, 30), (880, 570), 0, 3)
    _write_png(tmp_path / "wide.png", g)
    x0, y0, x1, y1 = _ink_box(preprocess_image(tmp_path / "wide.png"))
    assert x0 >= 14 and x1 <= 241 and x1 - x0 >= 215


def test_blank_images_give_blank_ink(tmp_path):
    _write_png(tmp_path / "white.png", np.full((300, 500), 255, np.uint8))
    _write_png(tmp_path / "white256.png", np.full((256, 256), 250, np.uint8))
    assert not preprocess_image(tmp_path / "white.png").any()
    assert not preprocess_image(tmp_path / "white256.png").any()


def _huge_png(path: Path, side: int) -> None:
    """A valid PNG header declaring side x side pixels, with almost no data."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + \
            struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
                     + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))


@pytest.mark.parametrize("kind", ["text", "empty", "huge", "truncated", "missing", "folder"])
def test_bad_files_are_refused_with_one_line(tmp_path, kind):
    path = tmp_path / f"bad-{kind}.png"
    if kind == "text":
        path.write_text("hello, I am not a picture\n")
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "huge":
        _huge_png(path, 100_000)
    elif kind == "truncated":
        _write_png(tmp_path / "ok.png", _drawing())
        path.write_bytes((tmp_path / "ok.png").read_bytes()[:200])
    elif kind == "folder":
        path.mkdir()
    with pytest.raises(ImageInputError) as err:
        preprocess_image(path)
    message = str(err.value)
    assert path.name in message and "\n" not in message
    assert isinstance(err.value, InputError) and isinstance(err.value, ValueError)
