"""Errors whose text is safe to show to the person who caused them."""
from __future__ import annotations

from typing import TypeVar

T = TypeVar("T")


class UserError(Exception):
    """Bad input from a person: the message says what was wrong and how to fix it."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class FormErrors(UserError):
    """Several field errors from one modal, keyed by the field (block) they belong to."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def present(found: T | None, gone: str) -> T:
    """What a lookup found, or a UserError saying (in `gone`) that it is not there any more."""
    if found is None:
        raise UserError(gone)
    return found
