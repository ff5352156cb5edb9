"""The Slack app manifest(s): source code the tests keep in step with what the app registers."""
