"""The helpers behind `make bench`, on small inputs: the benchmark itself never runs in tests."""

import json
import os

from tests.benchmarks.data import write_csv
from tests.benchmarks.parse import parse_figures, pipeline_seconds
from tests.benchmarks.size import distribution_bytes, layer_distributions
from tests.benchmarks.startup import REPO_ROOT, import_seconds
from tests.benchmarks.worker import ENTRIES_INDEX, EntriesFake, peak_rss_mb


def test_a_generated_file_reads_as_one_item_per_row_with_both_readers(tmp_path):
    path = write_csv(tmp_path / "rows.csv", 300)

    bare, pipeline = parse_figures(path, rounds=1)

    assert bare > 0 and pipeline > 0
    assert pipeline_seconds(path)[1] == 300


def test_the_entries_fake_pages_through_every_entry_once():
    fake = EntriesFake("01bench0user0000000000000", 4000)
    request = {"TableName": "data", "IndexName": ENTRIES_INDEX}
    seen, pages = [], 0

    while True:
        page = fake.answer("Query", json.dumps(request).encode())
        seen += [item["entry_id"]["S"] for item in page["Items"]]
        pages += 1
        if "LastEvaluatedKey" not in page:
            break
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    assert pages > 1
    assert seen == [f"imp_bench-r{index:07d}" for index in range(4000)]
    assert fake.answer("BatchWriteItem", b"{}") == {"UnprocessedItems": {}}
    assert fake.answer("Query", json.dumps({"TableName": "data"}).encode()) is None


def test_the_layer_counts_its_requirements_and_what_they_need():
    names = layer_distributions()

    assert {"aws-lambda-powertools", "pydantic", "pydantic-core", "pynamodb", "botocore"} <= set(
        names
    )
    assert "moto" not in names
    assert distribution_bytes("pynamodb") > 10_000


def test_an_import_is_timed_in_a_fresh_interpreter_and_memory_is_read():
    assert 0 < import_seconds("json", REPO_ROOT, dict(os.environ)) < 5
    assert peak_rss_mb() > 1
