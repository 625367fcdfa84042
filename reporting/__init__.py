"""What the daily report, the health monitor and `consign` read about the running system:
gathered from Temporal's visibility and queries and the store, and rendered."""
