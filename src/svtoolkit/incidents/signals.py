"""What incidents tell the apps above them, which incidents itself must not import."""

from django.dispatch import Signal

# Sent inside the transaction of a categorisation, with incident, categorisation, by and request: the alerts
# app runs the partnership's launch protocol on it (the partners that the category calls for are informed).
incident_categorised = Signal()

# Sent inside the transaction that names a lead (the first or a handover), with incident, lead (the
# LeadAssignment), by and request: for an incident raised as an alert, the alerts app takes it as the lead
# taken, and runs the launch protocol if the incident is categorised already.
lead_named = Signal()

# Sent inside the transaction that adds or lifts a police measure at a scene, with ``incident``, ``measure``
# (a SceneMeasure), ``change`` ("added" or "lifted") and ``by``: the alerts app queues, in that transaction,
# the update to the incident's alert recipients (selectors.measures_summary: the measures still current, one a
# line), so the update is kept exactly when the change is.
measure_changed = Signal()

# Sent inside the transaction in which an organisation stops taking part in an incident (its Participation
# deleted), with ``incident``, ``organisation``, ``by`` and ``request``: incidents' own receiver takes its
# members who no longer see the incident off the need-to-know lists; the communications app withdraws its
# sign-offs still awaited on the incident's messages.
stopped_taking_part = Signal()

# Sent inside the transaction of a new fact about an incident (a person affected, a police declaration, a
# school, a hospital stay, a scene, its types corrected), with ``incident`` and ``by``: the alerts app runs
# the launch protocol again, as the fact may call for partners not told yet.
facts_changed = Signal()

# Sent inside the transaction that closes an incident, with ``incident`` and ``by``: the alerts app withdraws
# the texts and emails still waiting of an alert nobody acknowledged (nobody more is alerted once closed), and
# the regions app those telling the region's duty contacts it was raised.
incident_closed = Signal()
