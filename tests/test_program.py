"""Program AST: executor semantics, printer, cost, translation, extrapolation."""
from graphics2prog.spec import Circle, Line, Rectangle, Spec
from graphics2prog.synth import execute, extrapolate, parse_program, print_program, program_cost
from graphics2prog.synth.program import (Expr, Loop, Prim, Reflect, has_guard_only_loop,
                                         translate_program)


def circle(x, y):
    return Prim("circle", (x if isinstance(x, Expr) else Expr(x), y if isinstance(y, Expr) else Expr(y)))


def test_loop_with_guard_runs_boundary_from_second_iteration():
    prog = parse_program("for (i < 3){ if (i > 0){ circle(2 * i,9) }; circle(2 * i,1) }")
    assert execute(prog) == Spec([Circle(0, 1), Circle(2, 1), Circle(4, 1), Circle(2, 9), Circle(4, 9)])


def test_nested_loop_with_affine_bound_draws_a_triangle():
    prog = parse_program("for (i < 3){ for (j < (1*i + 1)){ circle(3 * i + 1,2 * j + 1) } }")
    assert execute(prog) == Spec([Circle(1, 1), Circle(4, 1), Circle(4, 3),
                                  Circle(7, 1), Circle(7, 3), Circle(7, 5)])


def test_reflection_draws_body_and_mirror_image():
    prog = parse_program("reflect(x = 10){ circle(2,3); rectangle(1,1,3,2); "
                         "line(1,5,3,6,arrow = True,solid = False) }")
    assert execute(prog) == Spec([Circle(2, 3), Circle(8, 3), Rectangle(1, 1, 3, 2),
                                  Rectangle(7, 1, 9, 2), Line(1, 5, 3, 6, True, True),
                                  Line(9, 5, 7, 6, True, True)])
    nested = parse_program("reflect(reflect(y = 9)){ circle(1,1) }")
    assert execute(nested) == Spec([Circle(1, 1), Circle(1, 8)])


def test_cost_hand_worked_examples():
    assert program_cost(parse_program("circle(1,1); circle(4,1)")) == 6
    # loop (3) + one statement (3) + bound 2 (1); one slope per axis is free
    assert program_cost(parse_program("for (i < 2){ circle(3 * i + 1,1) }")) == 7
    # two x slopes (3, 2): one beyond the first; the loop-bound slope is not counted
    text = "for (i < 3){ for (j < (1*i + 1)){ circle(3 * i + 1,1) }; circle(2 * i,4) }"
    assert program_cost(parse_program(text)) == 4 * 3 + 1
    assert program_cost(parse_program("reflect(x = 4){ circle(1,1) }")) == 6


def test_print_parse_round_trip_and_translation():
    text = ("for (i < 3){\n  if (i > 0){\n    circle(1,3 * i + -1)\n  }\n  circle(1,3 * i + 1)\n};\n"
            "reflect(y = 9){\n  line(1,2,3,4,\n  arrow = False,solid = True)\n}")
    prog = parse_program(text)
    assert print_program(prog) == text
    moved = translate_program(prog, 2, -1)
    assert execute(moved) == execute(prog).translated(2, -1)


def test_extrapolate_grows_every_loop_by_one():
    prog = (Loop("i", Expr(2), (circle(Expr(1, "i", 3), 1),)),
            Reflect("x", 20, (Loop("i", Expr(3), (circle(1, Expr(1, "i", 2)),)),)))
    grown = execute(extrapolate(prog))
    assert Circle(7, 1) in grown and Circle(1, 7) in grown and Circle(19, 7) in grown


def test_guard_only_loops_are_recognised_at_any_depth():
    guard_only = "for (i < 3){ if (i > 0){ circle(2 * i,9) } }"
    assert has_guard_only_loop(parse_program(guard_only))
    assert has_guard_only_loop(parse_program(f"reflect(x = 10){{ {guard_only} }}"))
    assert has_guard_only_loop(parse_program(
        "for (i < 3){ for (j < 2){ if (j > 0){ circle(i,j) } } }"))
    # the outer loop's body is the inner loop: legal
    assert not has_guard_only_loop(parse_program(
        "for (i < 3){ if (i > 0){ circle(i,9) }; for (j < 2){ circle(i,j) } }"))
    assert not has_guard_only_loop(parse_program(
        "for (i < 3){ if (i > 0){ circle(2 * i,9) }; circle(2 * i,1) }"))
    # still executed and priced by the same rules, so that it can be inspected
    assert execute(parse_program(guard_only)) == Spec([Circle(2, 9), Circle(4, 9)])
    assert program_cost(parse_program(guard_only)) == 6
