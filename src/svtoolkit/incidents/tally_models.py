"""The running totals behind the regional and partnership figures: one row per incident saying what it adds to
the counts (``IncidentTally``), the counts themselves by partnership, month and incident type
(``MonthlyTally``), and the partnership dashboard's counts by the month they fall in (``DashboardTally``).
Services keep them in the transaction of every change that moves a count (svtoolkit.incidents.tallies);
``rebuild_tallies`` counts them again from the records."""

from django.db import models

# The counters both tables of counts keep (``ResponseAndActionCounts``).
RESPONSE_AND_ACTION_COUNTERS = (
    "with_meeting",
    "seconds_to_meeting",
    "with_informed",
    "seconds_to_informed",
    "actions_on_time",
    "actions_late",
    "actions_open",
)
# The counters of a month's row: summed over incidents by the figures, each kept by atomic increments.
COUNTERS = ("incidents", "still_open", "serious_violence", *RESPONSE_AND_ACTION_COUNTERS, "tension_alerts")
ALL_TYPES = ""  # the incident_type of the month's row counting every incident once, whatever its types


class IncidentTally(models.Model):
    """What one incident adds to its partnership's month: written with the counts, so a change knows what to
    take away. ``month`` is empty for an incident that counts nowhere (an exercise)."""

    incident = models.OneToOneField(
        "incidents.Incident", on_delete=models.CASCADE, primary_key=True, related_name="tally"
    )
    partnership = models.ForeignKey("partnerships.Partnership", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(null=True)
    incident_types = models.JSONField(default=list)
    still_open = models.BooleanField(default=False)
    serious_violence = models.BooleanField(default=False)
    with_meeting = models.BooleanField(default=False)
    seconds_to_meeting = models.BigIntegerField(default=0)
    with_informed = models.BooleanField(default=False)
    seconds_to_informed = models.BigIntegerField(default=0)
    # Plan actions (not those marked not needed) by how they stand, whatever their due time: the figures
    # take away those not yet due when they read.
    actions_on_time = models.PositiveIntegerField(default=0)
    actions_late = models.PositiveIntegerField(default=0)
    actions_open = models.PositiveIntegerField(default=0)
    # Tension readings of the incident at or above the scale's alert level.
    tension_alerts = models.PositiveIntegerField(default=0)
    # What the partnership dashboard counts by another month than the one the incident occurred in: the
    # month the partnership was notified (response times), and the incident's actions by the month they
    # are due, as {"YYYY-MM-01": [done on time, done late, still open]} (those not needed left out).
    notified_month = models.DateField(null=True)
    actions_by_due_month = models.JSONField(blank=True, default=dict)

    def __str__(self):
        return f"Tally of incident {self.incident_id}"


class ResponseAndActionCounts(models.Model):
    """The counters both tables of counts keep: response times (incidents with a first critical-incident
    meeting or a first partner informed, and the seconds from notification to each) and plan actions by how
    they stand."""

    with_meeting = models.IntegerField(default=0)
    seconds_to_meeting = models.BigIntegerField(default=0)
    with_informed = models.IntegerField(default=0)
    seconds_to_informed = models.BigIntegerField(default=0)
    actions_on_time = models.IntegerField(default=0)
    actions_late = models.IntegerField(default=0)
    actions_open = models.IntegerField(default=0)

    class Meta:
        abstract = True


class MonthlyTally(ResponseAndActionCounts):
    """A partnership's incidents that occurred in one month (local time): the row with ``incident_type`` ""
    counts every incident once with all the counters; a row per type counts the incidents of that type."""

    partnership = models.ForeignKey("partnerships.Partnership", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    incident_type = models.CharField(max_length=64, blank=True)
    incidents = models.IntegerField(default=0)
    still_open = models.IntegerField(default=0)
    serious_violence = models.IntegerField(default=0)
    tension_alerts = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "month", "incident_type"], name="monthly_tally_unique"
            )
        ]

    def __str__(self):
        return f"{self.partnership_id} {self.month:%Y-%m} {self.incident_type or 'all types'}"


# The counters of a dashboard row: response times of the incidents notified in its month, and the actions due
# in its month by how they stand.
DASHBOARD_COUNTERS = ("notified", *RESPONSE_AND_ACTION_COUNTERS)


class DashboardTally(ResponseAndActionCounts):
    """The partnership dashboard's counts for the incidents that occurred in month ``occurred`` (local time:
    the dashboard's period chooses incidents by when they occurred), by the month each count falls in
    (``month``): incidents notified in it with their response times, and actions due in it by how they stand.
    The row with ``incident_type`` "" counts every incident once; a row per type counts the incidents of that
    type with every counter, for the dashboard filtered by type."""

    partnership = models.ForeignKey("partnerships.Partnership", on_delete=models.CASCADE, related_name="+")
    occurred = models.DateField()
    incident_type = models.CharField(max_length=64, blank=True)
    month = models.DateField()
    notified = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "incident_type", "occurred", "month"], name="dashboard_tally_unique"
            )
        ]

    def __str__(self):
        return (
            f"{self.partnership_id} occurred {self.occurred:%Y-%m} {self.incident_type or 'all types'} "
            f"in {self.month:%Y-%m}"
        )
