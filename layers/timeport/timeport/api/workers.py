"""Starting a worker function asynchronously (Lambda `Event` invoke), as API handlers do."""

import json
from functools import lru_cache

import boto3

from timeport.settings import get_settings


@lru_cache(maxsize=1)
def _lambda_client():
    return boto3.client("lambda", region_name=get_settings().region)


def invoke_async(function_name: str, payload: dict, lambda_client=None) -> None:
    client = lambda_client or _lambda_client()
    client.invoke(
        FunctionName=function_name, InvocationType="Event", Payload=json.dumps(payload).encode()
    )
