"""The codebase's layout rules: short functions, imports at the top of modules, and the
layers of .importlinter (each layer imports only the layers below it)."""
import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "graphics2prog"
MAX_FUNCTION_LINES = 80
# cli.py imports heavy modules inside its commands so `g2p --help` stays fast; the package's
# __init__.py is a lazy public API (a module __getattr__)
FUNCTION_IMPORTS_ALLOWED = {"cli.py", "__init__.py"}


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path.relative_to(PACKAGE).as_posix(), ast.parse(path.read_text(), str(path))


def _functions(tree):
    return [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]


def test_package_is_found():
    names = [name for name, _ in _modules()]
    assert "cli.py" in names and "__init__.py" in names and len(names) > 20


def test_no_function_is_longer_than_80_lines():
    too_long = []
    for name, tree in _modules():
        for fn in _functions(tree):
            lines = fn.end_lineno - fn.lineno + 1
            if lines > MAX_FUNCTION_LINES:
                too_long.append(f"graphics2prog/{name}:{fn.lineno} {fn.name}() is {lines} lines")
    assert not too_long, "split these functions:\n" + "\n".join(too_long)


def test_imports_are_at_module_level():
    inside = []
    for name, tree in _modules():
        if name in FUNCTION_IMPORTS_ALLOWED:
            continue
        found = set()
        for fn in _functions(tree):
            for node in ast.walk(fn):
                if isinstance(node, (ast.Import, ast.ImportFrom)) and node.lineno not in found:
                    found.add(node.lineno)
                    inside.append(f"graphics2prog/{name}:{node.lineno} in {fn.name}(): "
                                  f"{ast.unparse(node)}")
    assert not inside, "move these imports to the top of their modules:\n" + "\n".join(inside)


def _lint_imports():
    beside_python = Path(sys.executable).with_name("lint-imports")
    return str(beside_python) if beside_python.is_file() else shutil.which("lint-imports")


@pytest.mark.skipif(_lint_imports() is None, reason="import-linter is not installed")
def test_import_contracts_hold():
    result = subprocess.run([_lint_imports(), "--no-cache"], cwd=REPO, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
