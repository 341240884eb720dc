"""Request bodies of the HTTP API, validated by the resolver and published in its OpenAPI."""

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr


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


class _SourceImportRequest(_Body):
    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)

    api_token: SecretStr = Field(min_length=1, max_length=512)
    start_date: date
    end_date: date


class TogglImportRequest(_SourceImportRequest):
    workspace_id: str = Field(pattern=r"^[0-9]{1,20}$")


class HarvestImportRequest(_SourceImportRequest):
    account_id: str = Field(pattern=r"^[0-9]{1,20}$")
