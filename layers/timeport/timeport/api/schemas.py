"""Request bodies of the HTTP API, validated by the resolver and published in its OpenAPI."""

from datetime import date
from typing import Annotated, Literal

from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    StrictBool,
    model_validator,
)


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

    api_token: SecretStr = Field(max_length=512)
    start_date: date
    end_date: date


class TogglImportRequest(_SourceImportRequest):
    workspace_id: str = Field(pattern=r"^[0-9]{1,20}$")


class HarvestImportRequest(_SourceImportRequest):
    account_id: str = Field(pattern=r"^[0-9]{1,20}$")


def _whole_day(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"'{value}' is not a date in YYYY-MM-DD form") from None
    if len(value) != len("YYYY-MM-DD"):
        raise ValueError(f"'{value}' is not a date in YYYY-MM-DD form")
    if not 1970 <= int(value[:4]) <= 2100:
        raise ValueError(f"'{value}' is outside the years 1970-2100")
    return value


class ExportFilters(_Body):
    """Which data a filtered export holds. Days are whole days in the caller's time zone, both
    ends included."""

    include_time_entries: StrictBool = True
    include_projects: StrictBool = False
    include_expenses: StrictBool = False
    start_date: Annotated[str | None, AfterValidator(_whole_day)] = None
    end_date: Annotated[str | None, AfterValidator(_whole_day)] = None
    project_id: str | None = Field(default=None, min_length=1, max_length=64)
    billable_only: StrictBool = False
    all_users: StrictBool = False

    @model_validator(mode="after")
    def _consistent(self):
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValueError(f"end_date {self.end_date} is before start_date {self.start_date}")
        if not (self.include_time_entries or self.include_projects or self.include_expenses):
            raise ValueError(
                "include at least one of include_time_entries, include_projects, include_expenses"
            )
        return self


class FilteredExportRequest(_Body):
    format: Literal["json", "csv", "xlsx"] = "json"
    filters: ExportFilters = Field(default_factory=ExportFilters)


class RestoreRequest(_Body):
    upload_key: str = Field(min_length=1, max_length=300)


# The query parameters both histories take.
HISTORY_PAGE = 100
AllUsers = Annotated[bool, Query(alias="all", description="Every user's jobs (admins only)")]
PageSize = Annotated[int, Query(ge=1, le=HISTORY_PAGE, description="Jobs per page")]
PageBefore = Annotated[
    str | None, Query(max_length=40, description="The next_before of the page above")
]
