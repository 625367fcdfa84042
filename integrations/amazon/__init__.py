"""Amazon Selling Partner API client: LWA auth, Orders (v2026-01-01 default, v0 fallback),
v0 confirmShipment, usage-plan task queues. Activities call `build_amazon_client`."""
