"""AWS clients, one per service and process, made by botocore itself.

Not boto3: every function loads botocore anyway (pynamodb needs it), while `import boto3`
would add a third again to the cold start of functions that only answer a status.
"""

from functools import cache

from botocore.config import Config
from botocore.session import get_session

from timeport.settings import get_settings

# SigV4 presigning: its URLs carry X-Amz-Expires and work in every region.
_CONFIG = {"s3": Config(signature_version="s3v4")}


@cache
def aws_client(service: str):
    return get_session().create_client(
        service, region_name=get_settings().region, config=_CONFIG.get(service)
    )
