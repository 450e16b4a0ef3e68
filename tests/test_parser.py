"""The parser reads the original system's programs and they draw their ground truth."""
import json

import pytest

from graphics2prog.spec import SpecError, load_spec_mapping
from graphics2prog.synth import execute, parse_program, print_program
from graphics2prog.synth.program import has_guard_only_loop, origin_offset

NOT_EXACT = {"expert-20.png", "expert-95.png", "expert-97.png"}


def test_every_reference_program_executes_to_its_ground_truth(dev_drawings):
    refs = json.loads((dev_drawings / "reference_programs.json").read_text())
    truth = load_spec_mapping(dev_drawings / "ground_truth.json")
    checked = 0
    for name, text in refs.items():
        if text is None or name in NOT_EXACT:
            continue
        prog = parse_program(text)
        spec = truth[name]
        dx, dy = origin_offset(spec)
        assert execute(prog) == spec.translated(dx, dy), name
        assert not has_guard_only_loop(prog), name
        assert parse_program(print_program(prog)) == prog
        checked += 1
    assert checked >= 45


def test_parser_accepts_supplement_forms():
    prog = parse_program("for (j < (1*i + 1)){ line(5 * j + -1,9,4 * i,5,\narrow = True,solid = True) }")
    bound = prog[0].bound
    assert (bound.coeff, bound.var, bound.const) == (1, "i", 1)
    assert prog[0].body[0].coords[0].const == -1


@pytest.mark.parametrize("text", ["circle(1)", "for (i < 3){ circle(1,1)", "square(1,1)",
                                  "reflect(z = 3){ circle(1,1) }", "circle(1,1) )",
                                  "__import__('os')"])
def test_malformed_programs_raise_spec_error(text):
    with pytest.raises(SpecError):
        parse_program(text)
