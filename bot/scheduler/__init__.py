"""The scheduler: it only ticks; what is due lives in the database."""
from bot.scheduler.runner import Scheduler
from bot.scheduler.work import MAX_ATTEMPTS, Failed, Outcome, RetryLater, Sender, Sent, backoff, run_sender, settle

__all__ = ["MAX_ATTEMPTS", "Failed", "Outcome", "RetryLater", "Scheduler", "Sender", "Sent", "backoff", "run_sender", "settle"]
