"""The wards of a partnership's area: uploaded by a coordinator (WardBoundary), or else shipped as GeoJSON in
data/boundaries/<partnership slug>.geojson.

The map draws them as a plain outline (no map tiles are fetched from anywhere), and the server uses them to
put a scene in its ward and, for those who may not see exact locations, to show the ward's centre instead.
shapely checks each outline is a valid shape (no edge crossing another, holes inside their outline) before it
is used, and places points in prepared shapes found through an STRtree: an upload may hold 50,000 points,
and a map places up to a thousand scenes and a thousand measures. A partnership's upload is read once in each
process, until a new upload replaces it.
"""

import json
import logging
import math
from dataclasses import dataclass, field
from functools import cache, cached_property, lru_cache
from pathlib import Path

import shapely

from svtoolkit.core.json_limits import nested_deeper_than

logger = logging.getLogger(__name__)

BOUNDARIES = Path(__file__).resolve().parent / "data" / "boundaries"

Ring = list[tuple[float, float]]  # (longitude, latitude) points, as GeoJSON orders them


@dataclass(frozen=True)
class Ward:
    name: str
    polygons: tuple[tuple[Ring, ...], ...]  # each polygon: its outer ring, then any holes
    shape: shapely.MultiPolygon = field(repr=False, compare=False)  # the same, prepared

    def contains(self, longitude: float, latitude: float) -> bool:
        """Inside the ward or on its outline."""
        return bool(shapely.intersects_xy(self.shape, longitude, latitude))

    @cached_property
    def centre(self) -> tuple[float, float]:
        """(latitude, longitude) of the centroid of the ward's largest polygon, rounded to 5 places."""
        ring = max((polygon[0] for polygon in self.polygons), key=lambda ring: abs(_area(ring)))
        area = _area(ring)
        x = y = 0.0
        for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
            cross = x0 * y1 - x1 * y0
            x += (x0 + x1) * cross
            y += (y0 + y1) * cross
        return round(y / (6 * area), 5), round(x / (6 * area), 5)


@dataclass(frozen=True)
class Boundary:
    name: str
    wards: tuple[Ward, ...]
    geojson: dict | None
    # Why stored outlines cannot be used (they were kept before uploads were checked): the map then draws
    # no wards, and places no scene for those who see only wards, rather than fail.
    problem: str = ""

    @cached_property
    def _tree(self) -> shapely.STRtree:
        return shapely.STRtree([ward.shape for ward in self.wards])

    def ward_at(self, latitude: float, longitude: float) -> Ward | None:
        """The first of the wards the point is inside or on the outline of, if any."""
        found = self._tree.query(shapely.Point(longitude, latitude), predicate="intersects")
        return self.wards[min(found)] if len(found) else None


class BoundaryError(ValueError):
    """The GeoJSON is not a set of named ward polygons."""


def _area(ring: Ring) -> float:
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True)) / 2


def _is_degrees(value) -> bool:
    # JSON's true and false are no longitude, though Python counts them numbers (1 and 0).
    return isinstance(value, int | float) and not isinstance(value, bool)


def _degrees(value) -> float:
    """``value`` as a float: an integer of more digits than a float holds (JSON sets no limit) as infinity,
    outside every range, rather than an OverflowError."""
    try:
        return float(value)
    except OverflowError:
        return math.inf


def _ring(points) -> Ring:
    ring = []
    for point in points:
        if not (isinstance(point, list) and len(point) >= 2 and all(_is_degrees(v) for v in point[:2])):
            raise BoundaryError("Each point must be a longitude and a latitude")
        longitude, latitude = _degrees(point[0]), _degrees(point[1])
        if not (-180 <= longitude <= 180 and -90 <= latitude <= 90):
            raise BoundaryError("A point is outside the range of longitudes and latitudes")
        ring.append((longitude, latitude))
    if len(ring) < 4:
        raise BoundaryError("Each ward's outline needs at least three corners")
    return ring[:-1] if ring[0] == ring[-1] else ring


def _shape(name: str, polygons: tuple[tuple[Ring, ...], ...]) -> shapely.MultiPolygon:
    """The outline as a shape prepared for placing points; refused if it is not a valid shape: its edges
    cross, a hole lies outside it, its parts overlap. Such a ward has no sensible inside or centre."""
    shape = shapely.MultiPolygon([shapely.Polygon(polygon[0], polygon[1:]) for polygon in polygons])
    if shape.is_valid:
        shapely.prepare(shape)
        return shape
    reason = shapely.is_valid_reason(shape)
    what, _, where = reason.partition("[")
    if "Self-intersection" in what:
        longitude, _, latitude = where.rstrip("]").partition(" ")
        raise BoundaryError(
            f"{name}: the outline crosses itself near longitude {longitude}, latitude {latitude}. "
            "Correct it in your mapping software and upload the file again"
        )
    raise BoundaryError(
        f"{name}: the outline is not a valid shape ({reason}). "
        "Correct it in your mapping software and upload the file again"
    )


# A ward's coordinates nest 8 deep in a FeatureCollection; the rest leaves room for properties.
MAX_DEPTH = 20
TOO_DEEP = (
    f"The file is nested too deeply: GeoJSON wards need at most {MAX_DEPTH} levels of lists and objects"
)


def parse(data: dict) -> Boundary:
    """Read a GeoJSON FeatureCollection of Polygon or MultiPolygon features, each with a ``name`` and a valid
    outline, or raise a BoundaryError saying what is wrong."""
    if nested_deeper_than(data, MAX_DEPTH):
        raise BoundaryError(TOO_DEEP)
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise BoundaryError("The file must be a GeoJSON FeatureCollection")
    wards = []
    features = data.get("features")
    if not isinstance(features, list) or not all(isinstance(feature, dict) for feature in features):
        raise BoundaryError("The file's features must be a list of wards")
    for feature in features:
        geometry = feature.get("geometry") if isinstance(feature.get("geometry"), dict) else {}
        properties = feature.get("properties") if isinstance(feature.get("properties"), dict) else {}
        name = str(properties.get("name") or "").strip()[:120]
        if not name:
            raise BoundaryError("Every ward needs a name (a 'name' property)")
        if geometry.get("type") == "Polygon":
            polygons = [geometry.get("coordinates")]
        elif geometry.get("type") == "MultiPolygon":
            polygons = geometry.get("coordinates")
        else:
            raise BoundaryError(f"{name}: each ward must be a Polygon or a MultiPolygon")
        # An empty MultiPolygon is a valid shape with no area to measure and no centre: refused here too.
        if (
            not isinstance(polygons, list)
            or not polygons
            or not all(
                isinstance(p, list) and p and all(isinstance(ring, list) for ring in p) for p in polygons
            )
        ):
            raise BoundaryError(f"{name}: the outline has no coordinates")
        outline = tuple(tuple(_ring(ring) for ring in polygon) for polygon in polygons)
        wards.append(Ward(name, outline, _shape(name, outline)))
    if not wards:
        raise BoundaryError("The file holds no wards")
    return Boundary(name=str(data.get("name") or ""), wards=tuple(wards), geojson=data)


@cache
def _shipped(slug: str) -> Boundary | None:
    path = BOUNDARIES / f"{slug}.geojson"
    if not path.is_file():
        return None
    return parse(json.loads(path.read_text(encoding="utf-8")))


MAX_BYTES = 2 * 1024 * 1024
MAX_POINTS = 50_000
# No ward is smaller than this: an outline of less is a sliver left by mapping software (valid as a shape),
# which no scene would ever be placed in. Even the smallest wards (in the City of London) cover tens of
# thousands of square metres.
SMALLEST_WARD = 100  # square metres
METRES_PER_DEGREE = 111_320  # of latitude; of longitude at the equator, narrowing with the latitude's cosine


def square_metres(shape) -> float:
    """A shape's area in square metres, near enough to tell a ward from a sliver (each degree of longitude
    taken as wide as at the middle latitude of the shape)."""
    _, south, _, north = shape.bounds
    return shape.area * METRES_PER_DEGREE**2 * math.cos(math.radians((south + north) / 2))


def boundary_of(partnership) -> Boundary | None:
    """The partnership's wards (its upload, else the shipped file), or None when none have been set up. The
    same Boundary is shared by every request of the process: it is never changed."""
    from svtoolkit.reports.models import WardBoundary

    uploaded_at = (
        WardBoundary.objects.filter(partnership=partnership).values_list("uploaded_at", flat=True).first()
    )
    if uploaded_at is not None:
        return _uploaded(partnership.pk, uploaded_at)
    # Slugs are letters, digits and hyphens, so the file name cannot leave the boundaries folder.
    return _shipped(partnership.slug) if partnership.slug.replace("-", "").isalnum() else None


@lru_cache(maxsize=64)
def _uploaded(partnership_id: int, uploaded_at) -> Boundary | None:
    """A partnership's upload, read once for each time it was uploaded (each new upload changes
    ``uploaded_at``, so the map reads it afresh; the one it replaced is dropped in time)."""
    from svtoolkit.reports.models import WardBoundary

    uploaded = (
        WardBoundary.objects.filter(partnership_id=partnership_id).values_list("geojson", flat=True).first()
    )
    if uploaded is None:
        return None
    try:
        return parse(uploaded)
    except BoundaryError as error:
        logger.warning("The ward outlines of partnership %s cannot be used: %s", partnership_id, error)
        return Boundary(name="", wards=(), geojson=None, problem=str(error))


def read_upload(content: bytes) -> Boundary:
    """An uploaded file's wards, or a BoundaryError saying, in words a person understands, what is wrong.
    (The form refuses files over MAX_BYTES before reading them.)"""
    try:
        data = json.loads(content.decode("utf-8-sig"))
    except ValueError as error:  # not UTF-8, not JSON, or a number of more digits than Python reads
        raise BoundaryError(
            "The file is not GeoJSON: save the wards as a .geojson file and upload it again"
        ) from error
    except RecursionError:
        # Python's decoder gives up on about a thousand levels; parse() refuses far fewer, with these words.
        raise BoundaryError(TOO_DEEP) from None
    boundary = parse(data)
    points = sum(len(ring) for ward in boundary.wards for polygon in ward.polygons for ring in polygon)
    if points > MAX_POINTS:
        raise BoundaryError("The outlines have too many points. Simplify them and upload the file again")
    for ward in boundary.wards:
        # "not >=" so that an area that cannot be measured (NaN, less than nothing) is refused too.
        if not square_metres(ward.shape) >= SMALLEST_WARD:
            raise BoundaryError(
                f"{ward.name}: the outline has almost no area (less than {SMALLEST_WARD} square metres), "
                "so no scene could be placed in it. Correct it in your mapping software and upload the file "
                "again"
            )
    return boundary
