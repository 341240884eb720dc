"""Step Functions task (Distributed Map item): import one part of a big CSV upload."""

from aws_lambda_powertools import Logger

from timeport.jobs.csv_chunks import import_chunk

logger = Logger()


@logger.inject_lambda_context
def handler(event: dict, context) -> dict:
    logger.append_keys(import_id=event["import_id"], chunk=event["chunk"])
    return import_chunk(event["user_id"], event["import_id"], event["chunk"])
