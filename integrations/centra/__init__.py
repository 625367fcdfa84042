"""Centra (Integration API, GraphQL) as a sales channel: orders in, dispatches back."""
