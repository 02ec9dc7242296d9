"""Checks on the shape of Magento's answers and on ids before they enter a URL.

An answer of the wrong shape is a malformed response (permanent), never a value passed on for the caller
to trip over later; a ``false`` where Magento means "refused" is a rejection, never a silent success.
"""

from __future__ import annotations

from typing import Any

from connector_worker.magento.errors import (
    MagentoCall,
    MagentoMalformedResponseError,
    MagentoRejectedError,
    make_error,
)


def positive_id(value: object) -> int:
    """A positive integer id, so nothing else ever lands in a URL path."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"not an id: {value!r}")
    text = str(value)
    if not text.isascii() or not text.isdigit() or int(text) < 1:
        raise ValueError(f"not an id: {value!r}")
    return int(text)


def malformed(method: str, path: str, what: str) -> MagentoMalformedResponseError:
    return make_error(
        MagentoMalformedResponseError, f"{method} {path}: Magento answered {what}", MagentoCall(method, path)
    )


def expect_dict(method: str, path: str, answer: Any) -> dict[str, Any]:
    if not isinstance(answer, dict):
        raise malformed(method, path, f"{type(answer).__name__} where an object was expected")
    return answer


def expect_list_of_dicts(method: str, path: str, answer: Any) -> list[dict[str, Any]]:
    if not isinstance(answer, list) or not all(isinstance(item, dict) for item in answer):
        raise malformed(method, path, "something other than a list of objects")
    return answer


def expect_int(method: str, path: str, answer: Any) -> int:
    """An id answer; Magento sends a JSON number, some proxies and plugins a numeric string."""
    if isinstance(answer, int) and not isinstance(answer, bool):
        return answer
    if isinstance(answer, str) and answer.isascii() and answer.isdigit():
        return int(answer)
    raise malformed(method, path, f"{answer!r} where an id was expected")


def expect_true(method: str, path: str, answer: Any, action: str) -> None:
    """Magento's boolean answers: ``false`` is a refusal (cancel when ``canCancel()`` is false)."""
    if answer is True:
        return
    if answer is False:
        raise make_error(
            MagentoRejectedError,
            f"Magento refused to {action} (it answered false)",
            MagentoCall(method, path, 200),
        )
    raise malformed(method, path, f"{answer!r} where true or false was expected")
