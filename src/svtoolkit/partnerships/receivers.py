"""A change to a partnership, organisation, region or regional role moves the access version of those it
concerns (accounts.principal), so their next request reads it afresh."""

from django.db.models.signals import post_delete, post_save, pre_delete
from django.dispatch import receiver

from svtoolkit.accounts.principal import forget_access_of, forget_access_of_members, skipping_restores
from svtoolkit.partnerships.models import Organisation, Partnership, Region, RegionMembership


@receiver([post_save, post_delete], sender=Partnership, dispatch_uid="svtoolkit-access-partnership")
@skipping_restores
def _forget_access_of_partnership_members(sender, instance, **kwargs):
    forget_access_of_members(partnership=instance.pk)


@receiver([post_save, post_delete], sender=Organisation, dispatch_uid="svtoolkit-access-organisation")
@skipping_restores
def _forget_access_of_organisation_members(sender, instance, **kwargs):
    forget_access_of_members(organisation=instance.pk)


@receiver([post_save, post_delete], sender=Region, dispatch_uid="svtoolkit-access-region")
@skipping_restores
def _forget_access_of_region_staff(sender, instance, **kwargs):
    forget_access_of(RegionMembership.objects.filter(region=instance.pk).values("user_id"))


@receiver(pre_delete, sender=Region, dispatch_uid="svtoolkit-access-region-partnerships")
def _forget_access_of_members_of_its_partnerships(sender, instance, **kwargs):
    # Deleting a region takes its partnerships out of it by a plain UPDATE (on_delete SET_NULL), which sends
    # no signal; by post_delete they no longer name it.
    forget_access_of_members(partnership__region=instance.pk)


@receiver([post_save, post_delete], sender=RegionMembership, dispatch_uid="svtoolkit-access-region-staff")
@skipping_restores
def _forget_access_of_regional_member(sender, instance, **kwargs):
    forget_access_of([instance.user_id])
