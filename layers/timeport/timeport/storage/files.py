"""Files in the private bucket: keys, presigned URLs and a streaming multipart writer.

| prefix           | holds                                   | expires (bucket lifecycle)   |
| ---------------- | --------------------------------------- | ---------------------------- |
| uploads/csv/     | CSV files waiting for import            | FileRetentionDays (7)        |
| uploads/restore/ | backup files uploaded for a restore     | FileRetentionDays (7)        |
| exports/         | finished exports                        | FileRetentionDays (7)        |
| backups/         | admin backups and pre-restore backups   | BackupRetentionDays (30)     |
"""

import io

from timeport.settings import get_settings
from timeport.storage.clients import aws_client

PART_BYTES = 8 * 1024 * 1024


def default_s3_client():
    return aws_client("s3")


def csv_upload_key(user_id: str, import_id: str) -> str:
    return f"uploads/csv/{user_id}/{import_id}.csv"


def parse_csv_upload_key(key: str) -> tuple[str, str] | None:
    """(user_id, import_id) from an uploads/csv/ key, or None for a key we never handed out."""
    parts = key.split("/")
    if len(parts) != 4 or parts[:2] != ["uploads", "csv"] or not parts[3].endswith(".csv"):
        return None
    return parts[2], parts[3][: -len(".csv")]


def export_key(user_id: str, export_id: str, filename: str) -> str:
    return f"exports/{user_id}/{export_id}/{filename}"


def backup_key(user_id: str, export_id: str, filename: str) -> str:
    return f"backups/{user_id}/{export_id}/{filename}"


def restore_upload_prefix(user_id: str) -> str:
    return f"uploads/restore/{user_id}/"


def restore_upload_key(user_id: str, upload_id: str) -> str:
    return f"{restore_upload_prefix(user_id)}{upload_id}.jsonl.gz"


def object_etag(key: str, s3_client=None) -> str | None:
    """The object's ETag (which changes when it is uploaded again), or None when there is no
    such object."""
    s3_client = s3_client or default_s3_client()
    try:
        return s3_client.head_object(Bucket=get_settings().bucket, Key=key)["ETag"]
    except s3_client.exceptions.ClientError as error:
        if error.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
            return None
        raise


def object_size_and_etag(key: str, s3_client=None) -> tuple[int, str]:
    s3_client = s3_client or default_s3_client()
    head = s3_client.head_object(Bucket=get_settings().bucket, Key=key)
    return head["ContentLength"], head["ETag"]


def open_object_range(key: str, start: int, end: int, etag: str, s3_client=None):
    """Bytes start..end-1 of the object as a readable stream; S3 refuses (412) if the object
    is no longer the version `etag` names."""
    if end <= start:
        return io.BytesIO()
    s3_client = s3_client or default_s3_client()
    return s3_client.get_object(
        Bucket=get_settings().bucket, Key=key, Range=f"bytes={start}-{end - 1}", IfMatch=etag
    )["Body"]


def presigned_upload(key: str, content_type: str, s3_client=None) -> dict:
    """A browser-style POST form for one key: S3 itself refuses another key, another content
    type, an empty file or one above the upload limit, before anything is stored."""
    settings = get_settings()
    s3_client = s3_client or default_s3_client()
    return s3_client.generate_presigned_post(
        Bucket=settings.bucket,
        Key=key,
        Fields={"Content-Type": content_type},
        Conditions=[
            {"Content-Type": content_type},
            ["content-length-range", 1, settings.max_upload_bytes],
        ],
        ExpiresIn=settings.upload_url_ttl_seconds,
    )


def upload_instructions(key: str, content_type: str, s3_client=None) -> dict:
    """What a client needs to send one file to `key`: the form's URL, its fields, the limit."""
    settings = get_settings()
    form = presigned_upload(key, content_type, s3_client)
    return {
        "upload_url": form["url"],
        "method": "POST",
        "fields": form["fields"],
        "file_field": "file",
        "max_bytes": settings.max_upload_bytes,
        "expires_in": settings.upload_url_ttl_seconds,
    }


def presigned_download(key: str, filename: str, s3_client=None) -> str:
    settings = get_settings()
    s3_client = s3_client or default_s3_client()
    return s3_client.generate_presigned_url(
        "get_object",
        Params={
            "Bucket": settings.bucket,
            "Key": key,
            "ResponseContentDisposition": f'attachment; filename="{filename}"',
        },
        ExpiresIn=settings.download_url_ttl_seconds,
    )


def put_bytes(key: str, body: bytes, content_type: str, s3_client=None) -> None:
    s3_client = s3_client or default_s3_client()
    s3_client.put_object(Bucket=get_settings().bucket, Key=key, Body=body, ContentType=content_type)


def open_object(key: str, s3_client=None, etag: str | None = None):
    """The object's body as a readable byte stream (nothing is loaded whole). With `etag`, S3
    refuses (412) if the object is no longer that version."""
    s3_client = s3_client or default_s3_client()
    condition = {"IfMatch": etag} if etag else {}
    return s3_client.get_object(Bucket=get_settings().bucket, Key=key, **condition)["Body"]


class S3StreamWriter(io.RawIOBase):
    """A write-only file that uploads to S3 in parts as it fills, so memory stays at one part.

    A file smaller than one part is sent with a single PUT. `abort()` (or an exception inside
    a `with` block) discards the upload so no half-written export is ever visible.
    """

    def __init__(self, key: str, content_type: str, s3_client=None, part_bytes: int = PART_BYTES):
        super().__init__()
        self._s3 = s3_client or default_s3_client()
        self._bucket = get_settings().bucket
        self._key = key
        self._content_type = content_type
        self._part_bytes = part_bytes
        self._buffer = bytearray()
        self._parts: list[dict] = []
        self._upload_id: str | None = None
        self.bytes_written = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._buffer += data
        self.bytes_written += len(data)
        if len(self._buffer) >= self._part_bytes:
            self._send_part(bytes(self._buffer))
            self._buffer.clear()
        return len(data)

    def tell(self) -> int:
        return self.bytes_written

    def _send_part(self, body: bytes) -> None:
        if self._upload_id is None:
            self._upload_id = self._s3.create_multipart_upload(
                Bucket=self._bucket, Key=self._key, ContentType=self._content_type
            )["UploadId"]
        number = len(self._parts) + 1
        response = self._s3.upload_part(
            Bucket=self._bucket,
            Key=self._key,
            UploadId=self._upload_id,
            PartNumber=number,
            Body=body,
        )
        self._parts.append({"PartNumber": number, "ETag": response["ETag"]})

    def close(self) -> None:
        if self.closed:
            return
        if self._upload_id is None:
            self._s3.put_object(
                Bucket=self._bucket,
                Key=self._key,
                Body=bytes(self._buffer),
                ContentType=self._content_type,
            )
        else:
            if self._buffer:
                self._send_part(bytes(self._buffer))
            self._s3.complete_multipart_upload(
                Bucket=self._bucket,
                Key=self._key,
                UploadId=self._upload_id,
                MultipartUpload={"Parts": self._parts},
            )
        self._buffer.clear()
        super().close()

    def abort(self) -> None:
        if self._upload_id is not None:
            self._s3.abort_multipart_upload(
                Bucket=self._bucket, Key=self._key, UploadId=self._upload_id
            )
        self._buffer.clear()
        self._upload_id = None
        super().close()

    def __exit__(self, error_type, error, traceback) -> None:
        if error_type is None:
            self.close()
        else:
            self.abort()
