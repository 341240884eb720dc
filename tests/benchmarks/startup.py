"""Figure 5: how long each handler module takes to import in a fresh interpreter, against
`import boto3` alone, both timed the same way in the same run."""

import os
import statistics
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = REPO_ROOT / "functions"
# Timed inside the child, so the interpreter's own start-up is left out of both figures.
_TIMED_IMPORT = (
    "import sys, time; sys.path.insert(0, sys.argv[1]); started = time.perf_counter(); "
    "__import__(sys.argv[2]); sys.stdout.write(repr(time.perf_counter() - started))"
)


def import_seconds(module: str, path: Path, environment: dict[str, str]) -> float:
    result = subprocess.run(
        [sys.executable, "-c", _TIMED_IMPORT, str(path), module],
        env={**os.environ, **environment},
        capture_output=True,
        text=True,
        check=True,
    )
    return float(result.stdout)


def handler_import_ratios(environment: dict[str, str], repeats: int) -> tuple[float, dict]:
    """The median `import boto3` in seconds, and each function's median import time over it.

    The runs take turns (boto3, then every handler, `repeats` times) so that a noisy moment
    on a shared machine touches both sides alike."""
    folders = sorted(path for path in FUNCTIONS.iterdir() if (path / "app.py").is_file())
    baseline: list[float] = []
    handlers: dict[str, list[float]] = {path.name: [] for path in folders}
    for _ in range(repeats):
        baseline.append(import_seconds("boto3", REPO_ROOT, environment))
        for folder in folders:
            handlers[folder.name].append(import_seconds("app", folder, environment))
    boto3_seconds = statistics.median(baseline)
    return boto3_seconds, {
        name: statistics.median(times) / boto3_seconds for name, times in handlers.items()
    }
