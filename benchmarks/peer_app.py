"""The peer floor for the vote-burst benchmark: a minimal Bolt app doing a Support click's job.

It posts one message with a *Support* button; a click stores the vote (one committed INSERT, the
same database engine settings as the bot) and only then acks; the message shows the count,
updated at most once per 1.2 s (Slack's chat.update budget), as any careful small app would.
Nothing else: no alliance, no partners, no checks of who may vote, no group commit. Its `/peer`
command only acks (benchmarks/slow_clients.py). Over HTTP it is served as Bolt's documentation
shows, by `waitress.create_server` with waitress's defaults.

Run by benchmarks/consensus_burst.py as its own process:
    SLACK_BOT_TOKEN=… SLACK_API_URL=… PEER_CHANNEL=C… DATABASE_URL=… [SLACK_APP_TOKEN=… | PEER_PORT=…]
    python -m benchmarks.peer_app
"""
from __future__ import annotations

import os
import signal
import threading
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlalchemy import text

from storage.db import make_engine

UPDATE_INTERVAL = 1.2


def main() -> None:
    env = os.environ
    channel = env["PEER_CHANNEL"]
    engine = make_engine(env["DATABASE_URL"])
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE IF NOT EXISTS peer_votes (voter VARCHAR(32) PRIMARY KEY, level VARCHAR(16) NOT NULL)"))
    client = WebClient(token=env["SLACK_BOT_TOKEN"], base_url=env["SLACK_API_URL"])
    app = App(client=client, signing_secret=env.get("SLACK_SIGNING_SECRET", "unused"), token_verification_enabled=False)
    ts = client.chat_postMessage(channel=channel, text="Support 0", blocks=message(0))["ts"]
    pending = threading.Lock()
    scheduled: list[threading.Timer] = []

    def update() -> None:
        with pending:
            scheduled.clear()
        with engine.connect() as connection:
            count = connection.execute(text("SELECT count(*) FROM peer_votes")).scalar_one()
        client.chat_update(channel=channel, ts=ts, text=f"Support {count}", blocks=message(count))

    @app.action("peer_support")
    def support(ack: Ack, body: dict[str, Any]) -> None:
        insert = ("INSERT INTO peer_votes (voter, level) VALUES (:voter, 'support') ON CONFLICT (voter) DO NOTHING")
        with engine.begin() as connection:
            connection.execute(text(insert), {"voter": body["user"]["id"]})
        ack()
        with pending:
            if not scheduled:
                timer = threading.Timer(UPDATE_INTERVAL, update)
                scheduled.append(timer)
                timer.start()

    @app.command("/peer")
    def command(ack: Ack) -> None:
        """A command that only acks: the floor for benchmarks/slow_clients.py."""
        ack()

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    if env.get("SLACK_APP_TOKEN"):
        from bot.slack_edge.socket_mode import SocketModeConnection

        connection = SocketModeConnection(app, env["SLACK_APP_TOKEN"], env["SLACK_API_URL"])
        connection.connect()
        stop.wait()
        connection.close()
    else:
        import waitress
        from slack_bolt.adapter.wsgi import SlackRequestHandler

        server = waitress.create_server(SlackRequestHandler(app), host="127.0.0.1", port=int(env["PEER_PORT"]), threads=16)
        threading.Thread(target=server.run, daemon=True).start()
        stop.wait()
        server.close()


def message(count: int) -> list[dict[str, Any]]:
    return [{"type": "section", "text": {"type": "mrkdwn", "text": f"Approve the 2027 budget · Support {count}"}},
            {"type": "actions", "elements": [{"type": "button", "action_id": "peer_support", "text": {"type": "plain_text", "text": "Support"},
                                              "value": "1", "style": "primary"}]}]


if __name__ == "__main__":
    main()
