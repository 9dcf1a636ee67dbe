"""Scheduling meetings, inviting partners, and recording what a meeting decided and asked for."""

import uuid

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from svtoolkit.audit.models import AuditAction
from svtoolkit.audit.services import record_updated
from svtoolkit.core import downloads
from svtoolkit.core.datetimes import days_later_on_the_clock
from svtoolkit.core.errors import DomainError
from svtoolkit.incidents import history, tallies
from svtoolkit.incidents import services as incident_services
from svtoolkit.meetings import selectors
from svtoolkit.meetings.calendar import meeting_calendar, meeting_title
from svtoolkit.meetings.models import Attendance, Meeting, MeetingStatus
from svtoolkit.messaging import services as messaging


def check_where(*, place, online_link) -> None:
    """A meeting is somewhere: a place, an online link or both."""
    if not place.strip() and not online_link.strip():
        raise DomainError("Give a place or an online link.", field="place")


def check_starts_at(*, incident, starts_at) -> None:
    """A meeting cannot start before the incident happened (a mistyped year, say): held, it would make the
    time to the first meeting negative."""
    incident_services.check_not_before_incident(
        occurred_at=incident.occurred_at,
        at=starts_at,
        field="starts_at",
        message="A meeting cannot start before the incident happened: check the date.",
    )


@transaction.atomic
def schedule_meetings(
    *,
    incident,
    by,
    kind,
    starts_at,
    duration_minutes,
    place,
    online_link,
    chair,
    organisations,
    agenda,
    daily_for=1,
    then_weekly_for=0,
    request=None,
) -> list[Meeting]:
    """Schedule one meeting, or a series stepping down from daily to weekly, and queue the invitations."""
    incident_services.refuse_if_closed_meanwhile(incident)
    check_where(place=place, online_link=online_link)
    check_starts_at(incident=incident, starts_at=starts_at)
    # On the clock: a meeting at 10:00 stays at 10:00 when the clocks change during the series.
    days = [*range(daily_for), *(daily_for - 1 + 7 * week for week in range(1, then_weekly_for + 1))]
    starts = [days_later_on_the_clock(starts_at, day) for day in days]
    series = uuid.uuid4() if len(starts) > 1 else None
    meetings = []
    for start in starts:
        meeting = Meeting.objects.create(
            incident=incident,
            kind=kind,
            starts_at=start,
            duration_minutes=duration_minutes,
            place=place.strip(),
            online_link=online_link.strip(),
            chair=chair,
            agenda=agenda.strip(),
            series=series,
            created_by=by,
            uid=uuid.uuid4(),
        )
        meeting.invited_organisations.set(organisations)
        meetings.append(meeting)
        _send_invitation(meeting)
    first = meetings[0]
    text = f"{first.get_kind_display()} scheduled for {timezone.localtime(first.starts_at):%d %b %Y %H:%M}"
    if len(meetings) > 1:
        text += f", then {len(meetings) - 1} more in the series"
    text += "."
    not_reached = selectors.organisations_not_reached(first)
    if not_reached:
        names = ", ".join(organisation.name for organisation in not_reached)
        text += f" No contact with an email address for: {names}, so no invitation went to them."
    incident_services.log_change(incident=incident, by=by, text=text)
    history.audit_each(incident, by, AuditAction.CREATE, meetings, request)
    # No recount: a meeting planned is not counted in the response times until it is held (record_outcome).
    return meetings


def _send_invitation(meeting) -> None:
    """Email the invitation, with an .ics file that adds the meeting to a calendar; through GOV.UK Notify,
    which sends no files, it says how to add the meeting instead."""
    args = [meeting.incident_id, meeting.pk]
    _email_those_invited(
        meeting,
        [messaging.recipient_for_contact(contact) for contact in selectors.invited_contacts(meeting)],
        attendees=None,  # the calendar names the same contacts
        kind="meeting_invitation",
        subject=meeting_title(meeting),
        method="REQUEST",
        link=settings.SITE_URL + reverse("meetings:meeting", args=args),
        calendar_link=settings.SITE_URL + reverse("meetings:calendar", args=args),
    )


def _send_cancellation(meeting) -> None:
    """Email those invited that the meeting is off, with an .ics file that removes it from their calendar
    (through GOV.UK Notify, which sends no files, asking them to remove it): those the invitation went to,
    though their organisation's contact has changed since."""
    invited = messaging.recipients_of(dedupe_key=_dedupe_key("meeting_invitation", meeting))
    _email_those_invited(
        meeting,
        invited,
        attendees=[(recipient.email, recipient.label) for recipient in invited if recipient.email],
        kind="meeting_cancellation",
        subject=f"Cancelled: {meeting_title(meeting)}",
        method="CANCEL",
    )


# The email of each kind: its template, and the name of the calendar file it carries.
_CALENDAR_EMAILS = {
    "meeting_invitation": ("meetings/email/invitation.txt", "invite.ics"),
    "meeting_cancellation": ("meetings/email/cancellation.txt", "cancel.ics"),
}


def _dedupe_key(kind: str, meeting) -> str:
    """The key of the meeting's email of this kind: it is sent once, and the cancellation finds by it those
    the invitation went to."""
    return f"{kind.replace('_', '-')}:{meeting.pk}"


def _email_those_invited(
    meeting, recipients, *, attendees, kind: str, subject: str, method: str, **context
) -> None:
    template, file_name = _CALENDAR_EMAILS[kind]
    context.update(meeting=meeting, attached=messaging.email_takes_attachments())
    messaging.send(
        kind=kind,
        subject=f"{meeting.incident.exercise_prefix}{subject}",
        body=render_to_string(template, context),
        recipients=recipients,
        incident=meeting.incident,
        attachments=[_calendar_file(file_name, meeting, method=method, attendees=attendees)],
        dedupe_key=_dedupe_key(kind, meeting),
    )


def _calendar_file(filename, meeting, *, method, attendees) -> dict:
    """The meeting as a calendar file for an email: marked inside and in its name, as a download is."""
    return {
        "filename": downloads.marked_filename(
            filename, downloads.marking_for(personal_data=False), exercise=meeting.incident.is_exercise
        ),
        "content": meeting_calendar(meeting, attendees=attendees).decode(),
        "mimetype": f"text/calendar; method={method}",
    }


def outcome_refused_because(meeting) -> str:
    """Why the meeting's outcome cannot be recorded (cancelled, recorded already, not started yet), or "" if
    it can: the outcome page says so instead of offering its form."""
    if meeting.status == MeetingStatus.CANCELLED:
        what = "did not take place" if meeting.did_not_take_place else "was cancelled"
        return f"This meeting {what}: there is no outcome to record."
    if meeting.status != MeetingStatus.PLANNED:
        return "The outcome of this meeting has already been recorded."
    if not meeting.has_started:
        starts = timezone.localtime(meeting.starts_at)
        return (
            f"This meeting has not started yet: it starts at {starts:%H:%M on %d %B %Y}. Record its outcome"
            " once it has begun."
        )
    return ""


@transaction.atomic
def record_outcome(*, meeting, by, attended, minutes, decisions, actions, request=None) -> Meeting:
    """Attendance and minutes; decisions go to the incident's decision log and actions to its plan."""
    # The incident first, before the meeting (locks.py): its decisions and actions lock the incident too.
    incident_services.refuse_if_closed_meanwhile(meeting.incident)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    refused = outcome_refused_because(meeting)
    if refused:
        raise DomainError(refused)
    Attendance.objects.filter(meeting=meeting).delete()
    Attendance.objects.bulk_create(
        Attendance(meeting=meeting, organisation=organisation, attended=organisation in attended)
        for organisation in meeting.invited_organisations.all()
    )
    meeting.minutes = minutes.strip()
    meeting.status = MeetingStatus.HELD
    meeting.save(update_fields=["minutes", "status"])
    label = f"{meeting.get_kind_display()} of {timezone.localtime(meeting.starts_at):%d %b %H:%M}"
    for decision in decisions:
        incident_services.record_decision(
            incident=meeting.incident,
            by=by,
            what=decision["what"],
            why=f"{decision['why']} ({label})",
            who_decided=f"The {label}",
        )
    for action in actions:
        incident_services.add_action(
            incident=meeting.incident, by=by, guidance=f"Agreed at the {label}.", **action
        )
    incident_services.log_change(
        incident=meeting.incident,
        by=by,
        text=f"Outcome of the {label} recorded: {len(decisions)} decision(s), {len(actions)} action(s).",
    )
    incident_services.record_event(
        incident=meeting.incident,
        event=incident_services.CompletingEvent.MEETING_HELD,
        by=by,
        link=reverse("meetings:meeting", args=[meeting.incident_id, meeting.pk]),
    )
    _record_meeting_changed(
        meeting, by=by, request=request, held=True, decisions=len(decisions), actions=len(actions)
    )
    tallies.recount(meeting.incident)  # a critical-incident meeting held may be the first: the response times
    return meeting


def _record_meeting_changed(meeting, *, by, request, **changes) -> None:
    """The audit entry for a meeting held or cancelled, in the log of its incident's partnership."""
    record_updated(
        by=by, partnership=meeting.incident.partnership, target=meeting, request=request, **changes
    )


def cancel_refused_because(meeting) -> str:
    """Why the meeting cannot be cancelled (its outcome recorded, or called off already), or "" if it can:
    cancel_meeting's refusal, and what the cancel page says instead of offering its form."""
    if meeting.status == MeetingStatus.HELD:
        return "The outcome of this meeting has been recorded: it took place."
    if meeting.status == MeetingStatus.CANCELLED:
        if meeting.did_not_take_place:
            return "This meeting is recorded already as not having taken place."
        return "This meeting was cancelled already."
    return ""


CLOSED_REASON = "The incident was closed."


def cancel_meetings_at_closing(*, incident, by) -> None:
    """``incidents.signals.incident_closed``, in the closing's transaction: each meeting still to come is
    called off and those invited are sent its cancellation, as cancelling it would (a closed incident
    refuses changes, so nobody could call it off later). One under way or past stays, to be recorded as
    held or not."""
    to_come = Meeting.objects.select_for_update().filter(
        incident=incident, status=MeetingStatus.PLANNED, starts_at__gt=timezone.now()
    )
    for meeting in to_come.select_related("incident__partnership").order_by("starts_at"):
        _call_off(meeting, reason=CLOSED_REASON, by=by, request=None)


def _call_off(meeting, *, reason: str, by, request) -> None:
    """The planned meeting cancelled for ``reason`` (one already over: recorded as not having taken place),
    on the timeline and in the audit log; those invited to one still to come are sent its cancellation."""
    over = meeting.is_over
    meeting.status = MeetingStatus.CANCELLED
    meeting.cancelled_reason = reason
    meeting.did_not_take_place = over
    meeting.sequence += 1
    meeting.save(update_fields=["status", "cancelled_reason", "did_not_take_place", "sequence"])
    what = "did not take place" if over else "cancelled"
    incident_services.log_change(incident=meeting.incident, by=by, text=f"{meeting} {what}. Reason: {reason}")
    _record_meeting_changed(meeting, by=by, request=request, status=meeting.status, reason=reason)
    if not over:
        _send_cancellation(meeting)


@transaction.atomic
def cancel_meeting(*, meeting, by, reason: str, request=None) -> Meeting:
    """Call off a planned meeting; those invited are sent a calendar cancellation. One already over is
    recorded as not having taken place, and nobody is emailed about a meeting past. No recount: only a
    meeting held counts in the response times, and only a planned one can be cancelled."""
    # The incident first, before the meeting (locks.py), as record_outcome does.
    incident_services.refuse_if_closed_meanwhile(meeting.incident)
    meeting = Meeting.objects.select_for_update().select_related("incident__partnership").get(pk=meeting.pk)
    refused = cancel_refused_because(meeting)
    if refused:
        raise DomainError(refused)
    if not reason.strip():
        over = meeting.is_over
        said = "Say why the meeting did not take place." if over else "Say why the meeting is cancelled."
        raise DomainError(said, field="reason")
    _call_off(meeting, reason=reason.strip(), by=by, request=request)
    return meeting
