"""The scheduler: it only ticks; what is due lives in the database."""
from bot.scheduler.runner import Scheduler
from bot.scheduler.work import Failed, Outcome, RetryLater, Sender, Sent, backoff

__all__ = ["Failed", "Outcome", "RetryLater", "Scheduler", "Sender", "Sent", "backoff"]
