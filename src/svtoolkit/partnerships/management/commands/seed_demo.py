import os
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from svtoolkit.accounts.models import User
from svtoolkit.core.demo import one_seeding_at_a_time, run_demo_seeders
from svtoolkit.messaging.services import kept_in_the_outbox
from svtoolkit.partnerships.demo import (
    DEMO_PARTNERSHIP,
    DEMO_REGION_USERS,
    DEMO_USERS,
    demo_password,
    demo_password_file,
    keep_demo_password,
    seed_demo_partnership,
    working_demo_password,
)


class Command(BaseCommand):
    help = "Create the fictional Northbridge Community Safety Partnership and its demo accounts (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty", action="store_true", help="Only seed when the database holds no accounts at all."
        )

    def handle(self, *args, if_empty=False, **options):
        # Before anything is made or printed: the demo accounts (a coordinator among them) share a password
        # that would be printed into the service's journal, and a published one when the variable is set.
        if settings.PRODUCTION:
            raise CommandError(
                "seed_demo refuses to run in production mode: it makes demo accounts, a coordinator among"
                " them, with one shared password that it prints. Use SVTOOLKIT_ENV=demo or dev, on a database"
                " of its own."
            )
        explicit = os.environ.get("SVTOOLKIT_DEMO_PASSWORD", "")
        # Seeding sends nothing: the demo's messages are in the outbox already, none left for the worker.
        with kept_in_the_outbox():
            seeded = self._seed(explicit, if_empty=if_empty)
        if not seeded:
            self.stdout.write("The database already holds accounts; the demo partnership was not seeded.")
        if User.objects.filter(email=DEMO_USERS[0].email).exists():
            self._show_accounts(explicit)

    def _seed(self, explicit: str, *, if_empty: bool) -> bool:
        """Seed, a line per stage as it goes (the whole takes a minute or more), and keep the password; with
        ``if_empty``, only when the database holds no accounts (False then)."""
        started = time.monotonic()
        # One transaction: a seeding interrupted (Ctrl-C, a stage failing) leaves no accounts, so the next
        # `make run` (--if-empty) seeds the whole demo rather than finding accounts and leaving it half made.
        # No stage needs a commit of its own: they queue nothing with on_commit (messages go straight to the
        # outbox), and what one did queue would run when this commits, still inside kept_in_the_outbox.
        # The accounts are looked for in it too, one seeding at a time: a second `make run` started meanwhile
        # waits for this one, then finds its accounts, rather than finding none and seeding again.
        with one_seeding_at_a_time():
            if if_empty and User.objects.exists():
                return False
            self.stdout.write(f"Seeding the demo: {DEMO_PARTNERSHIP['name']}, stage by stage.")
            self.stdout.write("  partnership, directory and accounts...")
            partnership = seed_demo_partnership(password=demo_password(explicit))
            users = {
                person.email.split("@")[0]: User.objects.get(email=person.email) for person in DEMO_USERS
            }
            # Then what each app adds (the checklist, incidents, ...), registered in its AppConfig.
            run_demo_seeders(partnership=partnership, users=users, progress=self.stdout.write)
        working = working_demo_password(explicit)
        if working:
            keep_demo_password(working)
        self.stdout.write(
            self.style.SUCCESS(f"Seeded {DEMO_PARTNERSHIP['name']} in {time.monotonic() - started:.0f} s.")
        )
        return True

    def _show_accounts(self, explicit: str) -> None:
        self.stdout.write("Demo accounts (sign in with email and password):")
        for person in DEMO_USERS:
            self.stdout.write(f"  {person.email:<26} {person.role.label}")
        for person in DEMO_REGION_USERS:
            self.stdout.write(f"  {person.email:<26} {person.role.label} (North Riverside region)")
        working = working_demo_password(explicit)
        if working:
            self.stdout.write(f"  password: {working}")
            if explicit and working != explicit:
                self.stdout.write(
                    "  (SVTOOLKIT_DEMO_PASSWORD does not change it: the password is set when the accounts are"
                    " created)"
                )
            return
        self.stdout.write(
            "  password: unchanged since the accounts were created (the SVTOOLKIT_DEMO_PASSWORD of that"
            f" time; it is not kept in {demo_password_file()}). To start again from nothing, stop the server"
            " and delete var/."
        )
