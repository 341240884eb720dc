"""Generated inputs for the benchmarks: CSV files in the guide's format, written row by row.

The rows are deterministic (no random numbers), so two runs read the same bytes, and they mix
what real files hold: both ways of giving the end of an entry, optional tasks, quoted notes
with commas, a few tags, billable and not.
"""

from datetime import datetime, timedelta
from pathlib import Path

from timeport.sources.csv_entries import COLUMNS

HEADER = ",".join(COLUMNS) + "\n"
PROJECTS = tuple(f"Project {letter}" for letter in "ABCDEFGHIJKLMNOPQRST")
CLIENTS = ("Bakery", "Garage", "Florist", "Library", "Studio")
TASKS = ("Design", "Development", "Meetings", "Review", "Support", "")
NOTES = ("Hero banner", "Menu page, second draft", "", "Weekly call with the team", "Bug #42")
TAGS = ("design;ui", "dev", "", "meeting;planning", "ops,dev")
_EPOCH = datetime(2016, 1, 4, 8, 0, 0)


def csv_row(index: int) -> str:
    """Row `index` of a generated file: one working entry every 2 hours, 10 years back."""
    start = _EPOCH + timedelta(hours=2 * index % 87_600, minutes=index % 4 * 15)
    project = PROJECTS[index % len(PROJECTS)]
    client = CLIENTS[index % 7 % len(CLIENTS)]
    task = TASKS[index % len(TASKS)]
    notes = NOTES[index % len(NOTES)]
    if "," in notes:
        notes = f'"{notes}"'
    tags = TAGS[index % len(TAGS)]
    if "," in tags:
        tags = f'"{tags}"'
    billable = "false" if index % 5 == 0 else "true"
    if index % 3:
        end = (start + timedelta(minutes=45 + index % 5 * 15)).strftime("%Y-%m-%d %H:%M:%S")
        hours = ""
    else:
        end, hours = "", ("1.5", "0.25", "2", '"3,75"')[index % 4]
    started = start.strftime("%Y-%m-%d %H:%M:%S")
    return f"{project},{client},{task},{started},{end},{hours},{notes},{tags},{billable}\n"


def write_csv(path: Path, rows: int) -> Path:
    """Write a file of `rows` data rows (plus the header) to `path`; returns `path`."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(HEADER)
        for start in range(0, rows, 10_000):
            handle.write("".join(csv_row(i) for i in range(start, min(rows, start + 10_000))))
    return path
