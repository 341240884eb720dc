"""Request bodies of the HTTP API, validated by the resolver and published in its OpenAPI."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CreateUserRequest(_Body):
    username: str = Field(min_length=1, max_length=64)
    email: str = Field(min_length=3, max_length=320)
    role: Literal["user", "admin"] = "user"
    timezone: str = Field(default="UTC", min_length=1, max_length=64)


class CsvUploadUrlRequest(_Body):
    filename: str = Field(min_length=1, max_length=255)


class GdprExportRequest(_Body):
    format: Literal["json", "zip"] = "json"
