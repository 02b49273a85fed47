from __future__ import annotations

import pickle
import warnings

import pytest

from compat import (
    ApiError,
    CompatError,
    FieldTooLongError,
    LegacyEndpointWarning,
    MissingFieldError,
    RequestFailed,
    Result,
    ResultUnknown,
    SignatureError,
    TranslationError,
    TranslationWarning,
    TransportError,
    ValidationError,
)


@pytest.mark.parametrize(
    ("cls", "bases"),
    [
        (ValidationError, (CompatError, ValueError)),
        (MissingFieldError, (ValidationError,)),
        (FieldTooLongError, (ValidationError,)),
        (TranslationError, (CompatError, ValueError)),
        (ApiError, (CompatError,)),
        (RequestFailed, (ApiError,)),
        (ResultUnknown, (ApiError,)),
        (TransportError, (CompatError,)),
        (CompatError, (Exception,)),
        (LegacyEndpointWarning, (DeprecationWarning,)),
        (TranslationWarning, (UserWarning,)),
    ],
)
def test_hierarchy(cls: type[BaseException], bases: tuple[type[BaseException], ...]) -> None:
    for base in bases:
        assert issubclass(cls, base)


@pytest.mark.parametrize(
    "error",
    [
        ValidationError("m", endpoint="send", field="appId"),
        MissingFieldError("m", endpoint="sendInbox", field="redirectUrl"),
        FieldTooLongError("m", endpoint="send", field="requestId", limit=64, length=65),
        TranslationError("m", endpoint="sendByAccessToken", field="redirectUrl"),
        RequestFailed("m", result=Result("F", "PARAM_ILLEGAL"), request_id="r1"),
        ResultUnknown("m", result=Result("U", "UNKNOWN_EXCEPTION"), request_id="r1"),
        TransportError("m", request_id="r1"),
        SignatureError("m", request_id="r1"),
    ],
)
def test_errors_survive_pickling_with_their_context(error: CompatError) -> None:
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert str(copy) == str(error)
    assert copy.__dict__ == error.__dict__


def test_warning_categories_can_be_filtered_by_name() -> None:
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("ignore")
        warnings.filterwarnings("always", category=LegacyEndpointWarning)
        warnings.warn("legacy", LegacyEndpointWarning, stacklevel=1)
        warnings.warn("plain", DeprecationWarning, stacklevel=1)
    assert [str(w.message) for w in seen] == ["legacy"]
