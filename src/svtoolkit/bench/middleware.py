"""Server-side time and query count of every request, in headers the benchmark reads (bench settings only)."""

import time

from django.db import connections


class ServerTimingMiddleware:
    """First in the chain, so the time covers every other middleware, the view and the template."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        queries = 0

        def count(execute, sql, params, many, context):
            nonlocal queries
            queries += 1
            return execute(sql, params, many, context)

        started = time.perf_counter()
        with connections["default"].execute_wrapper(count):
            response = self.get_response(request)
        elapsed = (time.perf_counter() - started) * 1000
        response["Server-Timing"] = f"app;dur={elapsed:.2f}"
        response["X-Query-Count"] = str(queries)
        return response
