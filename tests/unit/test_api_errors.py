"""How invalid requests are put into words (timeport.api.app.describe)."""

import pytest
from pydantic import ValidationError

from timeport.api.app import describe
from timeport.api.schemas import RestoreRequest


@pytest.mark.parametrize("body", [b"\x00", b"{", b"not json"])
def test_a_restore_body_that_is_not_json_is_described_not_a_crash(body):
    # Found by schemathesis: pydantic's own JSON parsing leaves `loc` empty, and describing
    # it raised IndexError, a 500 instead of a 400.
    with pytest.raises(ValidationError) as raised:
        RestoreRequest.model_validate_json(body)

    (message,) = [describe(error) for error in raised.value.errors()]
    assert message.startswith("The body is not valid JSON: ")
    assert "character" not in message


def test_the_position_is_named_when_validation_knows_it():
    error = {"type": "json_invalid", "loc": ("body", 7), "ctx": {"error": "Expecting value"}}

    assert describe(error) == "The body is not valid JSON: Expecting value (character 7)"
