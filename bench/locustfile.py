"""The mixed load of `make bench`: responders reading incidents (80 %) and working them (20 %).

bench/run.py writes the accounts, incidents and actions to use into the file named by BENCH_TARGETS.
Each simulated person signs in once through the sign-in form, then reads the incident page, the incident
list and action pages, updates actions and adds timeline entries through the normal forms, with CSRF.
Task weights give 12 reads to 3 writes (20 % writes); a write is a POST answered with a redirect.
With several servers (BENCH_HOSTS, space-separated base addresses, from bench/scale_out.py), each simulated
person is given the next server in turn and stays on it, as behind a load balancer.
"""

import itertools
import json
import os
import random
import re

from locust import FastHttpUser, between, task

TARGETS = json.loads(open(os.environ["BENCH_TARGETS"]).read())
ACCOUNTS = itertools.cycle(TARGETS["accounts"])
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
REVISION = re.compile(r'name="revision" value="(\d+)"')
HOSTS = itertools.cycle(os.environ.get("BENCH_HOSTS", "").split() or [None])


class Responder(FastHttpUser):
    wait_time = between(0.1, 0.5)

    def __init__(self, environment):
        self.host = next(HOSTS) or self.host  # before the client is made for it
        super().__init__(environment)

    def on_start(self):
        self.email = next(ACCOUNTS)
        slug = "load-" + self.email.split("@")[0].split(".")[1]
        self.incidents = [i for i in TARGETS["incidents"] if i["partnership"] == slug] or TARGETS["incidents"]
        page = self.client.get("/sign-in/", name="sign in")
        response = self.client.post(
            "/sign-in/",
            data={
                "csrfmiddlewaretoken": TOKEN.search(page.text).group(1),
                "username": self.email,
                "password": TARGETS["password"],
            },
            allow_redirects=False,
            name="sign in",
        )
        assert response.status_code == 302, f"sign-in failed for {self.email}"
        # Signing in rotates the CSRF token: take the new one from a form.
        form = self.client.get(f"/incidents/{self._incident()['id']}/timeline/add/", name="sign in")
        self.token = TOKEN.search(form.text).group(1)

    def _incident(self):
        return random.choice(self.incidents)

    @task(7)
    def incident_page(self):
        self.client.get(f"/incidents/{self._incident()['id']}/", name="read: incident page")

    @task(2)
    def incident_list(self):
        self.client.get("/incidents/", name="read: incident list")

    @task(2)
    def action_page(self):
        incident = self._incident()
        action = random.choice(incident["actions"])
        self.client.get(f"/incidents/{incident['id']}/plan/{action['id']}/", name="read: action page")

    @task(1)
    def update_action(self):
        incident = self._incident()
        action = random.choice(incident["actions"])
        url = f"/incidents/{incident['id']}/plan/{action['id']}/"
        form = self.client.get(url, name="read: action page")
        revision = REVISION.search(form.text)
        if revision is None:
            return
        self.client.post(
            url,
            data={
                "csrfmiddlewaretoken": self.token,
                "status": random.choice(["to_do", "in_progress"]),
                "owner_organisation": action["owner_organisation_id"] or "",
                "owner": "",
                "note": "Progress checked.",
                "revision": revision.group(1),
            },
            allow_redirects=False,
            name="write: update action",
        )

    @task(2)
    def add_timeline_entry(self):
        incident = self._incident()
        self.client.post(
            f"/incidents/{incident['id']}/timeline/add/",
            data={"csrfmiddlewaretoken": self.token, "text": "Community reassurance patrol completed."},
            allow_redirects=False,
            name="write: timeline entry",
        )
