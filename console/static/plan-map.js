// Draws a plan's GeoJSON with Leaflet: numbered stops per worker, legs, the depot, visits left
// out. Each worker keeps the colour of their route's swatch on the page (by route order). With
// no tile URL configured (offline, the demo) the township's villages are drawn with their names
// on a plain background, so the page is useful with no network.
(function () {
  var data = JSON.parse(document.getElementById("map-data").textContent);
  var extra = JSON.parse(document.getElementById("map-extra").textContent);
  var script = document.getElementById("plan-map-script");
  var colours = ["#0b3d91", "#b35900", "#0b6b2f", "#6f2da8"];
  var map = L.map("map", { zoomSnap: 0.25 });
  var villages = L.featureGroup();
  L.control.scale({ imperial: false }).addTo(map);
  if (script.dataset.tiles) {
    L.tileLayer(script.dataset.tiles, { attribution: script.dataset.attribution || "" }).addTo(map);
  } else {
    extra.villages.forEach(function (v) {
      L.circleMarker([v.lat, v.lng], { radius: 4, color: "#505a5f", weight: 1, fillOpacity: 0.4 })
        .bindTooltip(v.name, { permanent: true, direction: "bottom", className: "village-label" })
        .addTo(villages);
    });
    villages.addTo(map);
  }
  function colour(worker) {
    var index = extra.workers.indexOf(worker);
    return colours[(index < 0 ? 0 : index) % colours.length];
  }
  var layer = L.geoJSON(data, {
    style: function (feature) { return { color: colour(feature.properties.worker_id), weight: 3 }; },
    pointToLayer: function (feature, latlng) {
      var p = feature.properties;
      var name = extra.labels[p.visit_key] || "";
      if (p.role === "depot") {
        return L.circleMarker(latlng, { radius: 8, color: "#1b1b1b", fillOpacity: 1 }).bindTooltip("乡镇民政办（出发点）");
      }
      if (p.role === "dropped") {
        return L.circleMarker(latlng, { radius: 6, color: "#a8071a", dashArray: "2" }).bindTooltip("未排入：" + name);
      }
      var icon = L.divIcon({ className: "stop-number", html: String(p.position + 1),
                             iconSize: [22, 22] });
      var marker = L.marker(latlng, { icon: icon, keyboard: false });
      marker.on("add", function () { marker.getElement().style.background = colour(p.worker_id); });
      return marker.bindTooltip((p.position + 1) + ". " + name + " " + p.planned_start + " 开始");
    }
  }).addTo(map);
  var bounds = layer.getBounds();
  if (villages.getLayers().length) { bounds.extend(villages.getBounds()); }
  map.fitBounds(bounds, { padding: [24, 24] });
})();
