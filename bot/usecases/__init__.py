"""What a person or the scheduler does, one module per feature: handlers and scheduler jobs both call these.

Each function loads what it needs once, lets the domain decide, stores in short transactions, and
returns what to show (a message as `(text, blocks)`) or what happened; Slack is called only after
the transaction has committed. Listeners in `handlers/` are thin: ack, parse, call one use case,
answer. See docs/architecture.md.
"""
