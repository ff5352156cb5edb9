"""What Slack does with the app's answer to a view_submission (response_action errors/update/push/clear)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.slack_double.blockkit import Invalid, validate_view
from tests.slack_double.web_views import MAX_VIEW_STACK

if TYPE_CHECKING:
    from tests.slack_double.double import SlackDouble
    from tests.slack_double.socket_mode import AckResult


def _valid(view: Any, action: str) -> dict[str, Any]:
    try:
        validate_view(view)
    except Invalid as problem:
        # Real Slack keeps the modal open and shows the person a generic error; a test should hear why.
        raise AssertionError(f"response_action {action} carried a view Slack would refuse: {problem}") from problem
    return view


def apply_submission_ack(double: SlackDouble, user_id: str, view: dict[str, Any], result: AckResult) -> None:
    """Errors or no ack: the modal stays. update: replaced in place. push: stacked. clear: all closed. Else: top closed."""
    body = result.payload or {}
    action = body.get("response_action")
    if not result.acked or action == "errors":
        if action == "errors":
            input_ids = {b.get("block_id") for b in view.get("blocks", []) if b.get("type") == "input"}
            errors = body.get("errors") or {}
            stray = sorted(set(errors) - input_ids)
            if not errors or stray:
                raise AssertionError(f"response_action errors must name input block_ids {sorted(input_ids)}; got {sorted(errors)}")
        return
    # The app answered as the installation the submission was delivered to: the one that opened the view.
    installed = view.get("app_installed_team_id") or double.team_id
    with double.ws.lock:
        stack = double.ws.view_stacks.setdefault(user_id, [])
        if action == "update":
            double.api.store_view(_valid(body.get("view"), action), user_id, view_id=view["id"],
                                  previous=view.get("previous_view_id"), root=view.get("root_view_id"), team_id=installed)
        elif action == "push":
            if len(stack) >= MAX_VIEW_STACK:
                raise AssertionError("response_action push beyond Slack's limit of 3 stacked modals")
            pushed = double.api.store_view(_valid(body.get("view"), action), user_id, previous=view["id"], root=view.get("root_view_id"),
                                           team_id=installed)
            stack.append(pushed["id"])
        elif action == "clear":
            stack.clear()
        elif stack and stack[-1] == view["id"]:
            stack.pop()
