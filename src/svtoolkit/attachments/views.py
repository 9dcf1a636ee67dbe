from django.http import Http404
from django.template.defaultfilters import filesizeformat
from django.views.decorators.cache import never_cache

from svtoolkit import access
from svtoolkit.attachments import checks, scanning, selectors, services
from svtoolkit.attachments.forms import AttachmentForm
from svtoolkit.attachments.owners import kind_named, kind_of_model
from svtoolkit.core import downloads
from svtoolkit.core.pages import form_page


@access.requires(access.is_member)
def add(request, kind, owner_id):
    kind = kind_named(kind)
    if kind is None:
        raise Http404("No such kind of record")
    owner = kind.fetch(request, owner_id, to_attach=True)
    owner_page = f"{kind.page_url(owner)}#attachments"
    return form_page(
        request,
        AttachmentForm(request.POST or None, request.FILES or None),
        save=lambda data: services.attach_file(owner=owner, by=request.user, request=request, **data),
        success=lambda attachment: f"“{attachment.name}” was attached.",
        done=owner_page,
        template="attachments/add.html",
        context=lambda: {
            "owner_label": kind.label(owner),
            "back_url": owner_page,
            "max_size": filesizeformat(checks.max_bytes()),
            "scanning": scanning.is_configured(),
        },
        thing="file",
    )


@never_cache
@access.requires(access.is_member)
def download(request, attachment_id):
    attachment = selectors.attachment_for_download(attachment_id)
    kind = kind_of_model(attachment.owner_type.model_class())
    if kind is None:
        raise Http404("No such file")
    # Finding its owner checks this person may see it: 404 or 403 (audited) as the owner's rules say.
    owner = kind.fetch(request, attachment.owner_id)
    content = selectors.stored_content(attachment)
    if content is None:
        raise Http404("The file is missing")
    services.record_download(attachment=attachment, owner=owner, by=request.user, request=request)
    return downloads.download(
        content,
        filename=attachment.name,
        content_type=attachment.media_type,
        marking=attachment.current_marking,
        exercise=kind.of_exercise(owner),
    )
