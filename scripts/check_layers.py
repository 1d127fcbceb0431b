#!/usr/bin/env python3
"""Fails on an #include that runs against the pipeline's arrows (docs/architecture.md).

Each layer is a folder; a file may include headers of its own layer and of the layers its layer
stands on (directly or through others), nothing else. The same arrows are the CMake links in
daemon/CMakeLists.txt and sim/CMakeLists.txt. Usage: check_layers.py [REPO_ROOT]
"""
import pathlib
import re
import sys

# layer -> the layers it stands on directly. Paths are relative to the repository root; an
# include names a core header as "folder/file.hpp" and a sim header as "model/..." etc.
LAYERS = {
    # leaves
    "daemon/core/common": [],
    "daemon/core/clock": [],
    "daemon/core/profile": ["daemon/core/common"],
    "daemon/core/config": ["daemon/core/common"],
    # shared vocabulary
    "daemon/core/timeline": ["daemon/core/profile"],
    "daemon/core/bus": ["daemon/core/profile", "daemon/core/clock"],
    # the pipeline
    "daemon/core/program": ["daemon/core/common"],
    "daemon/core/plugin_host": ["daemon/core/common"],
    "daemon/core/planner": ["daemon/core/program", "daemon/core/plugin_host", "daemon/core/timeline"],
    "daemon/core/safety": ["daemon/core/timeline", "daemon/core/bus"],
    "daemon/core/library": ["daemon/core/planner", "daemon/core/safety"],
    "daemon/core/execution": ["daemon/core/safety"],
    "daemon/core/session": ["daemon/core/execution"],
    # the chair model is a board: below the pipeline, beside it
    "sim/model": ["daemon/core/bus"],
    "sim/board": ["sim/model"],
    # chaird's side of the board link: a bus, nothing above it
    "daemon/board_link": ["daemon/core/bus"],
    "sim/replay": ["sim/model", "daemon/core/session"],
    # chaird's database: beside the pipeline, standing on nothing but the common vocabulary
    "daemon/store": ["daemon/core/common"],
    # who may call chaird: tokens and roles, standing on the common vocabulary only
    "daemon/access": ["daemon/core/common"],
}

INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')


def include_prefix(layer: str) -> str:
    """How an #include names a header of this layer."""
    return layer.rsplit("/", 1)[-1] + "/"


def closure(layer: str, seen: tuple = ()) -> set:
    if layer in seen:
        raise SystemExit(f"check_layers: the arrows form a cycle: {' -> '.join(seen + (layer,))}")
    out = {layer}
    for below in LAYERS[layer]:
        out |= closure(below, seen + (layer,))
    return out


# The services' generated header may be included only through the header that also says how
# their requests are read (protos/wire/chair_services.hpp): a file that saw the services without
# it would read requests as plain protobuf does, and gRPC would answer text that is not UTF-8
# with a bare UNIMPLEMENTED instead of chaird's INVALID_ARGUMENT naming the field.
SERVICES_HEADER = "chair/v1/control.grpc.pb.h"
SERVICES_WRAPPER = "protos/wire/chair_services.hpp"


def services_included_directly(root: pathlib.Path) -> list:
    problems = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        # build trees, and the checks' own fixtures of what they refuse
        if (path.suffix not in (".hpp", ".cpp", ".h", ".cc") or relative.startswith("build/")
                or relative.startswith("tests/layers/")):
            continue
        if relative == SERVICES_WRAPPER:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            m = INCLUDE.match(line)
            if m and m.group(1) == SERVICES_HEADER:
                problems.append(
                    f"{path.relative_to(root)}:{number}: includes \"{SERVICES_HEADER}\": include "
                    f"\"wire/chair_services.hpp\" instead, so that requests are read as chaird "
                    f"reads them")
    return problems


def main() -> int:
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
    by_prefix = {include_prefix(layer): layer for layer in LAYERS}
    problems = services_included_directly(root)
    checked = 0
    for layer in LAYERS:
        allowed = closure(layer)
        folder = root / layer
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.suffix not in (".hpp", ".cpp", ".h", ".cc"):
                continue
            checked += 1
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                prefix = m.group(1).split("/", 1)[0] + "/"
                target = by_prefix.get(prefix)
                if target is not None and target not in allowed:
                    problems.append(
                        f"{path.relative_to(root)}:{number}: includes \"{m.group(1)}\": "
                        f"{layer} must not depend on {target} (it stands on: "
                        f"{', '.join(sorted(allowed - {layer})) or 'nothing'})")
    for p in problems:
        print(p)
    if problems:
        print(f"check_layers: {len(problems)} include(s) against the pipeline's arrows")
        return 1
    print(f"check_layers: {checked} files follow the pipeline's arrows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
