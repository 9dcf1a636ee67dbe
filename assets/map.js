// Draws the partnership's wards as a plain outline, the scenes as red circles and the police measures still
// current as blue squares, from the JSON on the page. No map tiles are fetched. The tables under the map list
// the same scenes and measures, for anyone without the map.
// Every value from the database (ward names, titles, descriptions) goes in as text, never as HTML.
const source = document.getElementById("map-data");
const container = document.getElementById("incident-map");

function textOf(...parts) {
  const element = document.createElement("span");
  element.textContent = parts.join("");
  return element;
}

if (source && container && window.L) {
  const data = JSON.parse(source.textContent);
  const layers = [];
  if (data.boundary) {
    layers.push(
      window.L.geoJSON(data.boundary, {
        style: { color: "#505a5f", weight: 2, fillColor: "#f3f2f1", fillOpacity: 1 },
        onEachFeature: (feature, layer) =>
          layer.bindTooltip(textOf(String(feature.properties.name)), { sticky: true }),
      })
    );
  }
  data.points.forEach((point) => {
    const popup = document.createElement("p");
    const link = document.createElement("a");
    link.href = point.url;
    link.textContent = point.reference;
    popup.append(link, ` ${point.title} (${point.status})`);
    if (!point.exact) {
      popup.append(document.createElement("br"), `Shown at the centre of ${point.ward}`);
    }
    layers.push(
      window.L.circleMarker([point.lat, point.lng], {
        radius: 7, color: "#0b0c0c", weight: 1, fillColor: "#d4351c", fillOpacity: 0.85,
      }).bindPopup(popup)
    );
  });
  (data.measures || []).forEach((measure) => {
    const popup = document.createElement("p");
    const link = document.createElement("a");
    link.href = `${measure.url}#scenes`;
    link.textContent = measure.reference;
    popup.append(link, ` ${measure.kind}`, document.createElement("br"), measure.status);
    if (measure.what) {
      popup.append(document.createElement("br"), measure.what);
    }
    if (!measure.exact) {
      popup.append(document.createElement("br"), `Shown at the centre of ${measure.ward}`);
    }
    // A square marker, so a measure is told from a scene without relying on colour alone.
    const icon = window.L.divIcon({ className: "svt-map-measure", iconSize: [14, 14] });
    layers.push(
      // Reached with the Tab key, named by its kind (Leaflet sets the title as an attribute, not as HTML).
      window.L.marker([measure.lat, measure.lng], { icon, title: measure.kind })
        .bindTooltip(textOf(measure.kind, measure.what ? `: ${measure.what}` : ""))
        .bindPopup(popup)
    );
  });
  if (layers.length) {
    // The view is set before anything is drawn: Leaflet cannot place a layer on a map without one.
    const all = window.L.featureGroup(layers);
    container.hidden = false;
    const map = window.L.map(container, { attributionControl: false, zoomSnap: 0.25 });
    map.fitBounds(all.getBounds().pad(0.05));
    all.addTo(map);
  }
}
