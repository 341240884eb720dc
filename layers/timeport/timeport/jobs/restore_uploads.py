"""Starting a restore: an upload URL or a file in the request body, then the job.

Apart from jobs/restore.py (the worker) so that the HTTP handlers load none of the backup
format's models or the restore's checks at their cold start.
"""

from timeport.domain.users import Caller
from timeport.errors import BadRequest, PayloadTooLarge
from timeport.ids import new_id
from timeport.jobs.exclusion import refuse_restore_during_work
from timeport.jobs.records import create_job
from timeport.settings import get_settings
from timeport.storage.files import (
    object_etag,
    put_bytes,
    restore_upload_key,
    restore_upload_prefix,
    upload_instructions,
)
from timeport.storage.models import JobRecord

BACKUP_CONTENT_TYPE = "application/gzip"


def start_restore_upload(caller: Caller, s3_client=None) -> dict:
    key = restore_upload_key(caller.user_id, new_id())
    return {"upload_key": key, **upload_instructions(key, BACKUP_CONTENT_TYPE, s3_client)}


def accept_restore_file(caller: Caller, content: bytes, s3_client=None) -> str:
    """Store a backup sent in the request body; returns its upload key."""
    limit = get_settings().max_direct_upload_bytes
    if not content:
        raise BadRequest("file: the backup file is empty")
    if len(content) > limit:
        raise PayloadTooLarge(
            f"The file is larger than {limit // (1024 * 1024)} MB: ask POST "
            "/api/backup/restore/upload-url for an upload URL and send the file there"
        )
    key = restore_upload_key(caller.user_id, new_id())
    put_bytes(key, content, BACKUP_CONTENT_TYPE, s3_client)
    return key


def start_restore(caller: Caller, upload_key: str, invoke_worker, s3_client=None) -> JobRecord:
    """Check that the upload is the caller's and exists, then start the restore job."""
    prefix = restore_upload_prefix(caller.user_id)
    if not upload_key.startswith(prefix) or "/" in upload_key[len(prefix) :]:
        raise BadRequest("upload_key: not an upload key this service gave you")
    if object_etag(upload_key, s3_client) is None:
        raise BadRequest(
            "upload_key: nothing was uploaded there yet; POST the file to its upload_url first"
        )
    refuse_restore_during_work()
    job = create_job(
        caller.user_id,
        "import",
        "backup",
        source_file=upload_key.rsplit("/", 1)[-1],
        s3_key=upload_key,
    )
    invoke_worker({"user_id": caller.user_id, "import_id": job.job_id})
    return job
