"""A local alert receiver: records what the Monitor's Apprise `json://` URL posts."""
