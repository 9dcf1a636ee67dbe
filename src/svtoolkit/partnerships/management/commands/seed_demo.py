import os

from django.core.management.base import BaseCommand

from svtoolkit.accounts.models import User
from svtoolkit.core.demo import run_demo_seeders
from svtoolkit.partnerships.demo import (
    DEMO_PARTNERSHIP,
    DEMO_REGION_USERS,
    DEMO_USERS,
    demo_password,
    seed_demo_partnership,
)


class Command(BaseCommand):
    help = "Create the fictional Northbridge Community Safety Partnership and its demo accounts (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty", action="store_true", help="Only seed when the database holds no accounts at all."
        )

    def handle(self, *args, if_empty=False, **options):
        explicit = os.environ.get("SVTOOLKIT_DEMO_PASSWORD", "")
        if if_empty and User.objects.exists():
            self.stdout.write("The database already holds accounts; the demo partnership was not seeded.")
        else:
            partnership = seed_demo_partnership(password=demo_password(explicit))
            users = {
                person.email.split("@")[0]: User.objects.get(email=person.email) for person in DEMO_USERS
            }
            # Then what each app adds (the checklist, incidents, ...), registered in its AppConfig.
            run_demo_seeders(partnership=partnership, users=users)
            self.stdout.write(self.style.SUCCESS(f"Seeded {DEMO_PARTNERSHIP['name']}."))
        if not User.objects.filter(email=DEMO_USERS[0].email).exists():
            return
        shown = demo_password(explicit)
        self.stdout.write("Demo accounts (sign in with email and password):")
        for person in DEMO_USERS:
            self.stdout.write(f"  {person.email:<26} {person.role.label}")
        for person in DEMO_REGION_USERS:
            self.stdout.write(f"  {person.email:<26} {person.role.label} (North Riverside region)")
        self.stdout.write(f"  password: {shown}")
