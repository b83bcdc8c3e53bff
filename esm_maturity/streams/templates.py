"""Streams to start from: each a list of step names and outputs (editable seed data); the caller assigns
the departments, because only the organisation knows who owns what.

After ServiceNow's onboarding lifecycle event (onboard), ITIL 4's request and incident value streams
(request, incident) and the procure-to-pay cycle (sourcing, purchase, receipt, vendor bill, payment).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

from ..db import Database
from ..models import Actor, Quarter, ValidationError
from .commands import create_stream
from .records import CORE, ENABLING, Saved, StepInput, StreamInput


@dataclass(frozen=True)
class Template:
    key: str
    name: str
    kind: str
    trigger: str
    outcome: str
    consumer: str
    steps: tuple[tuple[str, str], ...]   # (step name, its output)


TEMPLATES: dict[str, Template] = {t.key: t for t in (
    Template("onboard", "Onboard a new employee", ENABLING, "Offer accepted", "New hire productive on day one",
             "New employee and their line manager",
             (("Prepare the contract and employee record", "Signed contract, employee record"),
              ("Arrange the workplace and access badge", "Desk and badge ready"),
              ("Provision laptop and accounts", "Working laptop, accounts and mail"),
              ("Grant security access and training", "Access rights, completed security training"),
              ("Welcome and first-week plan", "Onboarding plan agreed with the line manager"))),
    Template("request", "Request to fulfil", CORE, "A user asks for something", "The request is fulfilled",
             "Employees",
             (("Log and classify the request", "Request record"),
              ("Approve the request", "Approval decision"),
              ("Fulfil the request", "Delivered item or service"),
              ("Confirm and close", "Confirmed, closed request"))),
    Template("procure", "Procure to pay", ENABLING, "A need to buy", "The supplier is paid on time",
             "Budget holders and suppliers",
             (("Source a supplier", "Chosen supplier and quote"),
              ("Raise the purchase order", "Approved purchase order"),
              ("Receive the goods or service", "Goods receipt"),
              ("Match the vendor bill", "Matched, approved invoice"),
              ("Pay the supplier", "Payment made"))),
    Template("incident", "Incident to resolution", CORE, "Something stopped working", "Service restored",
             "Employees and customers",
             (("Detect and log the incident", "Incident record"),
              ("Triage and assign", "Priority and assigned team"),
              ("Diagnose", "Known cause or workaround"),
              ("Resolve and recover", "Service restored"),
              ("Close and review", "Closed incident, lessons noted"))),
)}


def template_steps(template: Template, departments: Sequence[str | None] | Mapping[int, str | None] = ()) -> \
        list[StepInput]:
    """The template's steps as StepInputs, with `departments` assigned: a list aligned with the steps (None or
    missing: not assigned yet) or {position (1..n): department}."""
    if isinstance(departments, Mapping):
        wrong = [p for p in departments if not isinstance(p, int) or not 1 <= p <= len(template.steps)]
        if wrong:
            raise ValidationError(f"the template has steps 1 to {len(template.steps)}, not {wrong}", "departments")
        owners = [departments.get(i) for i in range(1, len(template.steps) + 1)]
    else:
        if len(departments) > len(template.steps):
            raise ValidationError(f"the template has {len(template.steps)} steps, not {len(departments)}",
                                  "departments")
        owners = list(departments) + [None] * (len(template.steps) - len(departments))
    return [StepInput(name, owner, (), 1.0, None, output) for (name, output), owner in zip(template.steps, owners)]


def create_from_template(db: Database, actor: Actor, key: str,
                         departments: Sequence[str | None] | Mapping[int, str | None] = (), *,
                         name: str | None = None, owner: str | None = None, champion: str | None = None,
                         from_quarter: Quarter | str | None = None) -> Saved:
    """A new stream from template `key` (TEMPLATES), its steps owned by `departments` (see template_steps);
    a step left unassigned is a warning until someone assigns it. Same permissions as create_stream."""
    if key not in TEMPLATES:
        raise ValidationError(f"there is no template {key!r}; use one of {', '.join(TEMPLATES)}", "template")
    t = TEMPLATES[key]
    data = StreamInput(name=name or t.name, kind=t.kind, trigger=t.trigger, outcome=t.outcome, consumer=t.consumer,
                       owner=owner, champion=champion)
    return create_stream(db, actor, data, template_steps(t, departments), from_quarter=from_quarter)
