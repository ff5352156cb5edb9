"""A faithful local Slack (Web API, Socket Mode, signed HTTP) and people who use it, for end-to-end tests."""
from tests.slack_double.double import SlackDouble
from tests.slack_double.http_client import HttpResult, SignedHttpClient
from tests.slack_double.payloads import event_envelope
from tests.slack_double.person import HttpTransport, NotOffered, Person, SocketModeTransport
from tests.slack_double.socket_mode import AckRecord, AckResult
from tests.slack_double.state import Message, RecordedCall

__all__ = ["AckRecord", "AckResult", "HttpResult", "HttpTransport", "Message", "NotOffered", "Person", "RecordedCall", "SignedHttpClient",
           "SlackDouble", "SocketModeTransport", "event_envelope"]
