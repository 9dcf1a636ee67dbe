"""What incidents tell the apps above them, which incidents itself must not import."""

from django.dispatch import Signal

# Sent inside the transaction of a categorisation, with incident, categorisation, by and request: the alerts
# app runs the partnership's launch protocol on it (the partners that the category calls for are informed).
incident_categorised = Signal()
