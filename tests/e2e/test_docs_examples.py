"""Run the Python examples of README.md and docs/*.md as a reader would.

Every fenced code block whose info string starts with ``python`` is executed.
The blocks of one page run in order in one fresh namespace, so a later block
may use what an earlier one defined, inside an empty temporary working
directory.  Each page is one test, named after its file.

Convention: a block that must not run (a fragment, a sketch needing a real
server, output shown for illustration) is marked ``python no-run``::

    ```python no-run
    crm = connect_to_production()
    ```

It is still highlighted as Python by Sphinx and GitHub.  Blocks in any other
language (``console``, ``pycon``, ``toml``...) are never run.  A page with no
runnable block yields no test.
"""

from __future__ import annotations

import re
import sys
import types
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NO_RUN = "no-run"

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")


@dataclass(frozen=True)
class Block:
    """One fenced code block: its info string words, first content line, and text."""

    info: tuple[str, ...]
    line: int  # 1-based line number of the first line of code
    code: str

    @property
    def runnable(self) -> bool:
        return bool(self.info) and self.info[0] == "python" and NO_RUN not in self.info[1:]


def fenced_blocks(text: str) -> list[Block]:
    """All fenced code blocks of a Markdown text, in order.

    Follows CommonMark's rules for fences: a block opens with three or more
    backticks or tildes and closes with a run of the same character at least
    as long, alone on its line; an unclosed block runs to the end of the
    text.  The opening fence's indentation is removed from the code lines.
    """
    blocks: list[Block] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if opening is None or (opening["fence"][0] == "`" and "`" in opening["info"]):
            i += 1
            continue
        fence, indent = opening["fence"], len(opening["indent"])
        info = tuple(opening["info"].split())
        start = i + 1
        i = start
        while i < len(lines):
            stripped = lines[i].strip()
            if stripped and set(stripped) == {fence[0]} and len(stripped) >= len(fence):
                break
            i += 1
        body = [_dedent(line, indent) for line in lines[start:i]]
        code = "".join(f"{line}\n" for line in body)
        blocks.append(Block(info=info, line=start + 1, code=code))
        i += 1
    return blocks


def _dedent(line: str, width: int) -> str:
    prefix = len(line) - len(line.lstrip(" \t"))
    return line[min(prefix, width) :]


def _pages() -> list[Path]:
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    return [page for page in pages if page.is_file()]


def _runnable(page: Path) -> list[Block]:
    return [block for block in fenced_blocks(page.read_text(encoding="utf-8")) if block.runnable]


PAGES_WITH_EXAMPLES = [page for page in _pages() if _runnable(page)]


@pytest.mark.parametrize("page", PAGES_WITH_EXAMPLES, ids=lambda page: page.name)
def test_page_examples_run(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    # A real module, so that classes defined in the examples can be found by
    # name (dataclasses, attrs, pickle and typing all look in sys.modules).
    module_name = "docs_example_" + re.sub(r"\W", "_", page.stem)
    module = types.ModuleType(module_name)
    module.__file__ = str(page)
    monkeypatch.setitem(sys.modules, module_name, module)
    for block in _runnable(page):
        # Padding with blank lines makes tracebacks point at the Markdown line.
        source = "\n" * (block.line - 1) + block.code
        code = compile(source, str(page), "exec")
        exec(code, module.__dict__)


def test_readme_has_runnable_examples() -> None:
    """Guard against silently checking nothing: README.md must show runnable Python."""
    readme = ROOT / "README.md"
    assert readme.is_file(), "README.md is missing"
    assert _runnable(readme), "README.md has no ```python block to run"


# ---------------------------------------------------------------- the parser itself


def test_fenced_blocks_finds_python_and_honours_no_run() -> None:
    text = "\n".join(
        [
            "# Title",
            "```python",
            "x = 1",
            "```",
            "",
            "```python no-run",
            "boom()",
            "```",
            "~~~toml",
            "a = 1",
            "~~~",
            "````python",
            "s = '''",
            "```",
            "'''",
            "````",
        ]
    )
    blocks = fenced_blocks(text)
    assert [(b.info, b.line) for b in blocks] == [
        (("python",), 3),
        (("python", "no-run"), 7),
        (("toml",), 10),
        (("python",), 13),
    ]
    assert [b.runnable for b in blocks] == [True, False, False, True]
    assert blocks[3].code == "s = '''\n```\n'''\n"


def test_fenced_blocks_dedents_blocks_in_list_items() -> None:
    text = "1. Step one:\n\n   ```python\n   if True:\n       y = 2\n   ```\n"
    (block,) = fenced_blocks(text)
    assert block.code == "if True:\n    y = 2\n"


def test_fenced_blocks_ignores_inline_backticks_in_info() -> None:
    text = "```not `a fence`\n```python\nz = 3\n```\n"
    assert fenced_blocks(text) == [Block(info=("python",), line=3, code="z = 3\n")]


def test_fenced_blocks_runs_an_unclosed_block_to_the_end() -> None:
    assert fenced_blocks("```python\na = 1\n") == [Block(info=("python",), line=2, code="a = 1\n")]
