"""Magento's Web API errors: an exception per refusal, rendered as the ``error-response`` body.

Messages are Magento's templates (``%1``, ``%fieldName``) with their parameters kept apart, exactly as
the REST layer returns them: an object for named placeholders, a list for numbered ones.
"""

from __future__ import annotations

from typing import Any

ENTITY_NOT_FOUND = "The entity that was requested doesn't exist. Verify the entity and try again."
PRODUCT_NOT_FOUND = "The product that was requested doesn't exist. Verify the product and try again."
NO_SUCH_ENTITY_FIELD = "No such entity with %fieldName = %fieldValue"
REQUIRED_FIELD = "%fieldName is a required field."
INPUT_REQUIRED = '"%fieldName" is required. Enter and try again.'
ONE_OR_MORE_INPUT = "One or more input exceptions have occurred."
NOT_AUTHORIZED = "The consumer isn't authorized to access %resources."
BAD_SIGN_IN = (
    "The account sign-in was incorrect or your account is disabled temporarily. "
    "Please wait and try again later."
)
INTERNAL_ERROR = "Internal Error. Details are available in Magento log file. Report ID: %1"
ROUTE_NOT_FOUND = "Request does not match any route."

Parameters = dict[str, Any] | list[Any] | None


class WebapiError(Exception):
    """A refusal Magento's REST layer would answer with ``status`` and an ``error-response`` body."""

    def __init__(
        self,
        status: int,
        message: str,
        parameters: Parameters = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.parameters = parameters
        self.errors = errors

    def body(self) -> dict[str, Any]:
        """The JSON body: ``message`` always, ``parameters``/``errors`` only when Magento sends them."""
        body: dict[str, Any] = {"message": self.message}
        if self.errors:
            body["errors"] = self.errors
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def entity_not_found() -> WebapiError:
    return WebapiError(404, ENTITY_NOT_FOUND)


def no_such_entity(field: str, value: Any) -> WebapiError:
    return WebapiError(404, NO_SUCH_ENTITY_FIELD, {"fieldName": field, "fieldValue": value})


def required_field(field: str) -> WebapiError:
    return WebapiError(400, REQUIRED_FIELD, {"fieldName": field})


def missing_inputs(fields: list[str]) -> WebapiError:
    """Magento's ``InputException``: one message for one field, an aggregate with ``errors`` for more."""
    if len(fields) == 1:
        return WebapiError(400, INPUT_REQUIRED, {"fieldName": fields[0]})
    errors = [{"message": INPUT_REQUIRED, "parameters": {"fieldName": name}} for name in fields]
    return WebapiError(400, ONE_OR_MORE_INPUT, errors=errors)


def not_authorized(resource: str) -> WebapiError:
    return WebapiError(401, NOT_AUTHORIZED, {"resources": resource})


def bad_request(message: str, parameters: Parameters = None) -> WebapiError:
    return WebapiError(400, message, parameters)


def internal_error(report_id: str) -> WebapiError:
    """What production-mode Magento answers for an unexpected exception (e.g. an unknown column)."""
    return WebapiError(500, INTERNAL_ERROR.replace("%1", report_id))
