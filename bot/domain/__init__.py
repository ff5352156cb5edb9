"""The functional core: pure rules and values, no Slack, database or scheduler."""
