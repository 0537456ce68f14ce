"""The ledger: what is booked, confirmed, declined, between runs."""
