"""The local stack: template.yaml run in one process on moto, with no Docker and no AWS account."""
