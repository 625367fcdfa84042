"""The consign store: mappings, the audit trail and unmatched warehouse events (SQLModel)."""
