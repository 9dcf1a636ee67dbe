from django.utils.cache import add_never_cache_headers, patch_cache_control


class NoStoreForSignedInMiddleware:
    """Pages shown to a signed-in person hold partnership data: no browser or proxy may keep a copy."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # An error page is never kept either, and is decided without asking who is signed in: during an
        # outage that question needs the database or Redis, which is what failed.
        if response.status_code >= 500 or request.user.is_authenticated:
            add_never_cache_headers(response)
            patch_cache_control(response, private=True)
        return response


class PermissionsPolicyMiddleware:
    """Every response tells the browser which powerful features no page of svtoolkit uses (camera, microphone,
    location, payment, USB), so injected or third-party code could not turn them on either."""

    def __init__(self, get_response):
        from django.conf import settings

        self.get_response = get_response
        self.policy = settings.PERMISSIONS_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", self.policy)
        return response
