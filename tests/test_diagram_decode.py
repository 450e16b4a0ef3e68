"""The diagram decoders on hand-made stroke maps: regions closed by one kind of stroke become
shapes, arrow strokes with a head become arrows, tail to head; and the grid they land on."""
import cv2
import numpy as np
import pytest

from graphics2prog.infer.diagram import (DiagramConfig, ToGrid, arrow_primitive, grid_transform,
                                         shape_primitive)
from graphics2prog.infer.diagram_arrows import ARROW, HEAD, ArrowConfig, find_arrows
from graphics2prog.infer.diagram_regions import ShapeConfig
from graphics2prog.infer.diagram_shapes import (FoundShape, _same_shape, crossed_sides,
                                                explained_by, find_shapes, iou, outlines)
from graphics2prog.infer.straight_lines import LineConfig, straight_lines
from graphics2prog.infer.stroke_maps import StrokeMaps
from graphics2prog.shapes import Diamond, Polyline
from graphics2prog.spec import Circle, Rectangle

RECT, ELLIPSE, DIAMOND = 1, 2, 3


def maps_of(labels: np.ndarray) -> StrokeMaps:
    """Stroke maps whose probabilities are certain of the given labels."""
    probs = np.stack([(labels == c).astype(np.float32) for c in range(8)])
    return StrokeMaps(probs, labels, 1.0)


def canvas() -> np.ndarray:
    return np.zeros((300, 400), np.uint8)


def test_rectangle_ellipse_and_diamond_are_found_by_kind():
    labels = canvas()
    cv2.rectangle(labels, (20, 30), (140, 110), RECT, 2)
    cv2.ellipse(labels, ((250, 70), (60, 60), 0), ELLIPSE, 2)
    pts = np.array([[330, 150], [380, 200], [330, 250], [280, 200]], np.int32)
    cv2.polylines(labels, [pts], True, DIAMOND, 2)
    found = {s.kind: s for s in find_shapes(maps_of(labels))}
    assert set(found) == {"rectangle", "ellipse", "diamond"}
    assert iou(found["rectangle"].box, (20, 30, 140, 110)) > 0.9
    assert iou(found["ellipse"].box, (220, 40, 280, 100)) > 0.85
    assert iou(found["diamond"].box, (280, 150, 380, 250)) > 0.85


def test_a_gap_in_an_outline_is_closed_and_letters_are_not_shapes():
    labels = canvas()
    cv2.rectangle(labels, (50, 50), (250, 200), RECT, 2)
    labels[50:53, 120:126] = 0          # a 6-px gap in the top side
    cv2.circle(labels, (150, 120), 6, 6, 1)  # an "o" written inside: text, not a shape
    shapes = find_shapes(maps_of(labels))
    assert [s.kind for s in shapes] == ["rectangle"]
    assert iou(shapes[0].box, (50, 50, 250, 200)) > 0.9


def test_a_round_cornered_box_unsure_near_a_corner_is_still_a_box():
    """A task drawn in one sweep, its corners round, the network unsure (0.4) along a stretch
    of its bottom side near a corner: a sharp box's sides would be seen too little there,
    a box with round corners is measured along the straight middles of its sides."""
    labels = canvas()
    t = np.linspace(0, 2 * np.pi, 400, endpoint=False)
    cx, cy, a, b = 200, 150, 90, 55                       # a superellipse: round-cornered box
    x = cx + a * np.sign(np.cos(t)) * np.abs(np.cos(t)) ** 0.6
    y = cy + b * np.sign(np.sin(t)) * np.abs(np.sin(t)) ** 0.6
    cv2.polylines(labels, [np.stack([x, y], 1).round().astype(np.int32)], True, RECT, 2)
    maps = maps_of(labels)
    unsure = np.zeros_like(labels, bool)
    unsure[180:, 130:186] = labels[180:, 130:186] == RECT
    maps.probs[RECT][unsure], maps.probs[0][unsure] = 0.4, 0.35
    maps.probs[ARROW][unsure] = 0.25
    shapes = find_shapes(maps)
    assert [s.kind for s in shapes] == ["rectangle"] and shapes[0].rounded
    assert iou(shapes[0].box, (cx - a, cy - b, cx + a, cy + b)) > 0.85


def test_an_open_bracket_is_no_box():
    labels = canvas()
    cv2.polylines(labels, [np.array([[140, 40], [40, 40], [40, 200], [140, 200]])], False,
                  RECT, 2)
    assert find_shapes(maps_of(labels)) == []


def test_a_bent_arrow_runs_tail_to_head_with_its_bend():
    labels = canvas()
    cv2.polylines(labels, [np.array([[30, 50], [200, 50], [200, 250]])], False, ARROW, 2)
    cv2.polylines(labels, [np.array([[190, 235], [200, 250], [210, 235]])], False, HEAD, 2)
    labels[238:251, 198:203] = HEAD
    arrows = find_arrows(maps_of(labels))
    assert len(arrows) == 1
    a = arrows[0]
    assert a.arrow and not a.dashed
    assert np.hypot(*np.subtract(a.points[0], (30, 50))) < 6
    assert np.hypot(*np.subtract(a.points[-1], (200, 250))) < 6
    assert any(np.hypot(*np.subtract(p, (200, 50))) < 8 for p in a.points[1:-1])


def test_dashes_make_a_dashed_arrow():
    labels = canvas()
    for x in range(20, 290, 14):
        cv2.line(labels, (x, 100), (x + 6, 100), ARROW, 2)
    cv2.polylines(labels, [np.array([[300, 92], [314, 100], [300, 108]])], False, HEAD, 2)
    labels[98:103, 290:315] = HEAD
    arrows = find_arrows(maps_of(labels))
    assert len(arrows) == 1 and arrows[0].dashed
    assert arrows[0].points[-1][0] > arrows[0].points[0][0]  # pointing right


def test_strokes_without_a_head_are_an_arrowless_path():
    labels = canvas()
    cv2.line(labels, (40, 150), (300, 150), ARROW, 2)
    arrows = find_arrows(maps_of(labels))
    assert len(arrows) == 1 and not arrows[0].arrow


def test_image_from_grid_is_the_photo_long_side_over_the_cells():
    m = grid_transform(1000, 2000, 200)
    assert np.allclose(m, [[10, 0, 0], [0, -10, 1000], [0, 0, 1]])
    g = ToGrid(0.5, m)  # read at half the photo's size
    assert (g.x(100), g.y(0)) == (20, 100)   # photo (200, 0): top edge
    col, row, w = m @ np.array([g.x(100), g.y(300), 1.0])
    assert (col / w, row / w) == pytest.approx((200, 600))


def test_found_shapes_become_primitives_on_the_grid():
    g = ToGrid(1.0, grid_transform(100, 100, 100))
    assert shape_primitive(FoundShape("rectangle", (10, 20, 30, 60), 1.0, True), g) == \
        Rectangle(10, 40, 30, 80, True)
    assert shape_primitive(FoundShape("ellipse", (10, 10, 30, 30), 1.0), g) == Circle(20, 80, 10)
    assert shape_primitive(FoundShape("diamond", (10, 10, 30, 20), 1.0), g) == \
        Diamond(20, 85, 10, 5)
    path = arrow_primitive(type("A", (), {"points": ((0, 0), (0, 0), (50, 0)), "arrow": True,
                                          "dashed": False})(), g)
    assert path == Polyline(((0, 100), (50, 100)), True, False)

def test_a_double_ring_and_a_crossed_diamond_are_one_shape_each():
    labels = canvas()
    cv2.ellipse(labels, ((100, 100), (70, 70), 0), ELLIPSE, 2)
    cv2.ellipse(labels, ((100, 100), (56, 56), 0), ELLIPSE, 2)
    pts = np.array([[280, 50], [340, 110], [280, 170], [220, 110]], np.int32)
    cv2.polylines(labels, [pts], True, DIAMOND, 2)
    cv2.line(labels, (250, 80), (310, 140), DIAMOND, 2)   # the cross inside
    cv2.line(labels, (310, 80), (250, 140), DIAMOND, 2)
    shapes = sorted(find_shapes(maps_of(labels)), key=lambda s: s.kind)
    assert [s.kind for s in shapes] == ["diamond", "ellipse"]
    assert iou(shapes[0].box, (220, 50, 340, 170)) > 0.85
    assert iou(shapes[1].box, (65, 65, 135, 135)) > 0.85



def test_specks_of_every_kind_give_no_shape_and_no_error():
    rng = np.random.default_rng(0)
    labels = (rng.random((120, 160)) < 0.05).astype(np.uint8) * rng.integers(1, 8, (120, 160),
                                                                            dtype=np.uint8)
    assert all(min(s.box[2] - s.box[0], s.box[3] - s.box[1]) >= 9
               for s in find_shapes(maps_of(labels)))


def test_the_squares_of_graph_paper_are_no_boxes():
    labels = np.zeros((400, 600), np.uint8)
    for x in range(20, 581, 20):
        labels[20:381, x] = RECT
    for y in range(20, 381, 20):
        labels[y, 20:581] = RECT
    cv2.rectangle(labels, (200, 150), (330, 230), RECT, 2)   # a box drawn over the lattice
    assert find_shapes(maps_of(labels)) == [] or all(
        s.box[2] - s.box[0] > 60 for s in find_shapes(maps_of(labels)))


def big_canvas() -> np.ndarray:
    return np.zeros((500, 800), np.uint8)


def arrows_among_shapes(labels: np.ndarray, config: ArrowConfig = ArrowConfig(),
                        loose_shafts: bool = True,
                        crossed_side: float = DiagramConfig().crossed_side) -> list:
    """The arrows (with heads) of a stroke map, decoded as parse_diagram does: starting at the
    shapes found, going on along outline strokes no shape explains (unless `loose_shafts`
    is off) and across the sides of rectangles `crossed_side` long."""
    maps = maps_of(labels)
    shapes = find_shapes(maps)
    drawn = outlines(shapes, labels.shape, 11) if loose_shafts else None
    crossed = crossed_sides(shapes, labels.shape, 11, crossed_side)
    return [a for a in find_arrows(maps, config, explained_by(shapes, labels.shape, 11), drawn,
                                   crossed) if a.arrow]


def test_a_pool_whose_long_sides_are_broken_closes_into_its_lanes():
    """A container's sides broken where arrows cross (wider gaps than any thickening seals)
    still close the pool and both lanes; its title strip is no box."""
    labels = big_canvas()
    cv2.rectangle(labels, (40, 60), (760, 440), RECT, 2)     # the pool
    cv2.line(labels, (80, 60), (80, 440), RECT, 2)           # the title strip's edge
    cv2.line(labels, (80, 250), (760, 250), RECT, 2)         # between the lanes
    for x in (200, 420, 610):                                # 22-px gaps along the long sides
        labels[58:63, x:x + 22] = ARROW if x == 420 else 0
        labels[248:253, x:x + 22] = 0
        labels[438:443, x:x + 22] = 0
    boxes = [s.box for s in find_shapes(maps_of(labels)) if s.kind == "rectangle"]
    for want in [(40, 60, 760, 440), (80, 60, 760, 250), (80, 250, 760, 440)]:
        assert any(iou(b, want) > 0.9 for b in boxes), want
    assert not any(iou(b, (40, 60, 80, 440)) > 0.5 for b in boxes)  # the title strip


def test_neighbouring_boxes_in_a_row_are_not_joined_into_one():
    labels = big_canvas()
    for x in (60, 260, 460):
        cv2.rectangle(labels, (x, 100), (x + 150, 180), RECT, 2)  # 50 px apart
    boxes = [s.box for s in find_shapes(maps_of(labels))]
    assert len(boxes) == 3


def test_an_arrow_broken_by_a_gap_runs_on_to_the_box_it_leaves():
    labels = big_canvas()
    cv2.rectangle(labels, (40, 100), (160, 200), RECT, 2)
    cv2.line(labels, (162, 150), (300, 150), ARROW, 2)
    cv2.line(labels, (330, 150), (560, 150), ARROW, 2)        # a 30-px skip in the pencil
    cv2.polylines(labels, [np.array([[560, 140], [576, 150], [560, 160]])], False, HEAD, 2)
    labels[146:155, 560:577] = HEAD
    arrows = arrows_among_shapes(labels)
    assert len(arrows) == 1
    assert np.hypot(*np.subtract(arrows[0].points[0], (162, 150))) < 12


def test_a_shaft_partly_read_as_outline_still_runs_back_to_the_box_it_leaves():
    """The middle of a shaft read as a box's side (no box there) is still the arrow's way
    back; the head's own spurs beside the box it points at are no tail, even where ends that
    near the head are not set aside as spurs (`min_tail`)."""
    labels = big_canvas()
    cv2.rectangle(labels, (40, 100), (160, 200), RECT, 2)
    cv2.rectangle(labels, (600, 100), (720, 200), RECT, 2)
    cv2.line(labels, (162, 150), (300, 150), ARROW, 2)
    cv2.line(labels, (301, 150), (450, 150), RECT, 2)         # read as an outline stroke
    cv2.line(labels, (451, 150), (597, 150), ARROW, 2)
    cv2.polylines(labels, [np.array([[591, 136], [597, 150], [591, 164]])], False, ARROW, 2)
    labels[145:156, 588:598] = HEAD                # its arms, read as shaft, reach the box
    assert len(find_shapes(maps_of(labels))) == 2

    def from_box(found):
        return [a for a in found if np.hypot(*np.subtract(a.points[0], (162, 150))) < 12]

    found = arrows_among_shapes(labels)
    assert len(found) == 1 and from_box(found) == found
    assert np.hypot(*np.subtract(found[0].points[-1], (597, 150))) < 6
    assert from_box(arrows_among_shapes(labels, loose_shafts=False)) == []
    spurs_kept = arrows_among_shapes(labels, ArrowConfig(min_tail=0))  # however near the head
    assert len(spurs_kept) == 1 and from_box(spurs_kept) == spurs_kept


def test_a_bent_shaft_whose_first_leg_is_read_as_outline_runs_back_round_the_corner():
    """An orthogonal flow from a box down and then right to another: its first leg, long and
    straight, read as a box's side (no box there). The walk back from the head turns the
    corner onto it and ends at the box it leaves."""
    labels = big_canvas()
    cv2.rectangle(labels, (40, 40), (160, 120), RECT, 2)
    cv2.rectangle(labels, (600, 300), (720, 400), RECT, 2)
    cv2.line(labels, (100, 122), (100, 350), RECT, 2)         # first leg: read as outline
    cv2.line(labels, (100, 350), (590, 350), ARROW, 2)        # second leg: arrow
    labels[344:357, 585:598] = HEAD
    found = arrows_among_shapes(labels)
    assert len(found) == 1 and found[0].arrow
    assert np.hypot(*np.subtract(found[0].points[0], (100, 122))) < 12
    assert found[0].points[1] == pytest.approx((100, 350), abs=6)


def test_a_short_arrow_between_close_boxes_read_mostly_as_head_is_an_arrow():
    labels = big_canvas()
    cv2.rectangle(labels, (40, 100), (160, 200), RECT, 2)
    cv2.rectangle(labels, (190, 100), (310, 200), RECT, 2)
    cv2.line(labels, (163, 150), (166, 150), ARROW, 2)
    cv2.polylines(labels, [np.array([[176, 141], [187, 150], [176, 159]])], False, HEAD, 2)
    labels[146:155, 167:188] = HEAD
    arrows = arrows_among_shapes(labels)
    assert len(arrows) == 1
    assert arrows[0].points[0][0] < 170 and arrows[0].points[-1][0] > 183


def test_the_mirrored_reading_reads_a_mirrored_photo_as_the_mirror_image():
    """Averaging a photo's reading with its mirror image's makes the reading
    mirror-equivariant, which one pass of a network is not."""
    import torch
    from graphics2prog.infer.stroke_maps import read_strokes
    from graphics2prog.models.strokes import StrokeNet, StrokeNetConfig
    torch.manual_seed(0)
    net = StrokeNet(StrokeNetConfig(widths=(4, 8, 8))).eval()
    rgb = np.random.default_rng(0).integers(0, 255, (48, 64, 3), dtype=np.uint8)  # no padding
    maps = read_strokes(net, rgb, side=64)
    mirror = read_strokes(net, np.ascontiguousarray(rgb[:, ::-1]), side=64)
    assert np.allclose(mirror.probs, maps.probs[:, :, ::-1], atol=1e-5)
    single = read_strokes(net, rgb, side=64, mirrored=False).probs
    single_mirror = read_strokes(net, np.ascontiguousarray(rgb[:, ::-1]), side=64,
                                 mirrored=False).probs
    assert np.abs(single_mirror - single[:, :, ::-1]).max() > 1e-5


def test_a_head_the_network_is_unsure_of_is_no_head():
    labels = canvas()
    cv2.line(labels, (40, 150), (300, 150), ARROW, 2)
    cv2.polylines(labels, [np.array([[290, 140], [306, 150], [290, 160]])], False, HEAD, 2)
    labels[146:155, 290:307] = HEAD
    maps = maps_of(labels)
    assert [a.arrow for a in find_arrows(maps)] == [True]
    unsure = labels == HEAD
    maps.probs[HEAD][unsure], maps.probs[ARROW][unsure] = 0.4, 0.3  # head only likeliest
    assert [a.arrow for a in find_arrows(maps)] == [False]


def test_boxes_between_the_rules_of_misread_ruled_paper_are_no_boxes():
    labels = big_canvas()
    for y in range(20, 500, 30):           # 16 rules the network took for outlines (where the
        cv2.line(labels, (10, y), (420, y), RECT, 2)  # paper is dark enough, on the left)
    for x in (100, 160, 300, 330):                       # strokes across them make cells
        cv2.line(labels, (x, 80), (x, 170), RECT, 2)
    cv2.rectangle(labels, (500, 95), (700, 230), RECT, 2)  # a box drawn beside them
    boxes = [s.box for s in find_shapes(maps_of(labels))]
    assert any(iou(b, (500, 95, 700, 230)) > 0.8 for b in boxes)
    assert not any(b[2] <= 340 for b in boxes)          # no cell left of the box


def test_holes_punched_in_the_sheet_are_no_circles_but_drawn_rings_in_a_row_are():
    labels = big_canvas()
    for y in (60, 180, 300, 420):
        cv2.circle(labels, (30, y), 10, ELLIPSE, -1)           # a binder's holes: filled discs
        cv2.circle(labels, (400, y), 20, ELLIPSE, 2)           # events drawn in a column
    cv2.circle(labels, (600, 200), 10, ELLIPSE, -1)            # one filled dot stays a circle
    found = find_shapes(maps_of(labels))
    centres = sorted((round((s.box[0] + s.box[2]) / 2), round((s.box[1] + s.box[3]) / 2))
                     for s in found)
    assert all(s.kind == "ellipse" for s in found)
    assert [x for x, _ in centres] == [400] * 4 + [600]


def test_rings_punched_along_the_sheets_edge_are_no_circles_but_one_event_there_is():
    """Two punched holes read as rings, near the left edge: paper. One ring near the top edge,
    and rings of one size in the middle of the sheet, are circles someone drew."""
    labels = big_canvas()
    for y in (120, 380):
        cv2.circle(labels, (22, y), 10, ELLIPSE, 2)            # a two-hole punch's holes
        cv2.circle(labels, (400, y), 10, ELLIPSE, 2)           # events of that size
    cv2.circle(labels, (300, 22), 12, ELLIPSE, 2)              # an event near the top edge
    centres = sorted((round((s.box[0] + s.box[2]) / 2), round((s.box[1] + s.box[3]) / 2))
                     for s in find_shapes(maps_of(labels)))
    assert [x for x, _ in centres] == [300, 400, 400]


def test_the_title_strip_of_an_open_container_is_no_box_but_a_lane_with_a_box_is():
    labels = big_canvas()
    cv2.polylines(labels, [np.array([[700, 40], [40, 40], [40, 440], [700, 440]])], False,
                  RECT, 2)                                   # a pool never closed on the right
    cv2.line(labels, (90, 40), (90, 440), RECT, 2)           # its title strip's edge
    cv2.line(labels, (90, 240), (700, 240), RECT, 2)         # between its lanes
    cv2.rectangle(labels, (300, 100), (420, 170), RECT, 2)   # a box in the upper lane
    cv2.rectangle(labels, (740, 100), (770, 400), RECT, 2)   # a tall box standing alone
    boxes = [s.box for s in find_shapes(maps_of(labels))]
    assert not any(iou(b, (40, 40, 90, 440)) > 0.5 for b in boxes)      # the title strip
    for want in [(300, 100, 420, 170), (740, 100, 770, 400)]:
        assert any(iou(b, want) > 0.8 for b in boxes), want


def test_a_head_read_in_two_pieces_gives_one_arrow():
    labels = canvas()
    cv2.rectangle(labels, (20, 100), (100, 200), RECT, 2)
    cv2.rectangle(labels, (300, 100), (380, 200), RECT, 2)
    cv2.line(labels, (102, 150), (280, 150), ARROW, 2)
    labels[138:149, 280:298] = HEAD                     # the upper barb,
    labels[153:164, 280:298] = HEAD                     # the lower one, 4 px apart
    labels[149:153, 280:298] = ARROW
    arrows = arrows_among_shapes(labels)
    assert len(arrows) == 1
    assert np.hypot(*np.subtract(arrows[0].points[0], (102, 150))) < 12


def test_a_long_dashed_flow_with_wide_gaps_runs_from_box_to_box():
    """Twenty dashes 16 px apart (wider than the bridge, more than a tail may jump) are one
    dashed arrow from the box it leaves; without a head they are one arrowless path."""
    labels = big_canvas()
    cv2.rectangle(labels, (20, 100), (100, 200), RECT, 2)
    cv2.rectangle(labels, (660, 100), (740, 200), RECT, 2)
    for x in range(104, 620, 24):
        cv2.line(labels, (x, 150), (x + 8, 150), ARROW, 2)
    no_head = maps_of(labels)
    paths = [a for a in find_arrows(no_head) if np.ptp([p[0] for p in a.points]) > 400]
    assert len(paths) == 1 and not paths[0].arrow and paths[0].dashed
    cv2.line(labels, (620, 150), (640, 150), ARROW, 2)
    labels[140:161, 640:657] = HEAD
    arrows = arrows_among_shapes(labels)
    assert len(arrows) == 1 and arrows[0].dashed
    assert np.hypot(*np.subtract(arrows[0].points[0], (104, 150))) < 12


def test_a_head_is_not_joined_to_the_line_beyond_it():
    labels = big_canvas()
    cv2.line(labels, (100, 150), (280, 150), ARROW, 2)
    labels[147:154, 280:297] = HEAD
    cv2.line(labels, (315, 150), (600, 150), ARROW, 2)     # another line, 18 px past the tip
    arrows = find_arrows(maps_of(labels))
    assert sorted(a.arrow for a in arrows) == [False, True]


def test_a_collapsed_pool_is_a_box_but_the_gap_of_a_doubled_line_is_not():
    labels = big_canvas()
    cv2.rectangle(labels, (60, 40), (700, 75), RECT, 2)     # a pool drawn as a long strip
    cv2.line(labels, (60, 300), (700, 300), RECT, 2)        # a side drawn twice, 14 px apart
    cv2.line(labels, (60, 314), (700, 314), RECT, 2)
    cv2.line(labels, (60, 300), (60, 314), RECT, 2)
    cv2.line(labels, (700, 300), (700, 314), RECT, 2)
    boxes = [s.box for s in find_shapes(maps_of(labels))]
    assert any(iou(b, (60, 40, 700, 75)) > 0.8 for b in boxes)
    assert not any(iou(b, (60, 300, 700, 314)) > 0.3 for b in boxes)


def test_a_collapsed_pool_open_at_a_corner_and_under_its_name_is_still_a_box():
    """A long strip whose left side stops short of its top, whose bottom side the network
    read as part of the name written on it, and whose ends are partly read as arrow: its two
    long lines close it, from the outermost end strokes of either line. A word between two
    boxes' sides is no box."""
    labels = big_canvas()
    cv2.line(labels, (60, 40), (700, 40), RECT, 2)            # top, from the left corner
    cv2.line(labels, (64, 100), (712, 100), RECT, 2)          # bottom, past the right side
    labels[98:103, 330:420] = 6                               # ... under the name: text
    cv2.line(labels, (60, 62), (60, 100), ARROW, 2)           # left side: 22 px open, arrow
    cv2.line(labels, (700, 40), (700, 100), RECT, 2)          # right side
    boxes = [s.box for s in find_shapes(maps_of(labels))]
    assert sum(iou(b, (60, 40, 700, 100)) > 0.9 for b in boxes) == 1
    cv2.rectangle(labels, (60, 300), (700, 330), RECT, 2)     # a box, and a word between it
    cv2.rectangle(labels, (60, 360), (700, 390), RECT, 2)     # and the next, 30 px apart
    labels[340:350, 300:360] = 6
    boxes = [s.box for s in find_shapes(maps_of(labels))]
    assert not any(iou(b, (60, 330, 700, 360)) > 0.3 for b in boxes)


def test_a_large_box_drawn_askew_is_found():
    """A pool drawn 2 degrees off the level: its long sides leave their box's straight edges,
    not the region's boundary."""
    labels = big_canvas()
    corners = cv2.boxPoints(((400, 250), (680, 260), 2.0)).round().astype(np.int32)
    cv2.polylines(labels, [corners], True, RECT, 2)
    x1, y1 = corners.min(0)
    x2, y2 = corners.max(0)
    boxes = [s.box for s in find_shapes(maps_of(labels))]
    assert any(iou(b, (x1, y1, x2, y2)) > 0.85 for b in boxes)


def test_the_gap_between_two_close_boxes_is_no_box():
    """Two boxes 22 px apart, an arrow between them: the gap, closed at its ends by the
    strokes near the boxes' corners, has their sides for two of its own, but no box."""
    labels = big_canvas()
    cv2.rectangle(labels, (100, 100), (220, 170), RECT, 2)
    cv2.rectangle(labels, (244, 100), (364, 170), RECT, 2)
    cv2.line(labels, (222, 135), (236, 135), ARROW, 2)
    labels[130:141, 236:243] = HEAD
    boxes = [s.box for s in find_shapes(maps_of(labels))]
    for want in [(100, 100, 220, 170), (244, 100, 364, 170)]:
        assert any(iou(b, want) > 0.9 for b in boxes), want
    assert not any(iou(b, (220, 100, 244, 170)) > 0.5 for b in boxes)


def test_title_strips_of_lanes_are_no_boxes_even_with_a_side_unread():
    """A pool never closed on the right, its bottom side read only under its title strip:
    the lanes' title strips are strips of it (one short side runs on), not boxes, whether
    or not they lie in the pool's own title strip."""
    labels = big_canvas()
    cv2.polylines(labels, [np.array([[700, 40], [40, 40], [40, 440], [90, 440]])], False,
                  RECT, 2)
    cv2.line(labels, (90, 40), (90, 440), RECT, 2)           # the title strip's edge
    cv2.line(labels, (40, 240), (700, 240), RECT, 2)         # between the lanes
    cv2.rectangle(labels, (300, 100), (420, 170), RECT, 2)   # a box in the upper lane
    boxes = [s.box for s in find_shapes(maps_of(labels))]
    assert any(iou(b, (300, 100, 420, 170)) > 0.8 for b in boxes)
    for strip in [(40, 40, 90, 240), (40, 240, 90, 440), (40, 40, 90, 440)]:
        assert not any(iou(b, strip) > 0.5 for b in boxes), strip


def test_a_flow_joined_at_the_box_it_leaves_starts_there():
    """Another flow joins this one right beside the box it leaves: the way on to that flow's
    box (farther from the head) passes by this box, so this box is the tail."""
    labels = big_canvas()
    cv2.rectangle(labels, (40, 100), (140, 180), RECT, 2)     # the box the flow leaves
    cv2.rectangle(labels, (600, 100), (700, 180), RECT, 2)    # the box it points at
    cv2.rectangle(labels, (40, 300), (140, 380), RECT, 2)     # the other flow's box
    cv2.line(labels, (142, 140), (580, 140), ARROW, 2)
    labels[132:149, 580:598] = HEAD
    joins = np.array([[142, 340], [152, 340], [152, 146]])   # 10 px from the box it leaves
    cv2.polylines(labels, [joins], False, ARROW, 2)
    arrows = arrows_among_shapes(labels)
    assert len(arrows) == 1
    assert np.hypot(*np.subtract(arrows[0].points[0], (142, 140))) < 15


def test_lanes_the_picture_cuts_off_are_closed_by_its_edge_but_its_margins_are_no_boxes():
    labels = big_canvas()
    for y in (60, 250, 440):                                  # the pool runs off the right
        cv2.line(labels, (40 if y != 250 else 80, y), (799, y), RECT, 2)
    cv2.line(labels, (40, 60), (40, 440), RECT, 2)
    cv2.line(labels, (80, 60), (80, 440), RECT, 2)            # the title strip's edge
    cv2.rectangle(labels, (300, 120), (420, 190), RECT, 2)    # a box in each lane
    cv2.rectangle(labels, (500, 310), (620, 380), RECT, 2)
    boxes = [s.box for s in find_shapes(maps_of(labels))]
    for want in [(80, 60, 799, 250), (80, 250, 799, 440)]:
        assert any(iou(b, want) > 0.9 for b in boxes), want
    for margin in [(0, 0, 799, 60), (0, 440, 799, 499)]:      # above and below the pool
        assert not any(iou(b, margin) > 0.3 for b in boxes), margin


def test_a_container_open_at_a_corner_is_closed_by_its_long_sides():
    """A pool whose outline is left open at a corner (wider than any thickening seals) is
    still the box its two long lines each way close, once, title strip and all; the empty
    gap between it and the pool below is no box."""
    labels = big_canvas()
    cv2.rectangle(labels, (40, 40), (760, 240), RECT, 2)      # the open pool
    labels[36:45, 700:765] = 0                                # its top-right corner left open
    labels[36:70, 755:765] = 0
    cv2.line(labels, (100, 40), (100, 240), RECT, 2)          # its title strip's edge
    cv2.rectangle(labels, (40, 280), (760, 460), RECT, 2)     # the pool below
    cv2.rectangle(labels, (300, 100), (420, 170), RECT, 2)    # a box in each
    cv2.rectangle(labels, (500, 320), (620, 400), RECT, 2)
    boxes = [s.box for s in find_shapes(maps_of(labels))]
    assert sum(iou(b, (40, 40, 760, 240)) > 0.5 for b in boxes) == 1
    assert any(iou(b, (40, 40, 760, 240)) > 0.9 for b in boxes)
    assert any(iou(b, (40, 280, 760, 460)) > 0.9 for b in boxes)
    assert not any(iou(b, (40, 240, 760, 280)) > 0.3 for b in boxes)


def test_two_rings_an_arrow_links_are_two_circles_not_one_ellipse():
    """The stroke between two events touches both rings, so their outlines make one
    elongated outer contour; the rings are still two circles."""
    labels = canvas()
    for x in (100, 150):                                      # 8 px apart, a little tall
        cv2.ellipse(labels, ((x, 150), (40, 44), 0), ELLIPSE, 2)
    cv2.line(labels, (121, 150), (129, 150), ARROW, 2)
    boxes = [s.box for s in find_shapes(maps_of(labels)) if s.kind == "ellipse"]
    assert len(boxes) == 2
    for want in [(80, 128, 120, 172), (130, 128, 170, 172)]:
        assert any(iou(b, want) > 0.8 for b in boxes), want


def test_a_double_ring_whose_outer_ring_closes_no_region_is_its_outer_ring():
    """Strokes cross a double ring's outer ring from outside and the gap between its rings
    is smudged (read as another kind), so only the inner ring closes a region of its own:
    the shape is still the outer ring. A small ring drawn thick is not grown to its
    stroke's outer edge."""
    labels = canvas()
    cv2.circle(labels, (100, 150), 24, 6, 8)                 # the smudged gap
    cv2.circle(labels, (100, 150), 30, ELLIPSE, 2)
    cv2.circle(labels, (100, 150), 18, ELLIPSE, 2)
    for a, b in [((40, 150), (70, 150)), ((130, 150), (160, 150)), ((100, 90), (100, 120))]:
        cv2.line(labels, a, b, ELLIPSE, 2)                   # up to the outer ring
    cv2.circle(labels, (300, 150), 9, ELLIPSE, 5)            # a thick end event
    found = [s.box for s in find_shapes(maps_of(labels)) if s.kind == "ellipse"]
    assert any(iou(b, (70, 120, 130, 180)) > 0.8 for b in found)
    assert not any(iou(b, (82, 132, 118, 168)) > 0.5 for b in found)
    assert any(iou(b, (289, 139, 311, 161)) > 0.7 for b in found)


def test_a_flow_from_a_data_object_starts_there_not_at_the_box_beyond():
    """A data object (read as another kind) between a box and the arrow it sends: the
    arrow's tail is the data object, not the box the line before it comes from."""
    labels = big_canvas()
    cv2.rectangle(labels, (40, 100), (140, 200), RECT, 2)
    cv2.rectangle(labels, (300, 120), (340, 180), 7, 2)      # the data object
    cv2.line(labels, (142, 150), (298, 150), ARROW, 2)
    cv2.line(labels, (342, 150), (580, 150), ARROW, 2)
    labels[142:159, 580:598] = HEAD
    arrows = arrows_among_shapes(labels)
    assert len(arrows) == 1
    assert np.hypot(*np.subtract(arrows[0].points[0], (342, 150))) < 15


def test_a_faint_head_on_a_line_leaving_a_shape_makes_an_arrow_but_on_a_line_alone_does_not():
    """A connector from a box whose head the network reads at p = 0.3 (under a head blob's
    0.5) is an arrow to that end, whether it reaches the next box or stops short of it; the
    same faint head on a line that leaves no shape leaves it an arrowless path."""
    labels = big_canvas()
    cv2.rectangle(labels, (40, 100), (140, 200), RECT, 2)
    cv2.rectangle(labels, (400, 100), (500, 200), RECT, 2)
    cv2.line(labels, (142, 150), (396, 150), ARROW, 2)
    cv2.rectangle(labels, (40, 250), (140, 330), RECT, 2)
    cv2.line(labels, (142, 290), (360, 290), ARROW, 2)        # stops 40 px short of a shape
    cv2.line(labels, (150, 420), (396, 420), ARROW, 2)        # leaves none
    maps = maps_of(labels)
    for y, x in ((150, 384), (290, 348), (420, 384)):
        maps.probs[HEAD, y - 6:y + 7, x:x + 13] = 0.3
    shapes = find_shapes(maps)
    found = find_arrows(maps, ArrowConfig(), explained_by(shapes, labels.shape, 11),
                        outlines(shapes, labels.shape, 11))
    heads = sorted((a for a in found if a.arrow), key=lambda a: a.points[0][1])
    assert len(heads) == 2
    for arrow, tail, tip in zip(heads, [(142, 150), (142, 290)], [(396, 150), (360, 290)]):
        assert np.hypot(*np.subtract(arrow.points[-1], tip)) < 12
        assert np.hypot(*np.subtract(arrow.points[0], tail)) < 12
    assert any(not a.arrow and abs(a.points[0][1] - 420) < 5 for a in found)


def test_a_container_side_broken_into_short_pieces_still_closes_it():
    """The top side of a pool open at a corner is broken by wide gaps (where dashed flows
    cross) into pieces each shorter than a long line, drawn a little askew: in line, the
    pieces are one side, and the pool is found."""
    labels = big_canvas()
    cv2.rectangle(labels, (40, 40), (760, 240), RECT, 2)
    labels[36:45, :] = 0                                      # the top side, redrawn in pieces
    for k, x in enumerate(range(40, 760, 170)):
        cv2.line(labels, (x, 40 + 2 * k), (min(x + 140, 760), 40 + 2 * k), RECT, 2)
    labels[36:70, 755:765] = 0                                # the top-right corner left open
    cv2.rectangle(labels, (300, 100), (420, 170), RECT, 2)    # a box in it
    boxes = [s.box for s in find_shapes(maps_of(labels))]
    assert any(iou(b, (40, 40, 760, 240)) > 0.9 for b in boxes)


def test_pieces_in_line_are_one_line_but_lines_side_by_side_stay_two():
    """Pieces of one side, a few px apart across and wide gaps between them, make one long
    line; two full lines 10 px apart (a doubled side, neighbouring rules) stay two."""
    own = np.zeros((300, 800), np.uint8)
    for k, x in enumerate(range(40, 760, 170)):
        cv2.line(own, (x, 50 + 2 * k), (x + 120, 50 + 2 * k), 1, 2)   # in line, askew
    cv2.line(own, (40, 200), (760, 200), 1, 2)                      # side by side
    cv2.line(own, (40, 210), (760, 210), 1, 2)
    rows = sorted(straight_lines(own, np.zeros_like(own), LineConfig()).found[0],
                  key=lambda line: line.at)
    assert [round(line.at / 10) for line in rows] == [5, 20, 21]
    assert rows[0].covers(40, 760, 0.0) > 0.6


def test_an_arrow_does_not_start_at_the_head_of_another():
    """Two flows leave one box by a shared stroke, one to a box near by, one round to a box
    far away; the far flow's head is read short of its stroke's end. The near flow starts at
    the box both leave, not at the far flow's head (farther along the strokes)."""
    labels = big_canvas()
    cv2.rectangle(labels, (40, 100), (140, 180), RECT, 2)     # the box both flows leave
    cv2.rectangle(labels, (400, 100), (500, 180), RECT, 2)    # the near flow's box
    cv2.rectangle(labels, (600, 380), (700, 460), RECT, 2)    # the far flow's box
    cv2.line(labels, (142, 140), (380, 140), ARROW, 2)
    labels[132:149, 380:398] = HEAD                           # the near flow's head
    way = np.array([[200, 140], [200, 300], [650, 300], [650, 378]])
    cv2.polylines(labels, [way], False, ARROW, 2)
    labels[358:374, 642:659] = HEAD                           # read a little short of the box
    near = [a for a in arrows_among_shapes(labels)
            if np.hypot(*np.subtract(a.points[-1], (397, 140))) < 15]
    assert len(near) == 1
    assert np.hypot(*np.subtract(near[0].points[0], (142, 140))) < 15


def test_a_flow_runs_straight_on_where_another_crosses_it():
    """A short flow from left to right crosses a long one from top to bottom. Walking back
    from its head, the end farthest along the strokes is the long flow's (round the corner
    at the crossing); the flow runs straight on to the box on the left."""
    labels = big_canvas()
    cv2.rectangle(labels, (140, 200), (240, 280), RECT, 2)     # the box the short flow leaves
    cv2.rectangle(labels, (600, 200), (700, 280), RECT, 2)    # the box it points at
    cv2.rectangle(labels, (300, 10), (400, 60), RECT, 2)      # the long flow's boxes
    cv2.rectangle(labels, (300, 420), (400, 480), RECT, 2)
    cv2.line(labels, (242, 240), (580, 240), ARROW, 2)
    labels[232:249, 580:598] = HEAD
    cv2.line(labels, (350, 62), (350, 400), ARROW, 2)
    labels[400:418, 342:359] = HEAD
    short = [a for a in arrows_among_shapes(labels)
             if np.hypot(*np.subtract(a.points[-1], (597, 240))) < 15]
    assert len(short) == 1
    assert np.hypot(*np.subtract(short[0].points[0], (242, 240))) < 15
    bent = [a for a in arrows_among_shapes(labels, ArrowConfig(turn_cos=-1.0))
            if np.hypot(*np.subtract(a.points[-1], (597, 240))) < 15]
    assert np.hypot(*np.subtract(bent[0].points[0], (242, 240))) > 100  # what turning does


def test_a_side_left_faint_over_a_wide_stretch_still_closes_a_large_box():
    """A large box whose top side the network reads only faintly (outline probability 0.4,
    below its likeliest class) over a stretch wider than any bridge: the long line runs
    through the faint stretch, so the box closes."""
    labels = big_canvas()
    cv2.rectangle(labels, (100, 100), (600, 400), RECT, 2)
    labels[99:103, 330:370] = 0
    maps = maps_of(labels)
    maps.probs[RECT, 99:103, 330:370] = 0.4
    maps.probs[0, 99:103, 330:370] = 0.6
    assert any(iou(s.box, (100, 100, 600, 400)) > 0.9 for s in find_shapes(maps))
    blind = ShapeConfig(faint_line=1.0)
    assert not any(iou(s.box, (100, 100, 600, 400)) > 0.9 for s in find_shapes(maps, blind))


def test_a_lane_read_twice_to_different_ends_is_one_box_but_lanes_in_a_pool_stay():
    """Two candidates overlapping much (a lane read to its side's end and to where a flow
    crosses it) are one shape; a lane filling half its pool is another box."""
    config = ShapeConfig()
    whole = FoundShape("rectangle", (100, 100, 600, 300), 0.9)
    short = FoundShape("rectangle", (100, 100, 480, 300), 0.8)
    assert _same_shape(whole, short, config)
    pool = FoundShape("rectangle", (100, 100, 600, 400), 0.9)
    lane = FoundShape("rectangle", (130, 100, 600, 250), 0.9)
    assert not _same_shape(pool, lane, config)


def test_a_ring_is_as_large_as_its_ink_not_the_networks_wider_reading():
    """The network reads a stroke wider than it is drawn (a halo of about 2 px each side): a
    ring's box is its ink's, the reading's outer contour moved in by the halo."""
    labels = canvas()
    cv2.circle(labels, (200, 150), 15, ELLIPSE, 6)           # ink 2 px wide at r 15, read 6 px wide
    width = [s.box[2] - s.box[0] for s in find_shapes(maps_of(labels)) if s.kind == "ellipse"]
    assert len(width) == 1 and abs(width[0] - 32) <= 1      # the ink's outer edge: r 16
    raw = [s.box[2] - s.box[0] for s in find_shapes(maps_of(labels), ShapeConfig(halo=0))]
    assert abs(raw[0] - 36) <= 1                            # the reading's outer edge


def test_a_letter_sized_ring_is_no_circle_but_the_smallest_events_are():
    """A ring 10 px across at the reading's scale is a letter o; events are drawn 14 px and
    more (ten of hdBPMN's seven thousand training shapes are under 12 px)."""
    labels = canvas()
    cv2.circle(labels, (100, 150), 5, ELLIPSE, 1)
    cv2.circle(labels, (250, 150), 8, ELLIPSE, 2)
    centres = [((s.box[0] + s.box[2]) / 2, (s.box[1] + s.box[3]) / 2)
               for s in find_shapes(maps_of(labels)) if s.kind == "ellipse"]
    assert len(centres) == 1 and abs(centres[0][0] - 250) <= 1
    assert len(find_shapes(maps_of(labels), ShapeConfig(min_side=9.0))) == 2


def test_a_flow_crosses_an_empty_lane_to_the_box_it_leaves():
    """A flow broken where it crosses both sides of an empty lane (nothing found in it, so no
    container) runs on across them to the box it leaves; with no side crossable it stops at
    the lane's near side."""
    labels = big_canvas()
    cv2.rectangle(labels, (340, 20), (460, 80), RECT, 2)      # the box the flow leaves
    cv2.rectangle(labels, (40, 160), (760, 260), RECT, 2)     # the lane it crosses
    cv2.rectangle(labels, (340, 400), (460, 460), RECT, 2)    # the box it points at
    for top, bottom in ((82, 152), (168, 252), (268, 380)):   # broken by each side
        cv2.line(labels, (400, top), (400, bottom), ARROW, 2)
    labels[380:398, 392:409] = HEAD
    found = arrows_among_shapes(labels)
    assert len(found) == 1 and np.hypot(*np.subtract(found[0].points[0], (400, 82))) < 12
    stopped = arrows_among_shapes(labels, crossed_side=np.inf)
    assert len(stopped) == 1 and abs(stopped[0].points[0][1] - 262) < 12


def test_two_flows_merging_into_one_line_are_two_arrows_to_its_head():
    """Flows from two boxes join a vertical line (read as a box's side) that runs on to one
    head: an arrow from each box. Without turning onto the T's bar, one arrow stops there."""
    labels = big_canvas()
    for top in (60, 360):
        cv2.rectangle(labels, (40, top), (160, top + 80), RECT, 2)
        cv2.line(labels, (162, top + 40), (300, top + 40), ARROW, 2)
    cv2.rectangle(labels, (600, 210), (720, 290), RECT, 2)    # the box both point at
    cv2.line(labels, (300, 100), (300, 400), RECT, 2)         # the line they merge into
    cv2.line(labels, (302, 250), (580, 250), ARROW, 2)
    labels[242:259, 580:598] = HEAD
    found = arrows_among_shapes(labels)
    assert len(found) == 2
    assert sorted(a.points[0][1] for a in found) == pytest.approx([100, 400], abs=12)
    assert all(a.points[0][0] < 175 and a.points[-1][0] > 590 for a in found)
    stuck = arrows_among_shapes(labels, ArrowConfig(bar_reach=0))
    assert len(stuck) == 1 and stuck[0].points[0][0] > 290


def dashes(labels: np.ndarray, x1: int, x2: int, y: int, dash: int = 12, gap: int = 10):
    """A dashed horizontal arrow stroke from x1 to x2."""
    for x in range(x1, x2, dash + gap):
        cv2.line(labels, (x, y), (min(x + dash, x2), y), ARROW, 2)


def test_a_dashed_flow_whose_last_dash_stops_short_of_its_head_still_reaches_its_tail():
    """A head at a box, the dashed shaft's last dash 20 px behind it (wider than bridging
    joins, and a head's ends are never linked): the head takes the dash that points at it
    from the side away from the box, and the arrow runs back to the box it leaves."""
    labels = big_canvas()
    cv2.rectangle(labels, (40, 100), (140, 200), RECT, 2)
    cv2.rectangle(labels, (400, 100), (500, 200), RECT, 2)
    dashes(labels, 142, 356, 150)
    cv2.fillPoly(labels, [np.array([[378, 140], [378, 160], [398, 150]], np.int32)], HEAD)
    arrows = arrows_among_shapes(labels)
    assert len(arrows) == 1
    assert np.hypot(*np.subtract(arrows[0].points[0], (142, 150))) < 12
    assert np.hypot(*np.subtract(arrows[0].points[-1], (398, 150))) < 6


@pytest.mark.parametrize("rightwards", [True, False])
def test_a_head_alone_between_two_close_shapes_is_the_arrow_from_one_to_the_other(rightwards):
    """Two boxes 18 px apart, a head (two barbs) filling the gap and no shaft: the arrow runs
    from the box behind the head's wide back to the box at its narrow tip."""
    labels = big_canvas()
    cv2.rectangle(labels, (40, 100), (140, 200), RECT, 2)
    cv2.rectangle(labels, (160, 100), (260, 200), RECT, 2)
    back, tip = (143, 158) if rightwards else (158, 143)
    barbs = np.array([[back, 141], [tip, 150], [back, 159]], np.int32)
    cv2.polylines(labels, [barbs], False, HEAD, 3)
    arrows = arrows_among_shapes(labels)
    assert len(arrows) == 1
    assert np.hypot(*np.subtract(arrows[0].points[0], (back, 150))) <= 4
    assert np.hypot(*np.subtract(arrows[0].points[-1], (tip, 150))) <= 4


def test_a_dashed_flow_goes_on_across_a_stroke_crossing_it_in_a_gap():
    """A dashed flow with a 30-px gap (wider than dashes are linked) where a short stroke
    crosses it: the walk back from the head lands on that stroke, which leads off sideways,
    and goes on to the dashes straight beyond it, to the box the flow leaves."""
    labels = big_canvas()
    cv2.rectangle(labels, (40, 100), (140, 200), RECT, 2)
    cv2.rectangle(labels, (500, 100), (600, 200), RECT, 2)
    dashes(labels, 142, 262, 150)
    cv2.line(labels, (277, 130), (277, 170), ARROW, 2)        # the crossing stroke
    dashes(labels, 292, 480, 150)
    labels[142:159, 480:498] = HEAD
    arrows = arrows_among_shapes(labels)
    assert len(arrows) == 1
    assert np.hypot(*np.subtract(arrows[0].points[0], (142, 150))) < 12


def test_a_spur_beside_the_box_a_head_points_at_is_no_tail():
    """A stroke branching off a shaft near the box its head points at (an overdrawn barb) ends
    by that box, the shaft's far end short of the box it leaves: the arrow still runs back
    along the shaft, across the gap, to that box, not to the spur."""
    labels = big_canvas()
    cv2.rectangle(labels, (40, 100), (140, 200), RECT, 2)
    cv2.rectangle(labels, (400, 100), (500, 200), RECT, 2)
    cv2.line(labels, (170, 150), (380, 150), ARROW, 2)        # stops 30 px short of the box
    cv2.line(labels, (372, 150), (392, 122), ARROW, 2)        # the spur, by the box ahead
    cv2.fillPoly(labels, [np.array([[378, 140], [378, 160], [398, 150]], np.int32)], HEAD)
    arrows = arrows_among_shapes(labels)
    assert len(arrows) == 1
    assert np.hypot(*np.subtract(arrows[0].points[0], (142, 150))) < 12


def test_a_walk_back_from_a_head_does_not_run_on_through_another_head():
    """Two flows ending side by side at one box, their heads 8 px apart (two heads, their
    strokes bridged into one): the lower flow, whose line starts short of its own box, runs
    back along its own line to that box, not through the upper head to the upper box."""
    labels = big_canvas()
    cv2.rectangle(labels, (40, 100), (140, 200), RECT, 2)
    cv2.rectangle(labels, (40, 300), (140, 400), RECT, 2)
    cv2.rectangle(labels, (400, 100), (500, 260), RECT, 2)
    cv2.line(labels, (142, 150), (380, 150), ARROW, 2)
    cv2.fillPoly(labels, [np.array([[380, 140], [380, 160], [398, 150]], np.int32)], HEAD)
    cv2.polylines(labels, [np.array([[175, 350], [360, 350], [360, 176], [380, 176]])], False,
                  ARROW, 2)                                # starts 35 px short of its box
    cv2.fillPoly(labels, [np.array([[380, 168], [380, 184], [398, 176]], np.int32)], HEAD)
    tails = sorted(a.points[0] for a in arrows_among_shapes(labels))
    assert len(tails) == 2
    assert np.hypot(*np.subtract(tails[0], (142, 150))) < 12
    assert np.hypot(*np.subtract(tails[1], (142, 350))) < 12
