"""pynamodb models of the two tables template.yaml declares.

The jobs table keys a job by its owner and its id, so a lookup with the wrong owner simply
finds nothing. The data table is a single-table design keyed by `pk`/`sk`:

| item            | pk                  | sk                                 |
| --------------- | ------------------- | ---------------------------------- |
| user profile    | USER#<user_id>      | PROFILE                            |
| username claim  | USERNAME#<name>     | USERNAME                           |
| API token       | TOKEN#<sha256>      | TOKEN                              |
| token by id     | TOKENID#<token_id>  | TOKENID                            |
| client          | USER#<user_id>      | CLIENT#<normalised name>           |
| project         | USER#<user_id>      | PROJECT#<normalised name>          |
| task            | USER#<user_id>      | TASK#<project_id>#<normalised name> |
| time entry      | USER#<user_id>      | ENTRY#<entry_id>                   |

A time entry is keyed by its id, which an import derives from where the entry came from, so
importing the same thing again overwrites instead of doubling. The index EntriesByStart
(pk, start_key) lists a user's entries in start order.

Clients, projects and tasks are keyed by name so that a conditional put creates each once,
even when two imports race for the same name.
"""

from pynamodb.attributes import (
    BinaryAttribute,
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from timeport.settings import get_settings

_settings = get_settings()


class RowError(MapAttribute):
    row = NumberAttribute()
    column = UnicodeAttribute(null=True)
    value = UnicodeAttribute(null=True)
    message = UnicodeAttribute()


class JobsByKind(GlobalSecondaryIndex):
    """Every user's jobs of one kind (`import` or `export`) in id order, i.e. creation order."""

    class Meta:
        index_name = "JobsByKind"
        projection = AllProjection()

    kind = UnicodeAttribute(hash_key=True)
    job_id = UnicodeAttribute(range_key=True)


class JobRecord(Model):
    """An import or an export job. `kind` is `import` or `export`; ids start `imp_` / `exp_`.

    `filters` (a filtered export's filters; a backup's sections and the restore it is taken
    for) and `summary` (what a restore did) are JSON text.
    """

    class Meta:
        table_name = _settings.jobs_table
        region = _settings.region

    by_kind = JobsByKind()
    user_id = UnicodeAttribute(hash_key=True)
    job_id = UnicodeAttribute(range_key=True)
    kind = UnicodeAttribute()
    job_type = UnicodeAttribute()
    status = UnicodeAttribute(default="pending")
    export_format = UnicodeAttribute(null=True)
    source_file = UnicodeAttribute(null=True)
    filename = UnicodeAttribute(null=True)
    s3_key = UnicodeAttribute(null=True)
    total_records = NumberAttribute(default=0)
    successful_records = NumberAttribute(default=0)
    failed_records = NumberAttribute(default=0)
    skipped_records = NumberAttribute(default=0)
    source_params = MapAttribute(null=True)
    cursor = UnicodeAttribute(null=True)
    pages_done = NumberAttribute(default=0)
    waiting_for = UnicodeAttribute(null=True)
    record_count = NumberAttribute(default=0)
    file_size = NumberAttribute(default=0)
    errors = ListAttribute(of=RowError, default=list)
    errors_omitted = NumberAttribute(default=0)
    error_message = UnicodeAttribute(null=True)
    filters = UnicodeAttribute(null=True)
    summary = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    started_at = UTCDateTimeAttribute(null=True)
    completed_at = UTCDateTimeAttribute(null=True)
    expires_at = UTCDateTimeAttribute(null=True)
    lease_until = UTCDateTimeAttribute(null=True)
    attempt = NumberAttribute(default=0)
    expires_at_epoch = TTLAttribute(null=True)


class SourceCredential(Model):
    """A third-party token, KMS-encrypted with the import id as encryption context. Kept beside
    its job (id `cred_<import id>`) only while the import runs; never part of a job view."""

    class Meta:
        table_name = _settings.jobs_table
        region = _settings.region

    user_id = UnicodeAttribute(hash_key=True)
    job_id = UnicodeAttribute(range_key=True)
    ciphertext = BinaryAttribute(legacy_encoding=False)
    expires_at_epoch = TTLAttribute(null=True)


class ChunkRecord(Model):
    """One part of a CSV import that was cut into parts (id `chunk_<import id>_<index>`, beside
    its job; never listed as a job). It says where the part lies in the file and holds the
    furthest any attempt at it has come: counts, the row reached and the part's first row
    errors, always written together, so a retried part neither loses nor doubles a count."""

    class Meta:
        table_name = _settings.jobs_table
        region = _settings.region

    user_id = UnicodeAttribute(hash_key=True)
    job_id = UnicodeAttribute(range_key=True)
    import_id = UnicodeAttribute()
    index = NumberAttribute()
    etag = UnicodeAttribute()
    encoding = UnicodeAttribute()
    header_end = NumberAttribute()
    start_byte = NumberAttribute()
    end_byte = NumberAttribute()
    first_row = NumberAttribute()
    last_row = NumberAttribute()
    status = UnicodeAttribute(default="pending")
    row_reached = NumberAttribute(default=0)
    successful_records = NumberAttribute(default=0)
    failed_records = NumberAttribute(default=0)
    errors = ListAttribute(of=RowError, default=list)
    errors_omitted = NumberAttribute(default=0)
    attempt = NumberAttribute(default=0)
    expires_at_epoch = TTLAttribute(null=True)


class _DataItem(Model):
    class Meta:
        table_name = _settings.data_table
        region = _settings.region

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)


class UserRecord(_DataItem):
    user_id = UnicodeAttribute()
    username = UnicodeAttribute()
    email = UnicodeAttribute()
    role = UnicodeAttribute()
    timezone = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()


class UsernameClaim(_DataItem):
    user_id = UnicodeAttribute()


class TokenRecord(_DataItem):
    token_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()


class TokenIdRecord(_DataItem):
    """Finds a token's hash from its public id, so an admin can revoke it."""

    token_hash = UnicodeAttribute()
    user_id = UnicodeAttribute()


class ClientRecord(_DataItem):
    client_id = UnicodeAttribute()
    name = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()


class ProjectRecord(_DataItem):
    project_id = UnicodeAttribute()
    name = UnicodeAttribute()
    client_id = UnicodeAttribute()
    client_name = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()


class TaskRecord(_DataItem):
    task_id = UnicodeAttribute()
    name = UnicodeAttribute()
    project_id = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()


class EntriesByStart(GlobalSecondaryIndex):
    class Meta:
        index_name = "EntriesByStart"
        projection = AllProjection()

    pk = UnicodeAttribute(hash_key=True)
    start_key = UnicodeAttribute(range_key=True)


class TimeEntryRecord(_DataItem):
    by_start = EntriesByStart()
    start_key = UnicodeAttribute()
    entry_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    project_id = UnicodeAttribute(null=True)
    project_name = UnicodeAttribute(null=True)
    client_id = UnicodeAttribute(null=True)
    client_name = UnicodeAttribute(null=True)
    task_id = UnicodeAttribute(null=True)
    task_name = UnicodeAttribute(null=True)
    start_time = UTCDateTimeAttribute()
    end_time = UTCDateTimeAttribute()
    duration_seconds = NumberAttribute()
    notes = UnicodeAttribute(null=True)
    tags = ListAttribute(of=UnicodeAttribute, default=list)
    billable = BooleanAttribute(default=True)
    source = UnicodeAttribute()
    import_id = UnicodeAttribute(null=True)
    source_id = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()


def user_pk(user_id: str) -> str:
    return f"USER#{user_id}"


def chunk_prefix(import_id: str) -> str:
    return f"chunk_{import_id}_"


def chunk_id(import_id: str, index: int) -> str:
    """A part's id beside its job; zero-padded so that parts sort in file order."""
    return f"{chunk_prefix(import_id)}{index:05d}"
