"""Starting a CSV import: a presigned upload URL, or a file sent in the request body.

Both end the same way: the file lands under uploads/csv/ and the S3 event starts the worker.
"""

import unicodedata

from timeport.domain.users import Caller
from timeport.errors import BadRequest, PayloadTooLarge
from timeport.jobs.exclusion import refuse_import_during_restore
from timeport.jobs.records import create_job
from timeport.settings import get_settings
from timeport.storage.files import csv_upload_key, put_bytes, upload_instructions
from timeport.storage.models import JobRecord

CSV_CONTENT_TYPE = "text/csv"
# Control, format (such as right-to-left overrides), line and paragraph separators.
_INVISIBLE = frozenset({"Cc", "Cf", "Zl", "Zp"})
FILENAME_MAX_CHARS = 255


def clean_csv_filename(filename: str | None) -> str:
    """The file's own name (any folder part dropped), checked to be a .csv name a person can read."""
    if not filename or not filename.strip():
        raise BadRequest("No file provided: send the CSV in the field 'file'")
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if any(unicodedata.category(char) in _INVISIBLE for char in name):
        raise BadRequest("filename: must not contain control or invisible formatting characters")
    if len(name) > FILENAME_MAX_CHARS:
        raise BadRequest(f"filename: longer than {FILENAME_MAX_CHARS} characters")
    if not name.lower().endswith(".csv") or name.lower() == ".csv":
        raise BadRequest("Only CSV files can be imported: the file name must end in .csv")
    return name


def _new_csv_job(caller: Caller, filename: str) -> tuple[JobRecord, str]:
    name = clean_csv_filename(filename)
    refuse_import_during_restore()
    job = create_job(caller.user_id, "import", "csv", source_file=name)
    key = csv_upload_key(caller.user_id, job.job_id)
    job.update(actions=[JobRecord.s3_key.set(key)])
    return job, key


def start_csv_upload(caller: Caller, filename: str, s3_client=None) -> dict:
    job, key = _new_csv_job(caller, filename)
    return {"import_id": job.job_id, **upload_instructions(key, CSV_CONTENT_TYPE, s3_client)}


def accept_csv_file(caller: Caller, filename: str, content: bytes, s3_client=None) -> JobRecord:
    limit = get_settings().max_direct_upload_bytes
    if not content:
        raise BadRequest("The file is empty: it needs a header row and at least one data row")
    if len(content) > limit:
        raise PayloadTooLarge(
            f"The file is larger than {limit // (1024 * 1024)} MB: ask POST /api/import/csv/upload-url "
            "for an upload URL and send the file there"
        )
    job, key = _new_csv_job(caller, filename)
    put_bytes(key, content, CSV_CONTENT_TYPE, s3_client)
    return job
