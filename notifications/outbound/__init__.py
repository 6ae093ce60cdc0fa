"""The outbound core: notification rows (the outbox), their per-transport deliveries and the
transports. It knows nothing of tickets, SLA or escalation: callers hand it text and a link."""
