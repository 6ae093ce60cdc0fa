"""Inbound email: anymail webhooks, the raw store, and email -> ticket or reply through the
tickets services."""
