"""Types of decision an alliance's bodies take, as templates: the body that usually takes it, how long it stays open, and
what the proposal must state.

The five are the ones alliance agreements name most (a JSC resolution, budget approval, an amendment of the development
plan, publication approval, a supply decision). A template fills the form's defaults; the person starting a decision can
change the body and the deadline. The fields are asked for in the form and kept in the decision's background, so that
every reader (and the export) sees them with the proposal.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.domain.errors import FormErrors

FIELD_MAX = 300


@dataclass(frozen=True)
class TypeField:
    """A fact the proposal of this type must state."""

    key: str
    label: str
    placeholder: str


@dataclass(frozen=True)
class DecisionType:
    """A template: `bodies` are the usual deciders, the first the alliance has is chosen; the deadline is in business days."""

    key: str
    label: str
    bodies: tuple[str, ...]
    deadline_days: int
    fields: tuple[TypeField, ...] = ()


TYPES: tuple[DecisionType, ...] = (
    DecisionType("jsc_resolution", "JSC resolution", ("JSC",), 10),
    DecisionType("budget_approval", "Budget approval", ("JSC", "JFC", "Finance"), 10, (
        TypeField("amount", "Amount and currency", "e.g. USD 2.4M"),
        TypeField("period", "Budget period", "e.g. FY2027 or Q1–Q2 2027"))),
    DecisionType("development_plan_amendment", "Development plan amendment", ("JDC", "JSC"), 15, (
        TypeField("section", "Part of the development plan it amends", "e.g. 4.2 Phase 2 study design"),)),
    DecisionType("publication_approval", "Publication approval", ("JDC", "JPC", "JSC"), 20, (
        TypeField("publication", "Manuscript or abstract (link)", "https://…"),
        TypeField("venue", "Journal or congress, and its deadline", "e.g. ASCO 2027, abstracts due 3 Feb"))),
    DecisionType("supply_decision", "Supply decision", ("JMC", "CMC", "JSC"), 10, (
        TypeField("product", "Product, strength and quantity", "e.g. 12,000 vials of 50 mg"),
        TypeField("delivery", "Delivery date or period", "e.g. by 30 June 2027"))),
)
BY_KEY: Mapping[str, DecisionType] = {t.key: t for t in TYPES}


def type_of(key: str | None) -> DecisionType | None:
    """The template called `key` (None: no type; an unknown key is also None, e.g. a type retired since)."""
    return BY_KEY.get(key or "")


def default_body(kind: DecisionType, bodies: Sequence[str]) -> str | None:
    """The first of the template's usual bodies the alliance has; else its only body, if it has just one."""
    found = next((name for wanted in kind.bodies for name in bodies if name.casefold() == wanted.casefold()), None)
    return found or (bodies[0] if len(bodies) == 1 else None)


def check_fields(kind: DecisionType, given: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """(label, value) of every field of the type, or `FormErrors` keyed by the field's key for those left empty."""
    errors: dict[str, str] = {}
    out: list[tuple[str, str]] = []
    for field in kind.fields:
        value = " ".join((given.get(field.key) or "").split())
        if not value:
            errors[field.key] = f"A {kind.label.lower()} states this: {field.label.lower()}."
        elif len(value) > FIELD_MAX:
            errors[field.key] = f"Keep it under {FIELD_MAX} characters; link the detail as a pre-read."
        out.append((field.label, value))
    if errors:
        raise FormErrors(errors)
    return tuple(out)


def background_with(fields: Sequence[tuple[str, str]], background: str | None) -> str | None:
    """The decision's background with the type's facts first, one per line."""
    lines = [f"*{label}:* {value}" for label, value in fields]
    text = "\n".join([*lines, *([background] if background else [])])
    return text or None
