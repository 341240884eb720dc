"""What a CSV upload's file name and multipart body may be."""

import pytest

from timeport.api.multipart import parse_files
from timeport.errors import BadRequest
from timeport.jobs.csv_uploads import clean_csv_filename


def multipart(disposition: bytes, content: bytes = b"a,b\r\n") -> dict:
    body = b"--XX\r\nContent-Disposition: form-data; " + disposition + b"\r\n\r\n" + content
    return parse_files("multipart/form-data; boundary=XX", body + b"\r\n--XX--\r\n")


def test_a_windows_path_sent_by_a_browser_keeps_only_the_file_name():
    upload = multipart(b'name="file"; filename="C:\\Users\\me\\time sheet.csv"')["file"]

    assert clean_csv_filename(upload.filename) == "time sheet.csv"
    assert upload.content == b"a,b\r\n"


def test_utf8_file_names_survive():
    assert multipart('name="file"; filename="Zeiterfassung März.csv"'.encode())[
        "file"
    ].filename == ("Zeiterfassung März.csv")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("report\u202etxt.csv", "filename: must not contain control or invisible formatting"),
        ("line\u2028break.csv", "filename: must not contain control or invisible formatting"),
        ("tab\t.csv", "filename: must not contain control or invisible formatting"),
        ("notes.txt", "Only CSV files can be imported"),
        (".csv", "Only CSV files can be imported"),
        ("   ", "No file provided"),
        ("x" * 300 + ".csv", "filename: longer than 255 characters"),
    ],
)
def test_unusable_file_names_are_refused_with_the_reason(name, message):
    with pytest.raises(BadRequest) as refused:
        clean_csv_filename(name)

    assert refused.value.message.startswith(message)
