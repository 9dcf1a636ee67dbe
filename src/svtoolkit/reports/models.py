from django.db import models

from svtoolkit.core.models import user_field


class WardBoundary(models.Model):
    """A partnership's own ward outlines, uploaded by a coordinator: used instead of a shipped file."""

    partnership = models.OneToOneField(
        "partnerships.Partnership", on_delete=models.CASCADE, related_name="ward_boundary"
    )
    geojson = models.JSONField(help_text="A FeatureCollection of named Polygon or MultiPolygon wards.")
    file_name = models.CharField(max_length=200)
    uploaded_by = user_field()
    uploaded_at = models.DateTimeField(auto_now=True)
    revision = models.PositiveIntegerField(default=1)

    def __str__(self):
        return f"Ward boundaries of {self.partnership}"
