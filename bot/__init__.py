"""Alliance Bot: a Slack bot for biopharma alliance teams."""
