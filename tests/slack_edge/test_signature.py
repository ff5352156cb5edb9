"""Only Slack's own, fresh requests get through the HTTP edge."""
from __future__ import annotations

import hashlib
import hmac

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from slack_sdk.signature import SignatureVerifier

from bot.slack_edge.http_edge import signature_problem

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
NOW = 1_800_000_000


def sign(body: bytes, ts: str, secret: str = SECRET) -> str:
    return "v0=" + hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()


@pytest.mark.parametrize("skew", [-300, -1, 0, 1, 299, 300])
def test_fresh_signed_requests_pass_up_to_the_window_edge(skew: int) -> None:
    ts = str(NOW + skew)
    assert signature_problem(SECRET, ts, sign(b"a=1", ts), b"a=1", NOW) is None


@pytest.mark.parametrize(
    ("ts", "signature", "body"),
    [
        (str(NOW - 301), None, b"a=1"),  # stale
        (str(NOW + 301), None, b"a=1"),  # from the future
        ("abc", "v0=00", b"a=1"),  # what Bolt answers with a 500
        ("1800000000.5", None, b"a=1"),
        (" 1800000000", None, b"a=1"),
        ("", None, b"a=1"),
        (None, None, b"a=1"),
        (str(NOW), "v1=abc", b"a=1"),
        (str(NOW), "", b"a=1"),
    ],
)
def test_malformed_or_stale_requests_are_refused(ts: str | None, signature: str | None, body: bytes) -> None:
    signature = signature if signature is not None else sign(body, (ts or "").strip().split(".")[0] or "0")
    assert signature_problem(SECRET, ts, signature, body, NOW) is not None


def test_tampered_body_and_wrong_secret_are_refused() -> None:
    ts = str(NOW)
    assert signature_problem(SECRET, ts, sign(b"a=1", ts), b"a=2", NOW) == "signature mismatch"
    assert signature_problem(SECRET, ts, sign(b"a=1", ts, "other-secret"), b"a=1", NOW) == "signature mismatch"


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=300), ts_offset=st.integers(-1000, 1000), forged=st.booleans(), flip=st.booleans())
def test_agrees_with_slack_sdk_and_never_accepts_a_forgery(text: str, ts_offset: int, forged: bool, flip: bool) -> None:
    ts = str(NOW + ts_offset)
    body = text.encode()
    signature = sign(body, ts, "forger" if forged else SECRET)
    sent = body + b"x" if flip else body
    ours = signature_problem(SECRET, ts, signature, sent, NOW) is None
    verifier = SignatureVerifier(SECRET, clock=type("C", (), {"now": lambda self: float(NOW)})())
    theirs = verifier.is_valid(body=sent, timestamp=ts, signature=signature)
    assert ours == theirs
    if forged or flip:
        assert not ours


@settings(max_examples=200, deadline=None)
@given(body=st.binary(max_size=256), ts=st.one_of(st.none(), st.text(max_size=20)), signature=st.one_of(st.none(), st.text(max_size=80)))
def test_any_garbage_is_refused_without_crashing(body: bytes, ts: str | None, signature: str | None) -> None:
    assert signature_problem(SECRET, ts, signature, body, NOW) is not None
