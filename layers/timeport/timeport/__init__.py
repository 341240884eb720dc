"""Timeport: the shared code of every Lambda function (domain, storage, sources, formats, jobs)."""
