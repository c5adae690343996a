"""The prose never quotes a number that a run computes.

A loss, an accuracy, an AUC or a share measured by a notebook changes with the seed, the
CPU and the library versions, so a number typed into a chapter's Markdown would sooner or
later disagree with the executed page next to it.  Such a number is *glued*: the code cell
that computes it calls ``glue("name", value)`` (``tabgen_lib.notebook.glue``) and the
Markdown quotes ``{glue:text}`name:.3f```; or the prose says it qualitatively and an
assert backs the claim.

This test scans every Markdown cell of every notebook for literal numbers outside math,
inline code, roles, links, headings' and ordered lists' numbering and chapter references,
and fails on each that is not in ``prose_numbers_allowed.yml``: the reviewed list of the
constants of each chapter's method (dataset sizes, epochs, layer widths, formula
constants, years of citations).  It also checks statically that every ``{glue:...}``
role names a value that a code cell of the same notebook glues *before* it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from .conftest import NOTEBOOKS

ALLOW_FILE = Path(__file__).with_name("prose_numbers_allowed.yml")
IDS = [p.stem for p in NOTEBOOKS]

# What is removed before numbers are looked for, in this order.
_STRIP = [
    re.compile(r"^(```|~~~).*?^\1", re.S | re.M),  # fenced code blocks
    re.compile(r"<!--.*?-->", re.S),  # HTML comments
    re.compile(r"\$\$.+?\$\$", re.S),  # display math
    re.compile(r"(?<!\\)\$(?!\s).+?(?<![\s\\])\$", re.S),  # inline math
    re.compile(r"\{[\w:-]+\}`[^`]*`"),  # roles: {glue:text}`x:.3f`, {cite:p}`key`, {ref}`...`
    re.compile(r"(`+).+?\1", re.S),  # inline code
    re.compile(r"\]\([^)]*\)"),  # link targets (the link text is still scanned)
    re.compile(r"<https?://[^>]*>|https?://\S+"),  # bare URLs
    re.compile(r"^\s*:(label|class|name|width|align|figwidth)\s*:.*$", re.M),  # directive options
    re.compile(r"^\s*(\d+[.)])+\s", re.M),  # ordered-list markers
    re.compile(r"^#+\s+(\d+(\.\d+)*\.?\s)?", re.M),  # heading marks and their numbering
    re.compile(r"^\|\s*\d+(?:\s*[-–]\s*\d+)?\s*(?=\|)", re.M),  # a numbered table row: "| 1-2 |"
    # references to numbered things: "chapter 02", "chapters 07 and 08", "section 3.2",
    # "exercise 3", "lines 9-13", "Algorithm 1", "step 4", "Check 2", "Stage 3"
    re.compile(
        r"(?i:\b(?:chapters?|sections?|exercises?|lines?|algorithms?|steps?|checks?|stages?"
        r"|figures?|tables?|equations?|parts?)\b|§)"
        r"\s+\d+(?:\.\d+)*(?:\s*(?:,|and|or|to|-|–)\s*\d+(?:\.\d+)*)*"
    ),
]
# A number: digits with thousands separators ("2,000", "20 000"), decimals or a version's
# dots ("1.15.5") and an exponent; not part of a word or a name (pix2pix, x1, float32).
_NUMBER = re.compile(
    r"(?<![\w.])\d+(?:[,\u00a0\u2009\u202f ]\d{3}(?!\d))*(?:\.\d+)*(?:[eE][-+]?\d+)?(?!\w)"
)

_GLUE_ROLE = re.compile(r"\{glue(?::\w*)?\}`([^`:]+)(?::[^`]*)?`")
_GLUE_DIRECTIVE = re.compile(r"^\s*(?:```|:::)\{glue(?::\w*)?\}\s+(\S+)", re.M)
_GLUE_CALL = re.compile(r"\bglue\(\s*(f?)(\"|')(.+?)\2")


def prose(markdown: str) -> str:
    """``markdown`` without what may hold a number legitimately (math, code, roles, ...).

    Examples
    --------
    >>> prose("accuracy $0.9$, `0.8` or {glue:text}`acc:.3f`; see chapter 02").split()
    ['accuracy', ',', 'or', ';', 'see']
    """
    for pattern in _STRIP:
        markdown = pattern.sub(" ", markdown)  # a space: "2$x$3" must not become "23"
    return markdown


def numbers_in(markdown: str) -> list[str]:
    """Every literal number of ``markdown``'s prose, in order.

    Examples
    --------
    >>> numbers_in("accuracy 0.937 on 2,000 rows; $x_1 = 0.5$; `lr=1e-3`; float32")
    ['0.937', '2,000']
    """
    return _NUMBER.findall(prose(markdown))


def glue_roles(markdown: str) -> list[str]:
    """Names that ``markdown`` quotes with a glue role or directive."""
    return _GLUE_ROLE.findall(markdown) + _GLUE_DIRECTIVE.findall(markdown)


def glued_names(code: str) -> list[re.Pattern]:
    """What ``code`` glues: each name as a pattern (an f-string's fields match anything).

    Examples
    --------
    >>> [p.pattern for p in glued_names('glue("acc", a); glue(f"share_{kind}", s)')]
    ['acc', 'share_.+']
    """
    patterns = []
    for is_f, _, name in _GLUE_CALL.findall(code):
        parts = re.split(r"\{[^{}]*\}", name) if is_f else [name]
        patterns.append(re.compile(".+".join(map(re.escape, parts))))
    return patterns


def _cells(path: Path) -> list[tuple[str, str]]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return [(c["cell_type"], "".join(c["source"])) for c in nb["cells"]]


def _allow_list() -> dict[str, set[str]]:
    data = yaml.safe_load(ALLOW_FILE.read_text(encoding="utf-8")) or {}
    for stem, numbers in data.items():
        assert all(isinstance(n, str) for n in numbers or []), (
            f'{ALLOW_FILE.name}: quote the numbers of {stem} ("0.5", not 0.5)'
        )
    return {stem: set(numbers or []) for stem, numbers in data.items()}


def allowed_for(stem: str) -> set[str]:
    """The reviewed constants that ``stem``'s prose may state: its own and ``_all``'s."""
    allow = _allow_list()
    return allow.get("_all", set()) | allow.get(stem, set())


def findings(cells: list[tuple[str, str]], allowed: set[str]) -> list[tuple[int, str, str]]:
    """``(cell index, number, line)`` for each number of the Markdown not in ``allowed``."""
    found = []
    for i, (kind, source) in enumerate(cells):
        if kind != "markdown":
            continue
        for line in prose(source).splitlines():
            for number in _NUMBER.findall(line):
                if number not in allowed:
                    found.append((i, number, line.strip()))
    return found


def glue_problems(cells: list[tuple[str, str]]) -> list[str]:
    """Each glue role whose name no earlier code cell glues."""
    problems, glued = [], []
    for i, (kind, source) in enumerate(cells):
        if kind == "code":
            glued += glued_names(source)
        elif kind == "markdown":
            for name in glue_roles(source):
                if not any(pattern.fullmatch(name) for pattern in glued):
                    problems.append(
                        f"cell {i}: a glue role quotes {name!r}, which no earlier code cell glues"
                    )
    return problems


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_prose_quotes_no_computed_number(path):
    found = findings(_cells(path), allowed_for(path.stem))
    assert not found, (
        f"{path.name}: the Markdown quotes numbers that are not reviewed constants.\n"
        + "\n".join(f"  cell {i}: {n!r} in: {line}" for i, n, line in found)
        + "\nIf a run computes the number (a loss, a score, a share, a time), glue it: in the "
        'code cell that computes it call `glue("name", value)` (from tabgen_lib.notebook '
        "import glue) and write {glue:text}`name:.3f` in the Markdown; or say it "
        "qualitatively and back the claim with an assert. If it is a constant of the method "
        f"(a dataset size, an epoch count, a formula constant), add it under {path.stem!r} "
        f"in tests/{ALLOW_FILE.name}."
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_glue_roles_name_glued_values(path):
    problems = glue_problems(_cells(path))
    assert not problems, (
        f"{path.name}:\n  "
        + "\n  ".join(problems)
        + "\nglue the value under exactly this name in a code cell above the Markdown."
    )


def test_allow_list_names_existing_notebooks_and_used_numbers():
    # A stale entry would let a later, computed number with the same digits through.
    stems = {p.stem: p for p in NOTEBOOKS}
    for stem, numbers in _allow_list().items():
        if stem == "_all":
            continue
        assert stem in stems, f"{ALLOW_FILE.name}: no notebook {stem}"
        markdown = [src for kind, src in _cells(stems[stem]) if kind == "markdown"]
        used = {n for src in markdown for n in numbers_in(src)}
        unused = numbers - used
        assert not unused, (
            f"{ALLOW_FILE.name}: {stem} allows {sorted(unused)}, which its prose no longer "
            "states: remove them"
        )


# The test can fail: a computed number in prose is a finding, and one in math, code or a
# glue role is not.
def test_finds_a_number_in_prose():
    cells = [("code", "acc = 0.937"), ("markdown", "The classifier reaches an accuracy 0.937.")]
    assert [n for _, n, _ in findings(cells, set())] == ["0.937"]
    assert findings(cells, {"0.937"}) == []


@pytest.mark.parametrize(
    "markdown",
    [
        "The accuracy is $0.937$.",
        "The accuracy is `0.937`.",
        "The accuracy is {glue:text}`acc:.3f`.",
        "The loss is $$\\log 4 \\approx 1.386$$ at the optimum.",
        "See chapter 02, exercise 3 and [the paper](https://arxiv.org/abs/1907.00503).",
        "1. first step\n2. second step",
        "## 3.2 A numbered heading",
        "Like pix2pix, a float32 tensor of x1.",
    ],
)
def test_ignores_math_code_glue_roles_and_references(markdown):
    assert findings([("markdown", markdown)], set()) == []


def test_glue_roles_must_be_glued_before_use():
    ok = [("code", 'glue("acc", 0.9)'), ("markdown", "accuracy {glue:text}`acc:.3f`")]
    assert glue_problems(ok) == []
    typo = [("code", 'glue("acc", 0.9)'), ("markdown", "accuracy {glue:text}`acu:.3f`")]
    late = [ok[1], ok[0]]
    assert len(glue_problems(typo)) == 1 and len(glue_problems(late)) == 1
