"""Print the lowest versions pyproject.toml allows, as pip pins (for make test-lowest).

Every ``name>=X`` among the runtime dependencies and the extras named on the
command line becomes ``name==X``; a dependency with no floor is an error, since
its lowest version cannot be tested.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path


def pins(extras: list[str]) -> list[str]:
    project = tomllib.loads(Path("pyproject.toml").read_text())["project"]
    wanted = list(project["dependencies"])
    for extra in extras:
        wanted += project["optional-dependencies"][extra]
    out = []
    for spec in wanted:
        found = re.match(r"^([A-Za-z0-9_.\-\[\]]+)\s*>=\s*([0-9][^,;\s]*)", spec)
        if not found:
            raise SystemExit(f"pyproject.toml: '{spec}' has no floor (name>=version)")
        name = found.group(1).split("[")[0]
        out.append(f"{name}=={found.group(2)}")
    return out


if __name__ == "__main__":
    print("\n".join(pins(sys.argv[1:])))
