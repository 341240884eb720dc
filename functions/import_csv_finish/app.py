"""Step Functions task: sum up the parts of a big CSV import and give the job its status."""

from aws_lambda_powertools import Logger

from timeport.jobs.csv_chunks import finish_chunked_import

logger = Logger()


@logger.inject_lambda_context
def handler(event: dict, context) -> dict:
    logger.append_keys(import_id=event["import_id"])
    return finish_chunked_import(event["user_id"], event["import_id"])
