"""Figure 1: the CSV reader (decode, parse, validate, map to EntryDraft) against a bare
csv.reader pass over the same file, timed one after the other in the same process."""

import csv
import time
from pathlib import Path

from timeport.sources.csv_entries import CsvEntryReader
from timeport.sources.text_stream import open_text


def bare_reader_seconds(path: Path) -> tuple[float, int]:
    started = time.perf_counter()
    with path.open(encoding="utf-8", newline="") as handle:
        records = sum(1 for _ in csv.reader(handle))
    return time.perf_counter() - started, records - 1


def pipeline_seconds(path: Path, timezone: str = "Europe/Berlin") -> tuple[float, int]:
    started = time.perf_counter()
    with path.open("rb") as handle:
        text, _ = open_text(handle)
        items = sum(1 for _ in CsvEntryReader(text, timezone))
    return time.perf_counter() - started, items


def parse_figures(path: Path, rounds: int = 2) -> tuple[float, float]:
    """Best-of-`rounds` seconds of (bare reader, pipeline); the best run is the one the shared
    machine disturbed least. Both must see every row of the file."""
    bare, pipeline = [], []
    for _ in range(rounds):
        seconds, bare_rows = bare_reader_seconds(path)
        bare.append(seconds)
        seconds, items = pipeline_seconds(path)
        pipeline.append(seconds)
        if items != bare_rows:
            raise RuntimeError(f"The reader yielded {items} items for {bare_rows} rows")
    return min(bare), min(pipeline)
