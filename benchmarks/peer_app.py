"""The peer floor for the benchmarks: a minimal Bolt app doing the same jobs as the bot, and nothing else.

- Start-up (benchmarks/startup.py): it creates its tables on the given database and connects over
  Socket Mode, or serves HTTP (with a /healthz answering 200, as the bot's runner does).
- `/alliance help` (benchmarks/ack_latency.py): it acks, then answers through the command's
  response_url with the same help text as the bot.
- `/action <text>` (benchmarks/actions.py): it acks, then stores the item (one committed INSERT;
  its row id is the short id A-n) and posts "Action item A-n: <text>" with chat.postMessage; on
  app_home_opened it publishes a Home tab listing the open items (60 of them and "…and N more").
- A vote click (benchmarks/consensus_burst.py, only when PEER_CHANNEL is set): it posts one message
  with a *Support* button; a click stores the vote (one committed INSERT, the same database engine
  settings as the bot) and only then acks; the message shows the count, updated at most once per
  1.2 s (Slack's chat.update budget), as any careful small app would.
No alliance, no partners, no checks of who may do what, no group commit, no reminders, no time zones.

Run by the benchmarks as its own process:
    SLACK_BOT_TOKEN=… SLACK_API_URL=… DATABASE_URL=… [PEER_CHANNEL=C…] [SLACK_APP_TOKEN=… | PEER_PORT=…]
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
    engine = make_engine(env["DATABASE_URL"])
    serial = "SERIAL" if engine.dialect.name == "postgresql" else "INTEGER"
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE IF NOT EXISTS peer_votes (voter VARCHAR(32) PRIMARY KEY, level VARCHAR(16) NOT NULL)"))
        connection.execute(text(f"CREATE TABLE IF NOT EXISTS peer_items (id {serial} PRIMARY KEY, channel VARCHAR(32) NOT NULL, "
                                "creator VARCHAR(32) NOT NULL, body TEXT NOT NULL)"))
    client = WebClient(token=env["SLACK_BOT_TOKEN"], base_url=env["SLACK_API_URL"])
    app = App(client=client, signing_secret=env.get("SLACK_SIGNING_SECRET", "unused"), token_verification_enabled=False)
    if env.get("PEER_CHANNEL"):
        votes(app, engine, client, env["PEER_CHANNEL"])
    commands(app, engine)

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

        bolt = SlackRequestHandler(app)

        def wsgi(environ: dict[str, Any], start_response: Any) -> Any:
            if environ.get("PATH_INFO") == "/healthz":  # what the benchmarks poll, as on the bot's runner
                start_response("200 OK", [("Content-Type", "text/plain")])
                return [b"ok"]
            return bolt(environ, start_response)

        server = waitress.create_server(wsgi, host="127.0.0.1", port=int(env["PEER_PORT"]), threads=16)
        threading.Thread(target=server.run, daemon=True).start()
        stop.wait()
        server.close()


def votes(app: App, engine: Any, client: WebClient, channel: str) -> None:
    """The vote message and its Support button."""
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


def commands(app: App, engine: Any) -> None:
    """`/alliance help`, `/action <text>` and the Home tab, each doing its job the shortest way."""
    from bot.views.alliance import help_message

    @app.command("/alliance")
    def alliance(ack: Ack, respond: Any) -> None:
        ack()
        help_text, blocks = help_message()
        respond(text=help_text, blocks=blocks, response_type="ephemeral")

    @app.command("/action")
    def action(ack: Ack, command: dict[str, Any], client: WebClient) -> None:
        ack()
        with engine.begin() as connection:
            item = connection.execute(text("INSERT INTO peer_items (channel, creator, body) VALUES (:channel, :creator, :body) RETURNING id"),
                                      {"channel": command["channel_id"], "creator": command["user_id"], "body": command["text"]}).scalar_one()
        client.chat_postMessage(channel=command["channel_id"], text=f"Action item A-{item}: {command['text']}",
                                blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": f":pushpin: *A-{item}* {command['text']}"}}])

    @app.event("app_home_opened")
    def home(event: dict[str, Any], client: WebClient) -> None:
        with engine.connect() as connection:
            items = connection.execute(text("SELECT id, body FROM peer_items ORDER BY id")).all()
        blocks: list[dict[str, Any]] = [{"type": "header", "text": {"type": "plain_text", "text": "Open action items"}}]
        blocks += [{"type": "section", "text": {"type": "mrkdwn", "text": f"*A-{i}* {body}"}} for i, body in items[:60]]
        if len(items) > 60:
            blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": f"…and {len(items) - 60} more"}]})
        client.views_publish(user_id=event["user"], view={"type": "home", "blocks": blocks})


def message(count: int) -> list[dict[str, Any]]:
    return [{"type": "section", "text": {"type": "mrkdwn", "text": f"Approve the 2027 budget · Support {count}"}},
            {"type": "actions", "elements": [{"type": "button", "action_id": "peer_support", "text": {"type": "plain_text", "text": "Support"},
                                              "value": "1", "style": "primary"}]}]


if __name__ == "__main__":
    main()
