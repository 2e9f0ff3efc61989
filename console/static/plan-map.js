// Draws a plan's GeoJSON with Leaflet: numbered stops per worker, legs, the depot, visits left
// out. With no tile URL configured (offline, the demo) the stops stand on a plain background,
// still placed by their coordinates, so the page is useful with no network.
(function () {
  var data = JSON.parse(document.getElementById("map-data").textContent);
  var script = document.getElementById("plan-map-script");
  var colours = ["#0b3d91", "#b35900", "#0b6b2f", "#6f2da8"];
  var map = L.map("map", { zoomSnap: 0.25 });
  if (script.dataset.tiles) {
    L.tileLayer(script.dataset.tiles, { attribution: script.dataset.attribution || "" }).addTo(map);
  }
  var workers = [];
  function colour(worker) {
    if (workers.indexOf(worker) < 0) { workers.push(worker); }
    return colours[workers.indexOf(worker) % colours.length];
  }
  var layer = L.geoJSON(data, {
    style: function (feature) { return { color: colour(feature.properties.worker_id), weight: 3 }; },
    pointToLayer: function (feature, latlng) {
      var p = feature.properties;
      if (p.role === "depot") {
        return L.circleMarker(latlng, { radius: 8, color: "#1b1b1b", fillOpacity: 1 }).bindTooltip("乡镇民政办");
      }
      if (p.role === "dropped") {
        return L.circleMarker(latlng, { radius: 6, color: "#a8071a", dashArray: "2" }).bindTooltip("未排入");
      }
      var icon = L.divIcon({ className: "stop-number", html: String(p.position + 1),
                             iconSize: [22, 22] });
      var marker = L.marker(latlng, { icon: icon, keyboard: false });
      marker.on("add", function () { marker.getElement().style.background = colour(p.worker_id); });
      return marker.bindTooltip((p.position + 1) + "：" + p.planned_start);
    }
  }).addTo(map);
  map.fitBounds(layer.getBounds(), { padding: [20, 20] });
})();
