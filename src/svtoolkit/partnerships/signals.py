"""What partnerships tell the apps above them, which partnerships itself must not import."""

from django.dispatch import Signal

# Sent inside the transaction of ``services.move_to_region``, with ``partnership``, ``from_region`` and
# ``to_region`` (either may be None), ``by`` and ``request``: the regions app takes the fund's open
# applications to the new region, or withdraws them when there is none, withdraws the old region's open
# proposals to share an incident of the partnership or with it, and ends its incidents' shares with that
# region.
partnership_moved = Signal()

# Sent inside the transaction of ``services.deactivate_contact``, with ``contact``, ``by`` and ``request``:
# the incidents app stops the acknowledgement link sent to the contact (who may have left) from speaking for
# their organisation.
contact_deactivated = Signal()

# Sent inside the transaction of ``services.update_contact`` when the contact's email address changes, with
# ``contact``, ``by`` and ``request``: the incidents app stops the acknowledgement link sent to the old
# address (read by whoever has that mailbox now) from speaking for the organisation.
contact_readdressed = Signal()
