"""Figure 6: what Lambda unzips for each function: its own folder plus the layer.

The layer is the shared package plus the distributions layers/timeport/requirements.txt
installs, with their own dependencies. Their sizes are read from the installed files that
each distribution's RECORD lists in this virtualenv (the one `make test` built from the same
requirements), without compiled `__pycache__` files, which `sam build` does not ship either.
The virtualenv's wheels are this machine's (x86_64, this Python), not Lambda's arm64 / 3.13
ones; the compiled parts (pydantic-core) differ by a few MB at most.
"""

import importlib.metadata
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement

REPO_ROOT = Path(__file__).resolve().parents[2]
LAYER = REPO_ROOT / "layers" / "timeport"
MB = 1024 * 1024


def folder_bytes(path: Path) -> int:
    return sum(
        item.stat().st_size
        for item in path.rglob("*")
        if item.is_file() and "__pycache__" not in item.parts
    )


def _requirements(lines: list[str], extras: tuple[str, ...] = ("",)) -> list[str]:
    names = []
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        requirement = Requirement(line)
        marker = requirement.marker
        if marker is None or any(
            marker.evaluate({**default_environment(), "extra": extra}) for extra in extras
        ):
            names.append(requirement.name)
    return names


def layer_distributions(requirements: Path = LAYER / "requirements.txt") -> list[str]:
    """The requirements and everything they need in turn, by distribution name."""
    pending = _requirements(requirements.read_text(encoding="utf-8").splitlines())
    seen: set[str] = set()
    while pending:
        name = pending.pop()
        key = name.lower().replace("_", "-")
        if key in seen:
            continue
        seen.add(key)
        pending += _requirements(importlib.metadata.requires(name) or [])
    return sorted(seen)


def distribution_bytes(name: str) -> int:
    distribution = importlib.metadata.distribution(name)
    return sum(
        (distribution.locate_file(file)).stat().st_size
        for file in distribution.files or []
        if "__pycache__" not in file.parts and distribution.locate_file(file).is_file()
    )


def deployed_sizes() -> tuple[dict[str, int], dict[str, int], int]:
    """(bytes per function folder, bytes per layer distribution, bytes of the shared package)."""
    functions = {
        path.name: folder_bytes(path)
        for path in sorted((REPO_ROOT / "functions").iterdir())
        if (path / "app.py").is_file()
    }
    distributions = {name: distribution_bytes(name) for name in layer_distributions()}
    return functions, distributions, folder_bytes(LAYER / "timeport")
