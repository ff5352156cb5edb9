"""Block Kit builders: pure functions from domain state to Slack JSON."""
