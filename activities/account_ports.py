"""Ports per channel account: an activity finds its port by the (channel, account) its input
names, so two sellers of one channel never share a client, a token or a pacer."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from temporalio.exceptions import ApplicationError

from activities.errors import classify
from domain.exceptions import ConsignError, ExceptionKind

P = TypeVar("P")
AccountKey = tuple[str, str]  # (channel, account)


def port_of(ports: Mapping[AccountKey, P], channel: str, account: str, what: str) -> P:
    """The account's port; UNKNOWN_ACCOUNT (never retried: the same worker answers the same)
    when this worker has no such account, naming it."""
    port = ports.get((channel, account))
    if port is None:
        raise unknown_account(channel, account, what)
    return port


def unknown_account(channel: str, account: str, what: str) -> ApplicationError:
    return classify(
        ConsignError(
            ExceptionKind.UNKNOWN_ACCOUNT,
            f"no {what} for account {channel}:{account} on this worker "
            "(CONSIGN_ACCOUNTS_FILE, CONSIGN_ACCOUNTS)",
        )
    )


# The task queue an account's workflows run on (integrations.registry.account_queue): the
# activities that start a workflow for an account start it there.
QueueOf = Callable[[str, str], str]


def queue_of(task_queue: str | QueueOf) -> QueueOf:
    """A fixed queue for every account (one-account setups, tests), or the mapping itself."""
    if callable(task_queue):
        return task_queue
    return lambda channel, account: task_queue
