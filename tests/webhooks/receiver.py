"""A receiving system for the webhook tests: a real HTTP server (pytest-httpserver) that verifies each event's
signature as a receiver would, with Standard Webhooks' own library, and answers as the test asks."""

import threading

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError
from werkzeug import Response


class Receiver:
    def __init__(self, httpserver):
        self.secret = ""
        # What to answer, one per request in turn; then ``then``. A number is a status code; "hang" waits
        # ``hang_seconds`` (past svtoolkit's timeout) before answering 200.
        self.answers: list = []
        self.then = 200
        self.hang_seconds = 2.5
        self.delay = 0.0
        self.requests: list[dict] = []  # every request: its headers and verified payload
        self.accepted: list[dict] = []  # the events answered 2xx in time
        self.bad_signatures = 0
        self.after_accepting = None  # called once an event is accepted, before the answer goes back
        self.before_answering = None  # called for each event taken in, whatever the answer, before it goes
        self._released = threading.Event()
        self._lock = threading.Lock()
        httpserver.expect_request("/hook", method="POST").respond_with_handler(self.handle)
        self.url = httpserver.url_for("/hook")

    def handle(self, request):
        try:
            payload = Webhook(self.secret).verify(request.get_data(), dict(request.headers))
        except WebhookVerificationError:
            with self._lock:
                self.bad_signatures += 1
            return Response("bad signature", status=401)
        with self._lock:
            answer = self.answers.pop(0) if self.answers else self.then
            seen = {"id": request.headers["webhook-id"], "payload": payload}
            self.requests.append(seen)
        if self.before_answering:
            self.before_answering()
        if answer == "hang":
            self._released.wait(self.hang_seconds)
            return Response(status=200)
        if self.delay:
            self._released.wait(self.delay)
        if 200 <= answer < 300:
            with self._lock:
                self.accepted.append(seen)
            if self.after_accepting:
                self.after_accepting()
        return Response(status=answer)

    def accepted_ids(self) -> list[str]:
        return [seen["id"] for seen in self.accepted]

    def release(self):
        self._released.set()
