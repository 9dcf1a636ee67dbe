"""The mixed load of `make bench`: responders reading incidents (80 %) and working them (20 %).

bench/run.py writes the accounts, incidents and actions to use into the file named by BENCH_TARGETS.
Each simulated person signs in once through the sign-in form, then reads the incident page, the incident
list and action pages, updates actions and adds timeline entries through the normal forms. Every write opens
its form page and posts what the browser would (bench/form_posts.py: every hidden field, the CSRF token, the
submission key and the revision among them, with the fields changed); one not answered with a redirect is a
failure. Task weights give 12 reads (a write's form page among them) to 3 writes (20 % writes).
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

import form_posts  # bench/form_posts.py, beside this file (Locust puts its directory on the path)
from locust import FastHttpUser, between, task

TARGETS = json.loads(open(os.environ["BENCH_TARGETS"]).read())
ACCOUNTS = itertools.cycle(TARGETS["accounts"])
HOSTS = itertools.cycle(os.environ.get("BENCH_HOSTS", "").split() or [None])
LIVE = "incident-live"  # the incident page's live part (incidents/live.html)


def submit(person, page, changes, *, name, read_as, post_to=None, choose=None):
    """Open the form page ``page`` (counted as ``read_as``) and post what its form holds with ``changes``
    (and those ``choose(form_data)`` gives, when they depend on what the form shows) to ``post_to`` (default:
    the page). Not answered with a redirect, it is counted a failure; an edit conflict (someone else saved
    first: the form is shown again) as a failure of its own kind, apart from errors."""
    form = person.client.get(page, name=read_as)
    if form.status_code != 200:
        return  # counted as the read's failure
    data = form_posts.form_data(form.text, page=page, action=post_to, changes=changes or {})
    if choose is not None:
        data.update(choose(data))
    with person.client.post(
        post_to or page, data=data, allow_redirects=False, name=name, catch_response=True
    ) as response:
        failure = form_posts.write_failure(response.status_code, response.text)
        if failure:
            response.failure(failure)


def update_an_action(person, incident, *, statuses):
    """Open one of the incident's actions and save it with a new status through its form."""
    action = random.choice(incident["actions"])
    submit(
        person,
        f"/incidents/{incident['id']}/plan/{action['id']}/",
        {
            "status": random.choice(statuses),
            "owner_organisation": action["owner_organisation_id"] or "",
            "owner": "",
            "note": "Progress checked.",
        },
        name="write: update action",
        read_as="read: action page",
    )


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
            data=form_posts.form_data(
                page.text,
                page="/sign-in/",
                changes={"username": self.email, "password": TARGETS["password"]},
            ),
            allow_redirects=False,
            name="sign in",
        )
        assert response.status_code == 302, f"sign-in failed for {self.email}"

    def _incident(self):
        return random.choice(self.incidents)

    @task(5)
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
        submit(
            self,
            f"/incidents/{self._incident()['id']}/timeline/add/",
            {"text": "Community reassurance patrol completed."},
            name="write: timeline entry",
            read_as="read: timeline entry form",
        )


# The coordinator moves the incident between these two, from whichever its status form shows.
MOVES = {"responding": "recovery", "recovery": "responding"}
WAIT_SECONDS = [float(n) for n in os.environ.get("BENCH_WAIT_SECONDS", "8 16").split()]


class IncidentTeam(FastHttpUser):
    """One of the people on a major incident: the incident page stays open (its live part asked for again
    every 30 seconds: 2 of the 5 things a person does a minute; a write is two requests, its form and the
    post), and they read actions, update them (to do, in progress, done: the plan's progress and the monthly
    figures move), add timeline entries and log decisions. A coordinator now and then moves the incident
    between responding and recovery (from the status its form shows), which locks its row. An edit conflict
    (two people saving the same action at once) is counted apart from errors.
    The live refresh sends what the person's copy of the page gives htmx (form_posts.refresh_headers): that it
    is a background request, and what the part shows, so an unchanged part is answered 204, as in a browser;
    a part answered afresh (200) carries what it now shows for the next refresh."""

    wait_time = between(*WAIT_SECONDS)

    def on_start(self):
        self.incident = TARGETS["incidents"][0]
        self.url = f"/incidents/{self.incident['id']}/"
        Responder.on_start(self)
        self.live_headers = None
        self.incident_page()  # the page stays open: its live part refreshes what this copy shows
        assert self.live_headers, f"{self.email} could not open {self.url}"

    def _incident(self):
        return self.incident

    @task(20)
    def live_refresh(self):
        response = self.client.get(self.url, headers=self.live_headers, name="read: live refresh")
        if response.status_code == 200:  # 204: unchanged, and htmx leaves the part as it is
            self.live_headers = self._refresh_headers(response.text)

    @task(10)
    def incident_page(self):
        page = self.client.get(self.url, name="read: incident page")
        if page.status_code == 200:
            self.live_headers = self._refresh_headers(page.text)

    def _refresh_headers(self, html):
        return form_posts.refresh_headers(html, LIVE, page=self.client.base_url + self.url)

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
        submit(
            self,
            self.url + "decisions/add/",
            {"what": "Extra patrols at the school gates.", "why": "Tension reported.", "who_decided": "Gold"},
            name="write: decision",
            read_as="read: decision form",
        )

    @task(1)
    def change_status(self):
        if "coordinator" in self.email:
            submit(
                self,
                self.url + "status/",
                None,
                choose=lambda shown: {"status": MOVES.get(shown.get("revision"), "responding")},
                name="write: incident status",
                read_as="read: status form",
            )
