"""`make bench`: the six figures of issue 6, one line each. A script, not a timed test: the
machines are shared, so seconds vary; where a figure is a ratio, both sides are measured in
this run. `--quick` uses smaller sizes (about a tenth).

Run as `python -m tests.benchmarks.run [--quick]` from the repository root.
"""

import argparse
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from infra.local.template import LocalTemplate
from tests.benchmarks.data import write_csv
from tests.benchmarks.parse import parse_figures
from tests.benchmarks.size import MB, deployed_sizes
from tests.benchmarks.stack import BenchStack, WorkerRun
from tests.benchmarks.startup import handler_import_ratios

LAMBDA_UNZIPPED_LIMIT_MB = 250


@dataclass(frozen=True)
class Sizes:
    parse_rows: int
    import_rows: int
    memory_rows: tuple[int, int]
    export_entries: tuple[int, int]
    import_repeats: int


FULL = Sizes(1_000_000, 100_000, (100_000, 1_000_000), (10_000, 100_000), 5)
QUICK = Sizes(100_000, 10_000, (10_000, 100_000), (1_000, 10_000), 2)


def report(line: str) -> None:
    """One figure, one line, shown at once (a figure can take minutes to come)."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def verdict(ok: bool) -> str:
    return "meets the goal" if ok else "MISSES the goal"


def flat(small: float, large: float) -> float:
    """How much more the larger input took, as a fraction of the smaller one's figure."""
    return large / small - 1


def figure_parse(folder: Path, rows: int) -> None:
    path = write_csv(folder / f"parse_{rows}.csv", rows)
    bare, pipeline = parse_figures(path)
    ratio = pipeline / bare
    report(
        f"1. CSV parse+validate+map to EntryDraft, {rows:,} rows: {rows / pipeline:,.0f} rows/s; "
        f"bare csv.reader {rows / bare:,.0f} rows/s; ratio {ratio:.1f}x "
        f"(goal <= 4x: {verdict(ratio <= 4)})"
    )


def figure_import(stack: BenchStack, folder: Path, rows: int) -> None:
    path = write_csv(folder / f"import_{rows}.csv", rows)
    caller = stack.new_user("importer")
    run = stack.run_worker("csv", caller.user_id, stack.upload_csv(caller, path))
    per_thousand = run.count("dynamodb.") * 1000 / rows
    breakdown = ", ".join(
        f"{name.split('.')[1]} {count * 1000 / rows:.1f}"
        for name, count in sorted(run.requests.items(), key=lambda item: -item[1])
        if name.startswith("dynamodb.")
    )
    report(
        f"2. CSV import end to end against moto's server, {rows:,} rows: "
        f"{rows / run.seconds:,.0f} rows/s (worker CPU {run.cpu_seconds / rows * 1e6:.0f} us/row); "
        f"DynamoDB requests per 1,000 rows {per_thousand:.1f} ({breakdown}; counted by a "
        f"botocore before-send hook) (goal <= 45: {verdict(per_thousand <= 45)})"
    )


def figure_worker_memory(stack: BenchStack, folder: Path, sizes: tuple[int, int]) -> None:
    runs: list[WorkerRun] = []
    for rows in sizes:
        path = write_csv(folder / f"memory_{rows}.csv", rows)
        caller = stack.new_user(f"memory{rows}")
        runs.append(
            stack.run_worker("csv", caller.user_id, stack.upload_csv(caller, path), fake_entries=0)
        )
        path.unlink()
    small, large = runs
    growth = flat(small.peak_rss_mb, large.peak_rss_mb)
    ok = growth <= 0.2 and large.peak_rss_mb < 200
    report(
        f"3. CSV worker peak RSS (own process; entry writes acknowledged in-process, see "
        f"worker.py): {sizes[0]:,} rows {small.peak_rss_mb:.0f} MB, {sizes[1]:,} rows "
        f"{large.peak_rss_mb:.0f} MB ({growth:+.0%}; after imports {small.rss_after_imports_mb:.0f} "
        f"MB); {sizes[1] / large.seconds:,.0f} rows/s without moto "
        f"(goal within 20% and < 200 MB: {verdict(ok)})"
    )


def figure_export(stack: BenchStack, sizes: tuple[int, int]) -> None:
    caller = stack.new_user("exporter")
    parts, ok = [], True
    for export_format in ("json", "zip"):
        runs = []
        for entries in sizes:
            job_id = stack.start_export(caller, export_format)
            runs.append(stack.run_worker("export", caller.user_id, job_id, fake_entries=entries))
        small, large = runs
        growth = flat(small.peak_rss_mb, large.peak_rss_mb)
        ok = ok and growth <= 0.2 and large.peak_rss_mb < 200
        parts.append(
            f"{export_format} {sizes[1] / large.seconds:,.0f} entries/s, peak RSS "
            f"{small.peak_rss_mb:.0f} MB at {sizes[0]:,} / {large.peak_rss_mb:.0f} MB at "
            f"{sizes[1]:,} ({growth:+.0%})"
        )
    report(
        f"4. GDPR export, entries read from generated 1 MB Query pages in-process (see "
        f"worker.py), file to moto's S3: {'; '.join(parts)} "
        f"(goal flat within 20% and < 200 MB: {verdict(ok)})"
    )


def figure_cold_start(environment: dict[str, str], repeats: int) -> None:
    boto3_seconds, ratios = handler_import_ratios(environment, repeats)
    misses = sorted((name for name, ratio in ratios.items() if ratio > 2), key=ratios.get)
    worst = max(ratios, key=ratios.get)
    report(
        f"5. Cold start, median of {repeats} fresh interpreters: import boto3 "
        f"{boto3_seconds * 1000:.0f} ms; handlers {min(ratios.values()):.2f}x to "
        f"{ratios[worst]:.2f}x of it (worst {worst}); "
        + (
            f"over 2x: {', '.join(f'{name} {ratios[name]:.2f}x' for name in misses)} "
            if misses
            else ""
        )
        + f"(goal <= 2x: {verdict(not misses)})"
    )


def figure_size() -> None:
    functions, distributions, package = deployed_sizes()
    layer = sum(distributions.values()) + package
    largest = max(functions, key=functions.get)
    total_mb = (layer + functions[largest]) / MB
    biggest = sorted(distributions, key=distributions.get, reverse=True)[:3]
    report(
        f"6. Deployed size, unzipped: layer {layer / MB:.1f} MB ("
        + ", ".join(f"{name} {distributions[name] / MB:.1f}" for name in biggest)
        + f", timeport {package / MB:.2f}; {len(distributions)} distributions measured in the "
        f"virtualenv) + function code {functions[largest] / 1024:.1f} KB at most ({largest}) = "
        f"{total_mb:.1f} MB per function (goal well under {LAMBDA_UNZIPPED_LIMIT_MB} MB: "
        f"{verdict(total_mb < LAMBDA_UNZIPPED_LIMIT_MB / 2)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a first look")
    sizes = QUICK if parser.parse_args().quick else FULL
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="timeport-bench-") as temporary:
        folder = Path(temporary)
        figure_parse(folder, sizes.parse_rows)
        with BenchStack() as stack:
            figure_import(stack, folder, sizes.import_rows)
            figure_worker_memory(stack, folder, sizes.memory_rows)
            figure_export(stack, sizes.export_entries)
            environment = dict(stack.environment)
        environment.pop("AWS_ENDPOINT_URL")
        figure_cold_start(environment, sizes.import_repeats)
        figure_size()
    runtime = LocalTemplate().raw["Globals"]["Function"]["Runtime"]
    report(f"({time.perf_counter() - started:.0f} s on {os.cpu_count()} CPUs; {runtime} on AWS)")


if __name__ == "__main__":
    main()
