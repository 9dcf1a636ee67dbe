"""The partner directory: organisations, their contacts, support services, and the contacts CSV.

Thin: every member reads (``is_member``), coordinators change (``can_edit_directory``); objects are looked up
through the current partnership, and every change goes through one service.
"""

from functools import partial

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from svtoolkit import access
from svtoolkit.accounts.selectors import member_users
from svtoolkit.core import downloads
from svtoolkit.core.forms import errors_shown_on
from svtoolkit.core.pages import form_page
from svtoolkit.partnerships import contacts_csv, forms, selectors, services
from svtoolkit.partnerships.page_sections import agreement_sections


def _entry_page(request, form_class, *, found=None, save, success, done, heading, back, button, **context):
    """Add or change one entry of the directory on ``partnerships/entry_form.html`` (through
    ``core.pages.form_page``). ``save`` is the entry's service, given the form's ``details``, who saves them
    and, for a change to ``found``, the revision the page was based on; it returns the saved entry. On a
    stale revision, what was typed stays and their version is shown beside it."""
    form = form_class(request.POST or None, **_form_kwargs(request, found))

    def save_details(data):
        edit = {} if found is None else {"expected_revision": data["revision"]}
        return save(details=form.details(), by=request.user, request=request, **edit)

    def their_version():
        theirs = form.summary_of(form.stored_entry())
        return {"theirs": theirs, "form_anchor": theirs and "their-version"}

    return form_page(
        request,
        form,
        save=save_details,
        success=success,
        done=done,
        template="partnerships/entry_form.html",
        context={"heading": heading, "back": back, "button": button, **context},
        thing=None,
        on_conflict=their_version,
    )


def _saved(entry) -> str:
    return f"{entry.name} was saved."


def _edit_page(request, form_class, found, *, save, page, success=_saved, **context):
    """Change ``found``: every entry's change page is headed with its name and goes back to its ``page``."""
    return _entry_page(
        request,
        form_class,
        found=found,
        save=save,
        success=success,
        done=page,
        heading=f"Change {found.name}",
        back=page,
        button="Save changes",
        **context,
    )


def _form_kwargs(request, entry=None):
    return {
        "partnership": request.partnership,
        "members": member_users(request.partnership),
        "entry": entry,
    }


def _directory_page(request, template, **context):
    """A page of the directory every member reads, with what a coordinator may change and today's date."""
    return render(
        request,
        template,
        {
            **context,
            "can_edit": access.can_edit_directory(request.user, request.partnership),
            "today": timezone.localdate(),
        },
    )


# --- Organisations -----------------------------------------------------------------------------------


@access.requires(access.is_member)
def organisations(request):
    return _directory_page(
        request,
        "partnerships/organisations.html",
        organisations=selectors.organisations_of(request.partnership),
    )


@access.requires(access.is_member)
def organisation(request, organisation_id):
    found = selectors.organisation_in(request.partnership, organisation_id)
    return _directory_page(
        request, "partnerships/organisation.html", organisation=found, **selectors.organisation_page(found)
    )


@access.requires(access.can_edit_directory)
def organisation_add(request):
    return _entry_page(
        request,
        forms.OrganisationForm,
        save=partial(services.create_organisation, partnership=request.partnership),
        success=lambda entry: f"{entry.name} was added to the directory.",
        done=lambda entry: reverse("partnerships:organisation", args=[entry.pk]),
        heading="Add an organisation",
        back=reverse("partnerships:organisations"),
        button="Add organisation",
    )


@access.requires(access.can_edit_directory)
def organisation_edit(request, organisation_id):
    found = selectors.organisation_in(request.partnership, organisation_id)
    return _edit_page(
        request,
        forms.OrganisationForm,
        found,
        save=partial(services.update_organisation, organisation=found),
        page=reverse("partnerships:organisation", args=[found.pk]),
    )


# --- Contacts ----------------------------------------------------------------------------------------


@access.requires(access.can_edit_directory)
def contact_add(request, organisation_id):
    found = selectors.organisation_in(request.partnership, organisation_id)
    return _entry_page(
        request,
        forms.ContactForm,
        save=partial(services.create_contact, organisation=found),
        success=lambda entry: f"{entry.name} was added to {found.name}.",
        done=reverse("partnerships:organisation", args=[found.pk]),
        heading=f"Add a contact at {found.name}",
        back=reverse("partnerships:organisation", args=[found.pk]),
        button="Add contact",
    )


@access.requires(access.can_edit_directory)
def contact_edit(request, contact_id):
    found = selectors.contact_in(request.partnership, contact_id)
    return _edit_page(
        request,
        forms.ContactForm,
        found,
        save=partial(services.update_contact, contact=found),
        page=reverse("partnerships:organisation", args=[found.organisation_id]),
        caption=found.organisation.name,
        remove_url=reverse("partnerships:contact_deactivate", args=[found.pk]),
        remove_label="Remove this contact",
    )


@access.requires(access.can_edit_directory)
def contact_deactivate(request, contact_id):
    found = selectors.contact_in(request.partnership, contact_id)
    back = reverse("partnerships:organisation", args=[found.organisation_id])
    return _remove_page(
        request,
        found,
        remove=partial(services.deactivate_contact, contact=found),
        success=f"{found.name} was removed from {found.organisation.name}.",
        done=back,
        heading=f"Remove {found.name} from {found.organisation.name}?",
        explanation="They will no longer be listed as a contact. The audit log keeps the record.",
        warning=REMOVAL_WARNINGS.get(selectors.left_without_if_removed(found), "").format(contact=found),
        cancel=back,
    )


# What removing an organisation's last contact, or its last single point of contact, leaves it without.
REMOVAL_WARNINGS = {
    "contact": (
        "{contact.name} is the only contact at {contact.organisation.name}. Once removed, nobody there can "
        "be told about an incident or reminded of its actions: add another contact first."
    ),
    "single point of contact": (
        "{contact.name} is the only single point of contact at {contact.organisation.name}. Once removed, "
        "reminders and escalations of its actions reach nobody there: make another of its contacts the "
        "single point of contact."
    ),
}


def _remove_page(request, found, *, remove, success, done, **question):
    """Ask before taking ``found`` off the directory (``partnerships/deactivate.html``: its ``heading``,
    ``explanation``, an optional ``warning`` and ``cancel`` link); the POST calls the ``remove`` service with
    the revision the question was asked about and who removes it, and goes to ``done``. When the entry was
    changed since, the question is asked again about it as it is now, saying so."""
    return form_page(
        request,
        forms.RemoveForm(request.POST or None, initial={"revision": found.revision}),
        save=lambda data: remove(expected_revision=data["revision"], by=request.user, request=request),
        success=success,
        done=done,
        template="partnerships/deactivate.html",
        context={**question, "form_anchor": "remove-button"},
        thing=None,
    )


# --- Reviews -----------------------------------------------------------------------------------------


@access.requires(access.is_member)
def entry_review(request, kind, entry_id):
    """The owner of an entry (or a coordinator) sets its next review date once they have checked it: what
    the review reminders ask of them. Changing anything else is a coordinator's job."""
    found = access.get_for(
        request,
        selectors.reviewed_entries(request.partnership, kind),
        entry_id,
        rule=access.can_review_entry,
    )
    return form_page(
        request,
        forms.ReviewForm(request.POST or None, entry=found),
        save=lambda data: services.set_review_date(
            entry=found,
            expected_revision=data["revision"],
            review_due=data["review_due"],
            by=request.user,
            request=request,
        ),
        success=lambda entry: (
            f"{entry.name} is next to be reviewed by {date_format(entry.review_due, 'j F Y')}."
        ),
        done=reverse("core:home"),
        template="partnerships/entry_review.html",
        context={
            "entry": found,
            "kind": selectors.REVIEWED_KINDS[kind][0],
            "page": selectors.entry_page(kind, found),
            "today": timezone.localdate(),
        },
        thing=None,
    )


# --- Support services --------------------------------------------------------------------------------


@access.requires(access.is_member)
def support_services(request):
    return _directory_page(
        request,
        "partnerships/support_services.html",
        services=selectors.support_services_of(request.partnership),
    )


@access.requires(access.is_member)
def support_service(request, service_id):
    return _directory_page(
        request,
        "partnerships/support_service.html",
        service=selectors.support_service_in(request.partnership, service_id),
    )


@access.requires(access.can_edit_directory)
def support_service_add(request):
    return _entry_page(
        request,
        forms.SupportServiceForm,
        save=partial(services.create_support_service, partnership=request.partnership),
        success=lambda entry: f"{entry.name} was added to the register.",
        done=lambda entry: reverse("partnerships:support_service", args=[entry.pk]),
        heading="Add a support service",
        back=reverse("partnerships:support_services"),
        button="Add service",
    )


@access.requires(access.can_edit_directory)
def support_service_edit(request, service_id):
    found = selectors.support_service_in(request.partnership, service_id)
    return _edit_page(
        request,
        forms.SupportServiceForm,
        found,
        save=partial(services.update_support_service, service=found),
        page=reverse("partnerships:support_service", args=[found.pk]),
        remove_url=reverse("partnerships:support_service_deactivate", args=[found.pk]),
        remove_label="Remove this service",
    )


@access.requires(access.can_edit_directory)
def support_service_deactivate(request, service_id):
    found = selectors.support_service_in(request.partnership, service_id)
    return _remove_page(
        request,
        found,
        remove=partial(services.deactivate_support_service, service=found),
        success=f"{found.name} was removed from the register.",
        done=reverse("partnerships:support_services"),
        heading=f"Remove {found.name} from the register?",
        explanation="It will no longer be listed in the register. The audit log keeps the record.",
        cancel=reverse("partnerships:support_service", args=[found.pk]),
    )


# --- Information-sharing agreements ------------------------------------------------------------------


@access.requires(access.is_member)
def sharing_agreements(request):
    return _directory_page(
        request,
        "partnerships/sharing_agreements.html",
        agreements=selectors.sharing_agreements_of(request.partnership),
    )


@access.requires(access.is_member)
def sharing_agreement(request, agreement_id):
    agreement = selectors.sharing_agreement_in(request.partnership, agreement_id)
    return _directory_page(
        request,
        "partnerships/sharing_agreement.html",
        agreement=agreement,
        sections=agreement_sections(agreement, user=request.user, partnership=request.partnership),
    )


@access.requires(access.can_edit_directory)
def sharing_agreement_add(request):
    return _entry_page(
        request,
        forms.SharingAgreementForm,
        save=partial(services.create_sharing_agreement, partnership=request.partnership),
        success=lambda entry: f"{entry.name} was saved in the register.",
        done=lambda entry: reverse("partnerships:sharing_agreement", args=[entry.pk]),
        heading="Add an information-sharing agreement",
        back=reverse("partnerships:sharing_agreements"),
        button="Add agreement",
    )


@access.requires(access.can_edit_directory)
def sharing_agreement_edit(request, agreement_id):
    found = selectors.sharing_agreement_in(request.partnership, agreement_id)
    return _edit_page(
        request,
        forms.SharingAgreementForm,
        found,
        save=partial(services.update_sharing_agreement, agreement=found),
        page=reverse("partnerships:sharing_agreement", args=[found.pk]),
        success=lambda entry: f"{entry.name} was saved in the register.",
    )


# --- Contacts CSV ------------------------------------------------------------------------------------


@access.requires(access.can_edit_directory)
def contacts_import(request):
    form = forms.ContactImportForm(
        request.POST or None,
        request.FILES or None,
        organisations=selectors.active_organisations(request.partnership),
        members=member_users(request.partnership),
    )
    if request.method == "POST" and form.is_valid():
        if form.background_text:
            job = services.start_contact_import(
                partnership=request.partnership,
                text=form.background_text,
                file_name=form.cleaned_data["file"].name,
                row_count=form.row_count,
                by=request.user,
            )
            return redirect("partnerships:contact_import", import_id=job.pk)
        with errors_shown_on(form):  # a contact a colleague added since the rows were checked
            count = services.import_contacts(
                partnership=request.partnership, rows=form.contacts, by=request.user, request=request
            )
            messages.success(request, f"{count} contact{'s' if count != 1 else ''} imported.")
            return redirect("partnerships:organisations")
    return render(
        request, "partnerships/contacts_import.html", {"form": form, "columns": contacts_csv.COLUMNS}
    )


@never_cache
@access.requires(access.can_edit_directory)
def contact_import(request, import_id):
    """A large import's progress, then its result. htmx asks for the progress part every two seconds until
    the import has finished; without JavaScript the person reloads the page with its button."""
    job = selectors.contact_import_in(request.partnership, import_id)
    if request.htmx:
        if job.finished:
            return HttpResponseClientRefresh()
        return render(request, "partnerships/_contact_import_progress.html", {"job": job})
    return render(request, "partnerships/contact_import.html", {"job": job})


@never_cache
@access.requires(access.can_edit_directory)
@require_POST
def contacts_export(request):
    """The active contacts as a CSV download. A POST, so an export is a deliberate, audited act."""
    # A directory of professional contacts, nothing about any incident: OFFICIAL (see core.downloads).
    marking = downloads.OFFICIAL
    content, count = contacts_csv.contacts_file(selectors.contacts_of(request.partnership), marking=marking)
    services.record_contacts_export(
        partnership=request.partnership, count=count, by=request.user, request=request
    )
    return downloads.download(
        content,
        filename=f"{request.partnership.slug}-contacts-{timezone.localdate():%Y-%m-%d}.csv",
        content_type="text/csv; charset=utf-8",
        marking=marking,
    )
