"""The mixed load of `make bench`: responders reading incidents (80 %) and working them (20 %).

bench/run.py writes the accounts, incidents and actions to use into the file named by BENCH_TARGETS.
Each simulated person signs in once through the sign-in form, then reads the incident page, the incident
list and action pages, updates actions and adds timeline entries through the normal forms, with CSRF.
Task weights give 12 reads to 3 writes (20 % writes); a write is a POST answered with a redirect.
With several servers (BENCH_HOSTS, space-separated base addresses, from bench/scale_out.py), each simulated
person is given the next server in turn and stays on it, as behind a load balancer.

``IncidentTeam`` is the one-incident scenario (BENCH_SCENARIO=one-incident): everyone works the same incident
(BENCH_TARGETS names one), at a person's pace (BENCH_WAIT_SECONDS, default "8 16": five requests a minute, as
in the capacity model), of which two are the page's live refresh; bench/run.py picks the class.
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
EDIT_CONFLICT = "edit conflict: someone else saved the action first"
HOSTS = itertools.cycle(os.environ.get("BENCH_HOSTS", "").split() or [None])


def update_an_action(person, incident, *, statuses):
    """Open one of the incident's actions and save it with a new status through its form, with its revision.
    An edit conflict (someone else saved the action since it was opened: the form is shown again) is counted
    as a failure of its own kind, apart from errors."""
    action = random.choice(incident["actions"])
    url = f"/incidents/{incident['id']}/plan/{action['id']}/"
    form = person.client.get(url, name="read: action page")
    revision = REVISION.search(form.text)
    if revision is None:
        return
    with person.client.post(
        url,
        data={
            "csrfmiddlewaretoken": person.token,
            "status": random.choice(statuses),
            "owner_organisation": action["owner_organisation_id"] or "",
            "owner": "",
            "note": "Progress checked.",
            "revision": revision.group(1),
        },
        allow_redirects=False,
        name="write: update action",
        catch_response=True,
    ) as response:
        if response.status_code in (200, 409) and "changed this action" in response.text:
            response.failure(EDIT_CONFLICT)
        elif response.status_code != 302:
            response.failure(f"HTTP {response.status_code}")


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
        update_an_action(self, self._incident(), statuses=["to_do", "in_progress"])

    @task(2)
    def add_timeline_entry(self):
        incident = self._incident()
        self.client.post(
            f"/incidents/{incident['id']}/timeline/add/",
            data={"csrfmiddlewaretoken": self.token, "text": "Community reassurance patrol completed."},
            allow_redirects=False,
            name="write: timeline entry",
        )


INCIDENT_STATUSES = itertools.cycle(["recovery", "responding"])
WAIT_SECONDS = [float(n) for n in os.environ.get("BENCH_WAIT_SECONDS", "8 16").split()]


class IncidentTeam(FastHttpUser):
    """One of the people on a major incident: the incident page stays open (its live part asked for again
    every 30 seconds: 2 of a person's 5 requests a minute), and they read actions, update them (to do, in
    progress, done: the plan's progress and the monthly figures move), add timeline entries and log
    decisions. A coordinator now and then moves the incident between responding and recovery, which locks
    its row. An edit conflict (two people saving the same action at once) is counted apart from errors."""

    wait_time = between(*WAIT_SECONDS)

    def on_start(self):
        self.incident = TARGETS["incidents"][0]
        self.url = f"/incidents/{self.incident['id']}/"
        Responder.on_start(self)

    def _incident(self):
        return self.incident

    @task(20)
    def live_refresh(self):
        self.client.get(self.url, headers={"HX-Request": "true"}, name="read: live refresh")

    @task(10)
    def incident_page(self):
        self.client.get(self.url, name="read: incident page")

    @task(5)
    def action_page(self):
        Responder.action_page(self)

    @task(5)
    def update_action(self):
        update_an_action(self, self.incident, statuses=["to_do", "in_progress", "done"])

    @task(4)
    def add_timeline_entry(self):
        Responder.add_timeline_entry(self)

    @task(1)
    def log_decision(self):
        self._post(
            "decisions/add/",
            {"what": "Extra patrols at the school gates.", "why": "Tension reported.", "who_decided": "Gold"},
            name="write: decision",
        )

    @task(1)
    def change_status(self):
        if "coordinator" in self.email:
            self._post("status/", {"status": next(INCIDENT_STATUSES)}, name="write: incident status")

    def _post(self, path, data, *, name):
        with self.client.post(
            self.url + path,
            data={"csrfmiddlewaretoken": self.token, **data},
            allow_redirects=False,
            name=name,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"HTTP {response.status_code}")
