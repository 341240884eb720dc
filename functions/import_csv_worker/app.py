"""S3 ObjectCreated on uploads/csv/: import the uploaded CSV into the job it was uploaded for."""

from urllib.parse import unquote_plus

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes import S3Event, event_source

from timeport.jobs.csv_import import import_csv_object
from timeport.storage.files import parse_csv_upload_key

logger = Logger()


@logger.inject_lambda_context
@event_source(data_class=S3Event)
def handler(event: S3Event, context) -> dict:
    outcomes = []
    for record in event.records:
        key = unquote_plus(record.s3.get_object.key)
        owner = parse_csv_upload_key(key)
        if owner is None:
            logger.warning("Object is not a CSV upload this service handed out", extra={"key": key})
            continue
        outcomes.append(import_csv_object(*owner, key=key))
    return {"outcomes": outcomes}
