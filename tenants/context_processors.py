from django.http import HttpRequest

from .access import reader_zone


def tenant(request: HttpRequest) -> dict[str, object]:
    current = getattr(request, "tenant", None)
    return {
        "tenant": current,
        "membership": getattr(request, "membership", None),
        # The zone every page shows instants in (`{{ value|timezone:reader_zone }}`): the
        # reader's own, else the tenant's; UTC off a tenant's site. No query: the user and the
        # tenant are on the request already.
        "reader_zone": reader_zone(request) if current is not None else "UTC",
    }
