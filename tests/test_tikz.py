"""TikZ export of specs and programs; compiled with pdflatex when it is installed."""
import shutil
import subprocess

import pytest

from graphics2prog.export.tikz import program_to_tikz, spec_to_tikz, standalone_document
from graphics2prog.spec import spec_from_text
from graphics2prog.synth import execute, parse_program

PROGRAM = ("for (i < 3){ if (i > 0){ line(3 * i + -2,2,3 * i,2,arrow = True,solid = False) }; "
           "circle(3 * i + 1,2); for (j < (1*i + 1)){ rectangle(3 * i,2 * j + 4,3 * i + 2,2 * j + 5) } }; "
           "reflect(x = 12){ circle(2,10) }")


def test_spec_to_tikz_draws_every_primitive():
    spec = spec_from_text("circle(2,3); rectangle(0,0,4,1); line(1,1,3,3,arrow = True,solid = False)")
    body = spec_to_tikz(spec)
    assert "\\draw (2,3) circle (1);" in body
    assert "\\draw (0,0) rectangle (4,1);" in body
    assert "\\draw[->,dashed] (1,1) -- (3,3);" in body


def test_program_to_tikz_keeps_loops_guards_and_reflections():
    body = program_to_tikz(parse_program(PROGRAM))
    assert "\\foreach \\i in {0,...,2}" in body and "\\foreach \\j in {0,...,\\jmax}" in body
    assert "\\ifnum\\i>0" in body
    assert "\\draw (2,10) circle (1);" in body and "\\draw (10,10) circle (1);" in body


def test_standalone_document_wraps_the_body():
    doc = standalone_document("\\draw (0,0) circle (1);")
    assert doc.startswith("\\documentclass") and "standalone" in doc
    assert "\\begin{tikzpicture}" in doc and "\\draw (0,0) circle (1);" in doc


# every kind of attachment, and every TeX special character in node text and in labels
LABELLED = ('rectangle(0,0,8,4,rounded = True); text(1,2,7,3,"Send bank"); '
            'text(2,1,6,2,"card & co"); circle(20,2,r = 2); '
            'text(18,-2,22,-1,"& % $ # _ { } ~ ^ \\\\ <a|b>"); '
            'path(8,2,13,2,13,6,18,6,arrow = True,solid = True); text(14,3,16,4,"yes_1"); '
            'rectangle(0,10,3,12); text(0,10,3,11,"T#1"); circle(6,11); text(5,12,7,13,"e"); '
            'line(3,11,5,11,arrow = True,solid = False); text(3,11,5,12,"100%"); '
            'diamond(30,5,rx = 4,ry = 2); text(29,8,33,9,"ok?"); text(40,40,46,41,"free {x} ~")')


def test_texts_go_into_their_shapes_nodes():
    body = spec_to_tikz(spec_from_text(LABELLED))
    assert ("\\node[draw, rectangle, rounded corners=0.25cm, inner sep=0, minimum width=4cm, "
            "minimum height=2cm, align=center, text width=3.6cm] (n3) at (4,2) "
            "{Send bank card \\& co};") in body
    assert "label=below:{\\& \\% \\$ \\# \\_ \\{ \\} \\textasciitilde{} " in body
    assert "\\textbackslash{} \\textless{}a\\textbar{}b\\textgreater{}}] (n2)" in body
    assert "\\draw[->] (8,2) -- (13,2) -- (13,6) node[midway, right] {yes\\_1} -- (18,6);" in body
    assert "\\draw[->,dashed] (3,11) -- (5,11) node[midway, above] {100\\%};" in body
    assert "minimum size=1cm, label=above:{e}] (n1) at (6,11) {};" in body
    assert "(n4) at (1.5,11) {T\\#1};" in body and "label=above:{ok?}] (n6)" in body
    assert "\\node[align=center] (n16) at (43,40.5) {free \\{x\\} \\textasciitilde{}};" in body
    assert len(body.splitlines()) == 8      # each text went with its shape, but the free one


def _has_standalone() -> bool:
    if not shutil.which("pdflatex") or not shutil.which("kpsewhich"):
        return False
    return bool(subprocess.run(["kpsewhich", "standalone.cls"], capture_output=True,
                               text=True).stdout.strip())


# free-form primitives, TeX's special characters and free-form statements in a loop
FREE_FORM = ('circle(20,4,r = 3); rectangle(0,0,6,2,rounded = True); ellipse(10,12,rx = 3,ry = 2); '
             'diamond(30,5,rx = 4,ry = 2); path(0,0,4,0,4,3,arrow = True,solid = False); '
             'text(2,20,12,22,"& % $ # _ { } ~ ^ \\\\ \\n Größe 🙂"); '
             'for (i < 3){ if (i > 0){ path(8 * i + -2,30,8 * i,30,arrow = True,solid = True) }; '
             'ellipse(8 * i + 3,30,rx = 3,ry = 2); text(8 * i,29,8 * i + 6,31,"x_i") }')


@pytest.mark.slow
@pytest.mark.skipif(not _has_standalone(), reason="pdflatex with standalone.cls not installed")
@pytest.mark.parametrize("program", [PROGRAM, FREE_FORM, LABELLED])
def test_both_exports_compile_with_pdflatex(tmp_path, program):
    prog = parse_program(program)
    for name, body in (("spec", spec_to_tikz(execute(prog))), ("prog", program_to_tikz(prog))):
        (tmp_path / f"{name}.tex").write_text(standalone_document(body))
        run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                              f"{name}.tex"], cwd=tmp_path, capture_output=True, timeout=120)
        assert run.returncode == 0, run.stdout[-2000:]
        assert (tmp_path / f"{name}.pdf").stat().st_size > 0
