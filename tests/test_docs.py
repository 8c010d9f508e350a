"""The README and docs/ stand on their own: no pointer outside the repository, no broken link.

The rules are described in the project's own words (docs/rules.md, docs/frameworks.md);
a reader of the repository alone must be able to follow every link.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# [text](target) and ![alt](target), the target up to a space (a title may follow) or ")".
_INLINE = re.compile(r"!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+[^)]*)?\)")
# [label]: target (a reference definition at the start of a line).
_REFERENCE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)", re.MULTILINE)
_FENCE = re.compile(r"^\s*(```|~~~)")
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
_EXTERNAL = ("http://", "https://", "mailto:")


def documents(root: Path = ROOT) -> list[Path]:
    """README.md and every Markdown file under docs/."""
    return [root / "README.md", *sorted((root / "docs").rglob("*.md"))]


def prose(text: str, spans: bool = True) -> str:
    """The text without fenced code blocks (and code spans, unless ``spans`` is False):
    a `[x](y)` in code is no link, a `# line` in a code block no heading."""
    lines, fenced = [], False
    for line in text.splitlines():
        if _FENCE.match(line):
            fenced = not fenced
            lines.append("")
            continue
        lines.append("" if fenced else _CODE_SPAN.sub("", line) if spans else line)
    return "\n".join(lines)


def links(text: str) -> list[str]:
    """Every link target of a Markdown text, outside code."""
    body = prose(text)
    return _INLINE.findall(body) + _REFERENCE.findall(body)


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as '-'."""
    text = _CODE_SPAN.sub(lambda m: m.group(0).strip("`"), heading.strip()).lower()
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # a link keeps its text
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(text: str) -> set[str]:
    """The anchors of a Markdown text's headings (a repeated one gets -1, -2, …)."""
    seen: dict[str, int] = {}
    out = set()
    for line in prose(text, spans=False).splitlines():
        m = re.match(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not m:
            continue
        base = slug(m.group(1))
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.add(base if n == 0 else f"{base}-{n}")
    return out


def problems(doc: Path, root: Path = ROOT) -> list[str]:
    """What is wrong with one document: a mention of ../shared, a relative link to a
    file that is not in the repository, or to a heading that is not there."""
    text = doc.read_text(encoding="utf-8")
    name = doc.relative_to(root)
    found = []
    if "../shared" in text:
        found.append(f"{name}: mentions ../shared (outside the repository)")
    for target in links(text):
        if target.startswith(_EXTERNAL):
            continue
        path, _, anchor = target.partition("#")
        file = doc if not path else (doc.parent / path).resolve()
        if path and (not file.is_relative_to(root) or not file.exists()):
            found.append(f"{name}: link to {target}: no such file in the repository")
            continue
        if anchor and file.suffix == ".md":
            if anchor not in anchors(file.read_text(encoding="utf-8")):
                found.append(f"{name}: link to {target}: no heading with that anchor")
    return found


def test_readme_and_docs_never_point_outside_the_repository_and_every_link_resolves():
    assert (ROOT / "docs" / "rules.md").exists() and (ROOT / "docs" / "frameworks.md").exists()
    found = [p for doc in documents() for p in problems(doc)]
    assert found == []


def test_readme_links_the_docs_it_relies_on():
    targets = set(links((ROOT / "README.md").read_text(encoding="utf-8")))
    assert {"docs/rules.md", "docs/frameworks.md", "docs/README.md"} <= targets


def test_the_check_catches_shared_paths_missing_files_and_missing_anchors(tmp_path):
    # A small repository of its own: every kind of fault once, and the links that are fine.
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "rules.md").write_text("# Rules\n\n## 1. Units of `time`\n")
    (tmp_path / "README.md").write_text(
        "See ../shared/spec/timescales.md and [the spec](../shared/spec/timescales.md).\n"
        "[gone](docs/gone.md), [units](docs/rules.md#1-units-of-time), "
        "[bad anchor](docs/rules.md#2-outcomes), [self](#rules-here), "
        "[web](https://example.org/x.md), ![logo](docs/logo.png)\n\n"
        "## Rules here\n\n```sh\ncat [not](a-link.md)\n```\n`[also](not-a-link.md)`\n"
    )
    found = problems(tmp_path / "README.md", tmp_path)
    assert found == [
        "README.md: mentions ../shared (outside the repository)",
        "README.md: link to ../shared/spec/timescales.md: no such file in the repository",
        "README.md: link to docs/gone.md: no such file in the repository",
        "README.md: link to docs/rules.md#2-outcomes: no heading with that anchor",
        "README.md: link to docs/logo.png: no such file in the repository",
    ]
    assert problems(tmp_path / "docs" / "rules.md", tmp_path) == []


# The project's private spec files, by name, and the folder that holds them.
_PRIVATE = re.compile(r"\.\./shared|(?<![\w-])(?:timescales|contract|delivery|sources)\.md\b")


@pytest.mark.skipif(
    shutil.which("git") is None or not (ROOT / ".git").exists(), reason="not a git checkout"
)
def test_no_tracked_file_points_at_the_private_spec_files():
    """Code, comments, TOML files and docs cite the repository's own docs, never the spec
    files or ../shared. Exempt: where the shared acceptance scenarios are run
    (tests/test_acceptance.py and the recipe of the Makefile's ``acceptance`` target),
    and this file, which spells out what it looks for in its examples."""
    assert _PRIVATE.search("timescales.md §3.3") and _PRIVATE.search("see ../shared/x")
    assert not _PRIVATE.search("docs/rules.md, my_sources.md, contract.mdx")
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode("utf-8")
    found = []
    for name in filter(None, listed.split("\0")):
        path = ROOT / name
        if name in {"tests/test_acceptance.py", "tests/test_docs.py"} or name.endswith(".png"):
            continue
        if not path.is_file():  # deleted in the work tree, not yet committed
            continue
        data = path.read_bytes()
        if b"\0" in data:
            continue
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:  # binary
            continue
        target = ""
        for number, line in enumerate(text.splitlines(), 1):
            if name == "Makefile":
                rule = re.match(r"^([\w./-]+)\s*:(?!=)", line)
                target = rule.group(1) if rule else target
                if target == "acceptance" and line.startswith("\t"):
                    continue
            if _PRIVATE.search(line):
                found.append(f"{name}:{number}: {line.strip()}")
    assert found == []


def test_heading_anchors_follow_githubs_slugs():
    assert slug("The mapping file (`--mapping FILE.toml`)") == "the-mapping-file---mapping-filetoml"
    assert slug("A child's own visiting plan (`visit_frequency`)") == (
        "a-childs-own-visiting-plan-visit_frequency"
    )
    assert slug("1. Dates and units of time") == "1-dates-and-units-of-time"
    assert anchors("# Usage\n## Usage\n```\n# not a heading\n```\n") == {"usage", "usage-1"}
