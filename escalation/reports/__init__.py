"""SLA compliance reports: figures over the SLA clocks (read through `sla.report_selectors`),
charts as inline SVG, CSV exports, the API and the monthly customer statement.

No models of its own: everything is read from the clocks (and, once they exist, from the
escalation records, see `escalations.py`)."""
