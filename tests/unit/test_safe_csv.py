"""Spreadsheet-safe CSV cells."""

import pytest

from timeport.formats.safe_csv import neutralise


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+49 30 1234", "'+49 30 1234"),
        ("-x", "'-x"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("plain", "plain"),
        (-5, -5),
        (1.5, 1.5),
        (True, "true"),
        (None, ""),
        (["a", "=b"], "a;=b"),
    ],
)
def test_cells_that_could_run_as_formulas_get_an_apostrophe(value, expected):
    assert neutralise(value) == expected
