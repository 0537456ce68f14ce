"""Sending the outbox's messages: email through SMTP, SMS through an HTTP
gateway or a CSV file for a provider; phone calls left to the
telesecretariat.

- :mod:`~cosen.notify.config`: the TOML configuration (no secret in it);
- :mod:`~cosen.notify.policy`: retries with backoff, SMS quiet hours;
- :mod:`~cosen.notify.claims`: who sends a message, dead senders;
- :mod:`~cosen.notify.senders`: what a sender is, an attempt's outcome;
- :mod:`~cosen.notify.smtp`, :mod:`~cosen.notify.sms`: the senders;
- :mod:`~cosen.notify.loop`: :func:`send_due`, the sending loop;
- :mod:`~cosen.notify.status`: counts and lists, without personal data.

The producers (runs, answers) queue messages in the ledger's outbox in
the transaction that books; nothing here writes a message's text.
"""

from __future__ import annotations

from cosen.notify.config import NotifyConfig, NotifyConfigError, load_config
from cosen.notify.loop import SendReport, send_due
from cosen.notify.status import outbox_counts, outbox_status

__all__ = [
    "NotifyConfig",
    "NotifyConfigError",
    "SendReport",
    "load_config",
    "outbox_counts",
    "outbox_status",
    "send_due",
]
