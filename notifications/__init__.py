"""Notifications: `outbound` (the outbox and its transports) and `inbound` (email intake)."""
