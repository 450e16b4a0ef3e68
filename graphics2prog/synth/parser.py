"""Parser for programs in the supplement's syntax (a tokenizer and recursive descent; no eval).

Accepts what the original system printed: `;` between statements (optional before `}` and
after a block), `if (i > 0){...}` as the first item of a loop body, loop bounds such as
`(1*i + 1)`, `5 * j + -1`, and the nested `reflect(reflect(y = 9)){...}` form, which means
the same as `reflect(y = 9){...}`; and every spec kind with its keyword arguments, as spec
text writes them (`circle(3 * i,4,r = 2)`, `text(0,0,4,1,"Start")`).
"""
from __future__ import annotations

import re

from graphics2prog.spec import CLASSES, SpecError, class_of
from graphics2prog.synth.program import Expr, Loop, Prim, Program, Reflect
from graphics2prog.syntax import STRING, check_arguments, read_string

_TOKEN = re.compile(rf"\s*(?:({STRING})|(-?\d+)|([A-Za-z_]\w*)|(\S))")


def _tokenize(text: str) -> list:
    tokens, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            break
        pos = m.end()
        string, num, name, sym = m.groups()
        tokens.append(("str", string) if string is not None else
                      ("num", int(num)) if num is not None else
                      ("name", name) if name is not None else ("sym", sym))
    return tokens


class _Parser:
    def __init__(self, text: str):
        self.tokens = _tokenize(text)
        self.pos = 0

    def peek(self, k: int = 0):
        i = self.pos + k
        return self.tokens[i] if i < len(self.tokens) else ("end", None)

    def take(self, kind=None, value=None):
        tok = self.peek()
        if (kind and tok[0] != kind) or (value is not None and tok[1] != value):
            want = value if value is not None else kind
            raise SpecError(f"program syntax: expected {want!r}, got {tok[1]!r}")
        self.pos += 1
        return tok[1]

    def at(self, value) -> bool:
        return self.peek()[1] == value and self.peek()[0] != "num"

    # E -> [(] Z [*] Var [+ Z] [)] | Z | Var
    def expr(self) -> Expr:
        if self.at("("):
            self.take("sym", "(")
            e = self.expr()
            self.take("sym", ")")
            return e
        if self.peek()[0] == "name":
            var, coeff = self.take("name"), 1
        else:
            n = self.take("num")
            if not self.at("*"):
                return Expr(n)
            self.take("sym", "*")
            var, coeff = self.take("name"), n
        c = 0
        if self.at("+"):
            self.take("sym", "+")
            c = self.take("num")
        return Expr(c, var, coeff)

    def keyword_value(self):
        """A keyword argument's value: a number, True or False (anything else is passed on
        for check_arguments to name)."""
        kind, value = self.peek()
        self.pos += 1
        return value if kind == "num" else {"True": True, "False": False}.get(value, value)

    def primitive(self, kind: str) -> Prim:
        """`kind(` coordinate expressions, then keywords (`r = 2`, `arrow = True`) and a
        text's string `)`, checked as spec text is (syntax.check_arguments)."""
        self.take("sym", "(")
        coords, keywords, strings = [], {}, []
        while True:
            if self.peek()[0] == "str":
                strings.append(read_string(self.take("str")))
            elif self.peek()[0] == "name" and self.peek(1) == ("sym", "="):
                name = self.take("name")
                self.take("sym", "=")
                keywords[name] = self.keyword_value()
            elif keywords or strings:
                raise SpecError(f"program syntax: {kind}: a coordinate after a keyword")
            else:
                coords.append(self.expr())
            if not self.at(","):
                break
            self.take("sym", ",")
        self.take("sym", ")")
        try:
            arrow, dashed, attrs = check_arguments(class_of(kind), len(coords), keywords,
                                                   strings)
        except SpecError as e:
            raise SpecError(f"program syntax: {e}") from None
        return Prim(kind, tuple(coords), arrow, dashed, attrs)

    def block(self) -> tuple:
        self.take("sym", "{")
        stmts = self.statements()
        self.take("sym", "}")
        return stmts

    def axis(self) -> tuple:
        self.take("sym", "(")
        if self.at("reflect"):
            self.take("name")
            result = self.axis()
        else:
            axis = self.take("name")
            if axis not in ("x", "y"):
                raise SpecError(f"program syntax: bad reflection axis {axis!r}")
            self.take("sym", "=")
            result = (axis, self.take("num"))
        self.take("sym", ")")
        return result

    def loop(self) -> Loop:
        self.take("sym", "(")
        var = self.take("name")
        self.take("sym", "<")
        bound = self.expr()
        self.take("sym", ")")
        self.take("sym", "{")
        boundary: tuple = ()
        if self.at("if"):
            self.take("name")
            self.take("sym", "(")
            self.take("name", var)
            self.take("sym", ">")
            self.take("num", 0)
            self.take("sym", ")")
            boundary = self.block()
            if self.at(";"):
                self.take("sym")
        body = self.statements()
        self.take("sym", "}")
        return Loop(var, bound, body, boundary)

    def statement(self):
        name = self.take("name")
        if name in CLASSES:
            return self.primitive(name)
        if name == "for":
            return self.loop()
        if name == "reflect":
            axis, value = self.axis()
            return Reflect(axis, value, self.block())
        raise SpecError(f"program syntax: unknown statement {name!r}")

    def statements(self) -> tuple:
        out = []
        while self.peek()[0] == "name":
            out.append(self.statement())
            while self.at(";"):
                self.take("sym")
        return tuple(out)


def parse_program(text: str) -> Program:
    """Read a program printed in the supplement's syntax; raises SpecError when malformed."""
    if text is None:
        raise SpecError("program syntax: no program")
    parser = _Parser(text)
    program = parser.statements()
    if parser.peek()[0] != "end":
        raise SpecError(f"program syntax: unexpected {parser.peek()[1]!r}")
    return program
