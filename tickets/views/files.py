"""Attachment downloads: only for members who may see the ticket (and the note it is on)."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest
from django.utils.cache import patch_cache_control

from tenants.access import member_required

from .. import selectors


@member_required()
def attachment_download(request: HttpRequest, reference: str, attachment_id: int) -> FileResponse:
    """Always a download, never rendered inline: a hostile HTML or SVG file cannot run here."""
    attachment = selectors.attachment_for_member_or_404(
        tenant=request.tenant,
        membership=request.membership,
        reference=reference,
        attachment_id=attachment_id,
    )
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as error:
        raise Http404("The file is missing.") from error
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.filename,
        content_type=attachment.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    patch_cache_control(response, private=True, no_store=True)
    return response
