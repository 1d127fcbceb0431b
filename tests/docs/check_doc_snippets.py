#!/usr/bin/env python3
"""Docs that cannot drift: checks every code snippet in docs/*.md against what it describes.

Each ```cpp and ```textproto block must carry a marker, an HTML comment on the line just above
it, that says how the block is checked (any other block may carry one too, and is then checked
the same way):

  <!-- snippet: compile -->          C++: a whole translation unit; it must compile, warning-free,
                                     against the plugin SDK.
  <!-- snippet: excerpt PATH -->     any language: the block's text is in PATH (relative to the
                                     source tree) in this order, ignoring whitespace that does not
                                     separate two words. "..." (or a line "// ..." or "# ...")
                                     elides code between two parts.
  <!-- snippet: program -->          textproto: a whole program; `chairctl lint` must pass clean.
  <!-- snippet: program-phases -->   textproto: `phases` blocks, linted in a minimal program;
  <!-- snippet: program-tracks -->   likewise `tracks` blocks, in one MAIN phase;
  <!-- snippet: program-items -->    likewise `items` blocks, in one BACK_ROLLERS track.
  <!-- snippet: shows-error TEXT --> textproto: a whole program that shows a mistake: lint must
                                     fail on it, and print TEXT if one is given.
  <!-- snippet: chair-part -->       textproto: top-level blocks of a chair profile, put into the
                                     reference chair in place of the ones they stand for (the
                                     actuator with the same id, the zone with the same name, the
                                     block of the same name); lint must accept the chair.

Excerpts are only as good as their source: name a file the build compiles (an example, a
shipped plugin, the SDK header) or one the test suite checks (a shipped program).

Python 3 standard library only: ctest runs it with Debian's /usr/bin/python3.
"""

import argparse
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

MARKER = re.compile(r"^\s*<!--\s*snippet:\s*(.*?)\s*-->\s*$")
FENCE = re.compile(r"^ {0,3}(```+|~~~+)\s*([\w+-]*)")
# Languages whose every block must say how it is checked.
CHECKED_LANGUAGES = ("cpp", "textproto")
HINTS = {
    "cpp": "<!-- snippet: compile --> (a whole translation unit) or "
           "<!-- snippet: excerpt FILE --> (text of a source file the build compiles)",
    "textproto": "<!-- snippet: program -->, <!-- snippet: program-phases|program-tracks|"
                 "program-items -->, <!-- snippet: shows-error -->, <!-- snippet: chair-part --> "
                 "or <!-- snippet: excerpt FILE -->",
}

# Wrappers that turn a fragment into the smallest program lint accepts. Each opening is one
# line per wrapped level, so that lint's line numbers map back onto the doc by a fixed offset.
PROGRAM_WRAPPERS = {
    "program": ([], []),
    "program-phases": (['metadata { id: "doc_snippet" name: "doc snippet" }'], []),
    "program-tracks": (['metadata { id: "doc_snippet" name: "doc snippet" }',
                        "phases { kind: MAIN"], ["}"]),
    "program-items": (['metadata { id: "doc_snippet" name: "doc snippet" }',
                       "phases { kind: MAIN",
                       "tracks { kind: BACK_ROLLERS"], ["}", "}"]),
}

# An elided part of an excerpt: a line of its own, or "..." inside a line ("{ ... }").
ELISION_LINES = ("...", "// ...", "# ...")
ELISION = "..."


@dataclass
class Block:
    doc: str  # as shown in messages: docs/plugins.md
    line: int  # the opening fence, 1-based
    language: str
    text: str
    marker: str | None


def read_blocks(path: Path, shown: str) -> tuple[list[Block], list[str]]:
    """Every fenced block of a Markdown file, with the marker above it, and misplaced markers."""
    blocks, problems = [], []
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        fence = FENCE.match(lines[i])
        marker = MARKER.match(lines[i])
        if marker and not (i + 1 < len(lines) and FENCE.match(lines[i + 1])):
            problems.append(f"{shown}:{i + 1}: snippet marker is not on the line just above a "
                            "code block")
        if not fence:
            i += 1
            continue
        start = i
        above = MARKER.match(lines[i - 1]) if i > 0 else None
        i += 1
        body = []
        # A fence closes with at least as many of the same characters and nothing else.
        while i < len(lines) and not (lines[i].strip().startswith(fence.group(1)) and
                                      lines[i].strip().strip(fence.group(1)[0]) == ""):
            body.append(lines[i])
            i += 1
        blocks.append(Block(shown, start + 1, fence.group(2).lower(), "\n".join(body) + "\n",
                            above.group(1) if above else None))
        i += 1
    return blocks, problems


# ---------------------------------------------------------------------------------------------
# Excerpts

def normalise(text: str) -> str:
    """Whitespace only counts between two words: line breaks and alignment may differ."""
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r"(?<=\W) | (?=\W)", "", text)


def excerpt_parts(block: Block) -> list[list[tuple[int, str]]]:
    """The block split at its elisions; each part is (doc line, text) pairs."""
    parts = [[]]
    for n, line in enumerate(block.text.splitlines(), start=block.line + 1):
        if line.strip() in ELISION_LINES:
            parts.append([])
            continue
        pieces = line.split(ELISION)
        parts[-1].append((n, pieces[0]))
        for piece in pieces[1:]:
            parts.append([(n, piece)])
        if len(pieces) > 1:
            # "f() { ... }": what follows the elided body need not follow it in the source
            # (a signature list leaves out the comments between the functions).
            parts.append([])
    return [p for p in parts if normalise("\n".join(t for _, t in p))]


def check_excerpt(block: Block, source_dir: Path, path: str) -> str | None:
    source = source_dir / path
    if not source.is_file():
        return f"{block.doc}:{block.line}: excerpt of {path}, which does not exist"
    haystack = normalise(source.read_text(encoding="utf-8"))
    at = 0
    for part in excerpt_parts(block):
        found = haystack.find(normalise("\n".join(t for _, t in part)), at)
        if found >= 0:
            at = found + len(normalise("\n".join(t for _, t in part)))
            continue
        # Name the first line that no longer matches, so the fix is easy to find.
        for k in range(1, len(part) + 1):
            if haystack.find(normalise("\n".join(t for _, t in part[:k])), at) < 0:
                n, text = part[k - 1]
                break
        where = " after the part before it" if at > 0 else ""
        return (f"{block.doc}:{block.line}: {block.language or 'text'} snippet is not an excerpt "
                f"of {path}:\n{block.doc}:{n}: from this line on, not in {path}{where}: "
                f"{text.strip()}")
    return None


# ---------------------------------------------------------------------------------------------
# C++

def check_compile(block: Block, args, work: Path) -> str | None:
    unit = work / "snippet.cpp"
    # #line makes the compiler name the doc's own lines.
    unit.write_text(f'#line {block.line + 1} "{block.doc}"\n{block.text}', encoding="utf-8")
    command = [args.cxx, "-std=c++20", "-fsyntax-only", "-Wall", "-Wextra", "-Wpedantic",
               "-Werror", "-DBOOST_DLL_USE_STD_FS",  # as chaird::plugin_sdk defines it
               "-I", str(args.source_dir / "plugins/sdk/include")]
    for d in args.boost_include:
        command += ["-isystem", d]
    run = subprocess.run(command + [str(unit)], capture_output=True, text=True)
    if run.returncode == 0:
        return None
    return f"{block.doc}:{block.line}: cpp snippet does not compile:\n{run.stdout}{run.stderr}"


# ---------------------------------------------------------------------------------------------
# Programs

def lint(block: Block, args, work: Path, kind: str) -> tuple[int, str]:
    """Lints the block as a program (wrapped as kind says); lint's output names the doc lines."""
    before, after = PROGRAM_WRAPPERS[kind]
    # A file named after its id, or lint warns about the name (unless the id is itself wrong).
    found = re.search(r'(?<![\w.])id:\s*"([a-z0-9][a-z0-9_-]{0,63})"', block.text)
    name = found.group(1) if found and not before else "doc_snippet"
    program = work / f"{name}.textproto"
    program.write_text("\n".join(before + [block.text.rstrip("\n")] + after) + "\n",
                       encoding="utf-8")
    run = subprocess.run(
        [args.chairctl, "lint", str(program),
         "--chair", str(args.source_dir / "sequences/chairs/generic_4d_sl.textproto"),
         "--plugins", args.plugins, "--library", str(args.source_dir / "sequences/programs")],
        capture_output=True, text=True)
    snippet_lines = block.text.count("\n")

    def doc_line(m: re.Match) -> str:
        n = int(m.group(1)) - len(before)
        if 1 <= n <= snippet_lines:
            return f"{block.doc}:{block.line + n}:{m.group(2)}:"
        return (f"{block.doc}:{block.line}: in the program wrapped around the snippet, line "
                f"{m.group(1)} column {m.group(2)}:")

    output = re.sub(re.escape(str(program)) + r":(\d+):(\d+):", doc_line, run.stdout + run.stderr)
    return run.returncode, output


def check_program(block: Block, args, work: Path, kind: str) -> str | None:
    code, output = lint(block, args, work, kind)
    # Docs promise programs that lint clean: a warning is a drift too.
    if code == 0 and not re.search(r":\d+: warning:", output):
        return None
    return f"{block.doc}:{block.line}: program snippet fails lint:\n{output}"


def check_shows_error(block: Block, args, work: Path, expected: str) -> str | None:
    code, output = lint(block, args, work, "program")
    if code == 1 and expected in output:
        return None
    if code == 1:
        return (f"{block.doc}:{block.line}: program snippet fails lint, but not with "
                f"\"{expected}\":\n{output}")
    return (f"{block.doc}:{block.line}: program snippet shows a mistake, but lint "
            f"{'passes' if code == 0 else 'could not check'} it:\n{output}")


# ---------------------------------------------------------------------------------------------
# Chair profiles

REFERENCE_CHAIR = "sequences/chairs/generic_4d_sl.textproto"
# Any program will do: lint loads the chair before it looks at the program.
CHAIR_PROBE = ('metadata { id: "chair_probe" name: "chair probe" }\n'
               'phases { kind: MAIN tracks { kind: HEAT items { step { technique: "heat" '
               'zone: "lumbar" duration_ms: 60000 } } } }\n')
SPACE = re.compile(r"(?:\s+|#[^\n]*)+")
FIELD = re.compile(r"([A-Za-z_]\w*)\s*:?\s*")
STRING = re.compile(r"""(?:"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')""")
VALUE = re.compile(r"""\[[^\]]*\]|(?:"(?:[^"\\\n]|\\.)*"\s*)+|[^\s#{}\[\]]+""")


def end_of_block(text: str, i: int) -> int:
    """The end of the {...} that starts at i, past strings and comments that hold braces."""
    depth = 0
    while i < len(text):
        if text[i] in "\"'":
            i = STRING.match(text, i).end()
            continue
        if text[i] == "#":
            end = text.find("\n", i)
            i = len(text) if end < 0 else end
            continue
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        i += 1
        if depth == 0:
            return i
    raise ValueError("a { is never closed")


def top_level_fields(text: str) -> list[tuple[tuple[str, str | None], int, int]]:
    """Each top-level field of a text-format message: its key, start and end. The key of a
    block that holds an id or a name (an actuator, a zone) includes it."""
    fields, i = [], 0
    while True:
        space = SPACE.match(text, i)
        i = space.end() if space else i
        if i >= len(text):
            return fields
        field = FIELD.match(text, i)
        if not field:
            raise ValueError(f"cannot read a field at: {text[i:i + 40]!r}")
        start, i = i, field.end()
        i = end_of_block(text, i) if text.startswith("{", i) else VALUE.match(text, i).end()
        identity = re.search(r'(?<![\w.])(?:id|name):\s*"([^"]*)"', text[field.end():i])
        block = text.startswith("{", field.end())
        fields.append(((field.group(1), identity.group(1) if block and identity else None),
                       start, i))


def check_chair(block: Block, args, work: Path) -> str | None:
    reference = (args.source_dir / REFERENCE_CHAIR).read_text(encoding="utf-8")
    try:
        replaced = {key for key, _, _ in top_level_fields(block.text)}
        kept = [reference[s:e] for key, s, e in top_level_fields(reference)
                if key not in replaced]
    except ValueError as error:
        return f"{block.doc}:{block.line}: chair profile snippet does not parse: {error}"
    before = "\n".join(kept).split("\n")
    chair = work / "chair.textproto"
    chair.write_text("\n".join(before) + "\n" + block.text, encoding="utf-8")
    probe = work / "chair_probe.textproto"
    probe.write_text(CHAIR_PROBE, encoding="utf-8")
    run = subprocess.run([args.chairctl, "lint", str(probe), "--chair", str(chair),
                          "--plugins", args.plugins], capture_output=True, text=True)
    if run.returncode == 0:
        return None

    def doc_line(m: re.Match) -> str:
        n = int(m.group(1)) - len(before)
        if n >= 1:
            return f"{block.doc}:{block.line + n}:{m.group(2)}:"
        return (f"{block.doc}:{block.line}: in the reference chair around the snippet, line "
                f"{m.group(1)} column {m.group(2)}:")

    output = re.sub(re.escape(str(chair)) + r":(\d+):(\d+):", doc_line, run.stdout + run.stderr)
    return f"{block.doc}:{block.line}: chair profile snippet fails lint:\n{output}"


# ---------------------------------------------------------------------------------------------

def check(block: Block, args, work: Path) -> str | None:
    """None when the block matches what it describes, else the message saying why not."""
    if block.marker is None:
        if block.language not in CHECKED_LANGUAGES:
            return None
        return (f"{block.doc}:{block.line}: {block.language} snippet has no marker: add "
                f"{HINTS[block.language]} on the line above")
    kind, _, rest = block.marker.partition(" ")
    rest = rest.strip()
    if kind == "excerpt" and rest:
        return check_excerpt(block, args.source_dir, rest)
    if kind == "compile" and block.language == "cpp" and not rest:
        return check_compile(block, args, work)
    if kind in PROGRAM_WRAPPERS and block.language in ("textproto", "") and not rest:
        return check_program(block, args, work, kind)
    if kind == "shows-error" and block.language in ("textproto", ""):
        return check_shows_error(block, args, work, rest)
    if kind == "chair-part" and block.language in ("textproto", "") and not rest:
        return check_chair(block, args, work)
    return (f"{block.doc}:{block.line}: unknown snippet marker '{block.marker}' for a "
            f"{block.language or 'plain'} block; use {HINTS.get(block.language, 'excerpt FILE')}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--source-dir", type=Path, required=True, help="chaird's source tree")
    parser.add_argument("--cxx", required=True, help="the C++ compiler chaird is built with")
    parser.add_argument("--chairctl", required=True, help="chairctl, for lint")
    parser.add_argument("--plugins", required=True, help="the shipped plugins' directory")
    parser.add_argument("--boost-include", nargs="*", default=[],
                        help="Boost's include directories (a CMake ;-list is fine)")
    parser.add_argument("--doc", action="append", type=Path,
                        help="check only this Markdown file (repeatable; default: docs/*.md)")
    args = parser.parse_args()
    args.source_dir = args.source_dir.resolve()
    # -isystem on a default directory breaks #include_next in the standard library.
    args.boost_include = [d for item in args.boost_include for d in item.split(";")
                          if d and d not in ("/usr/include", "/usr/local/include")]

    docs = [d.resolve() for d in args.doc] if args.doc else sorted(
        (args.source_dir / "docs").glob("*.md"))
    failures, counts = [], {}
    with tempfile.TemporaryDirectory(prefix="doc_snippets_") as tmp:
        for doc in docs:
            try:
                shown = str(doc.relative_to(args.source_dir))
            except ValueError:
                shown = str(doc)
            blocks, problems = read_blocks(doc, shown)
            failures += problems
            for block in blocks:
                if block.marker is None and block.language not in CHECKED_LANGUAGES:
                    continue
                # One directory per snippet: a lint library never sees another snippet.
                work = Path(tempfile.mkdtemp(dir=tmp))
                failure = check(block, args, work)
                if failure:
                    failures.append(failure)
                kind = (block.marker or "unmarked").split(" ")[0]
                counts[kind] = counts.get(kind, 0) + 1
    for failure in failures:
        print(failure.rstrip("\n") + "\n")
    summary = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items()))
    print(f"doc snippets: {sum(counts.values())} checked in {len(docs)} file(s) ({summary}); "
          f"{len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
