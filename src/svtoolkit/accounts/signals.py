"""What accounts tells the apps above it, which accounts itself must not import."""

from django.dispatch import Signal

# Sent inside the transaction of a member's removal, before the membership is deleted, with membership, by
# and request: the incidents app takes the person off the need-to-know lists they no longer qualify for.
member_removed = Signal()

# Sent inside the transaction of a change of a member's role or organisation, after it, with membership, by
# and request: the incidents app takes the person off the lists of incidents they no longer see.
membership_changed = Signal()
