// A small map under a form's latitude and longitude: a click or tap on it fills in both inputs and marks the
// point. A supplementary way to choose, for people with a mouse or touch screen: the two inputs stay on the
// page, labelled, and are what the form sends; without JavaScript only they are shown. No map tiles are
// fetched: the map draws the partnership's ward outlines (asked for from data-wards), each named when the
// pointer rests on it, and opens on them until a point is chosen; arrow keys pan it and + and - zoom.
const script = document.currentScript;
const latitude = document.getElementById(script.dataset.latitude);
const longitude = document.getElementById(script.dataset.longitude);
const wardsUrl = script.dataset.wards;
const START = { centre: [51.5074, -0.1278], zoom: 12 }; // Used when neither a point nor wards are known.

function typedPoint() {
  const lat = Number.parseFloat(latitude.value);
  const lng = Number.parseFloat(longitude.value);
  return Number.isFinite(lat) && Number.isFinite(lng) ? [lat, lng] : null;
}

function start() {
  const group = longitude.closest(".govuk-form-group");
  const hint = document.createElement("p");
  hint.className = "govuk-hint";
  hint.textContent = "Or click or tap the point on the map below to fill in the latitude and longitude.";
  const container = document.createElement("div");
  container.className = "svt-map";
  container.style.height = "300px";
  container.setAttribute("role", "region");
  container.setAttribute(
    "aria-label",
    "Map to choose the point (optional: the latitude and longitude can be typed instead)"
  );
  group.after(hint, container);

  const map = window.L.map(container, { attributionControl: false });
  const marker = window.L.circleMarker([0, 0], {
    radius: 8, color: "#0b0c0c", weight: 2, fillColor: "#d4351c", fillOpacity: 0.85,
  });
  const show = () => {
    const point = typedPoint();
    if (point) {
      marker.setLatLng(point).addTo(map);
    } else {
      marker.remove();
    }
    return point;
  };
  const point = show();
  map.setView(point || START.centre, point ? 15 : START.zoom);
  drawWards(map, !point);
  map.on("click", (event) => {
    const chosen = event.latlng.wrap();
    latitude.value = chosen.lat.toFixed(5);
    longitude.value = chosen.lng.toFixed(5);
    show();
  });
  // A point typed in the boxes is marked and brought into view.
  const typed = () => {
    const point = show();
    if (point) {
      map.panTo(point);
    }
  };
  latitude.addEventListener("change", typed);
  longitude.addEventListener("change", typed);
}

// The wards go under the marker; the map moves to them if no point has been given yet. Without them (none
// set up, or the request failed) the map still places points.
function drawWards(map, moveToThem) {
  if (!wardsUrl) {
    return;
  }
  fetch(wardsUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then((response) => (response.ok ? response.json() : null))
    .then((wards) => {
      if (!wards || !wards.features || wards.features.length === 0) {
        return;
      }
      const outlines = window.L.geoJSON(wards, {
        style: { color: "#505a5f", weight: 2, fillColor: "#f3f2f1", fillOpacity: 1 },
        onEachFeature: (feature, layer) => {
          const name = document.createElement("span");
          name.textContent = String(feature.properties.name);
          layer.bindTooltip(name, { sticky: true });
        },
      }).addTo(map);
      outlines.bringToBack();
      map.getContainer().dataset.wards = String(wards.features.length);
      if (moveToThem && !typedPoint()) {
        map.fitBounds(outlines.getBounds());
      }
    })
    .catch(() => {});
}

if (latitude && longitude && window.L) {
  start();
}
