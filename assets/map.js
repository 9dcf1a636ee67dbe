// Draws the partnership's wards as a plain outline and the scenes as circles, from the JSON on the page.
// No map tiles are fetched. The table under the map lists the same scenes, for anyone without the map.
const source = document.getElementById("map-data");
const container = document.getElementById("incident-map");
if (source && container && window.L) {
  const data = JSON.parse(source.textContent);
  const layers = [];
  if (data.boundary) {
    layers.push(
      window.L.geoJSON(data.boundary, {
        style: { color: "#505a5f", weight: 2, fillColor: "#f3f2f1", fillOpacity: 1 },
        onEachFeature: (feature, layer) => layer.bindTooltip(feature.properties.name, { sticky: true }),
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
  if (layers.length) {
    // The view is set before anything is drawn: Leaflet cannot place a layer on a map without one.
    const all = window.L.featureGroup(layers);
    container.hidden = false;
    const map = window.L.map(container, { attributionControl: false, zoomSnap: 0.25 });
    map.fitBounds(all.getBounds().pad(0.05));
    all.addTo(map);
  }
}
