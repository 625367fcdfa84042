"""A stateful simulator of Centra's Integration API (GraphQL), events queue and webhooks."""
