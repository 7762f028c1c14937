/* deerhabitat map runtime (inlined into every published page; no network, no HTML from data).
 *
 * Builds a Leaflet map from the JSON data element of id "dh-data-NAME" (type application/json):
 * layers with groups, a legend per layer drawn from its style (hidden with its layer), popups and
 * tooltips, search by name, distance measuring on the WGS 84 ellipsoid, zoom to data, a year slider,
 * and a canvas layer for large point layers. Large layers arrive packed (varint deltas, front-coded and
 * dictionary-coded texts; see publish/layers.py) and are decoded once; large polygon layers switch between
 * simplified levels as the zoom changes.
 *
 * Every attribute value reaches the page through textContent or a DOM text node: never as markup,
 * never in a template literal, never evaluated. Leaflet popups and tooltips are given DOM nodes, not strings.
 */
(function () {
  "use strict";

  var DH = window.deerhabitat = window.deerhabitat || {};
  DH.maps = DH.maps || {};
  var CANVAS_THRESHOLD = 2500;
  var SVG_NS = "http://www.w3.org/2000/svg";

  // -- DOM helpers: text only ---------------------------------------------------------------------
  function el(tag, cls, text, parent) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (parent) { parent.appendChild(node); }
    return node;
  }

  function icon(pathData, parent) {
    var svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "18");
    svg.setAttribute("height", "18");
    svg.setAttribute("aria-hidden", "true");
    var path = document.createElementNS(SVG_NS, "path");
    path.setAttribute("d", pathData);
    path.setAttribute("fill", "none");
    path.setAttribute("stroke", "currentColor");
    path.setAttribute("stroke-width", "2");
    svg.appendChild(path);
    parent.appendChild(svg);
    return svg;
  }

  function fold(text) {
    return String(text).normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLocaleLowerCase();
  }

  function latLngs(flat) {
    var out = [];
    for (var i = 0; i + 1 < flat.length; i += 2) { out.push([flat[i + 1], flat[i]]); }
    return out;
  }

  function leafletStyle(sym, carried) {
    return {
      color: sym.stroke, weight: sym.weight, opacity: 1,
      fill: !!sym.fill, fillColor: sym.fill || sym.stroke,
      fillOpacity: sym.fill ? (carried ? sym.fillOpacity * 0.35 : sym.fillOpacity) : 0,
      dashArray: carried ? "3 3" : (sym.dash || null)
    };
  }

  // -- packed data of large layers (see publish/layers.py): varints, deltas, front coding -----------
  function readVarints(b64) {
    var text = atob(b64 || ""), out = [], value = 0, scale = 1;
    for (var i = 0; i < text.length; i++) {
      var b = text.charCodeAt(i);
      value += (b & 0x7f) * scale;
      if (b & 0x80) { scale *= 128; } else { out.push(value); value = 0; scale = 1; }
    }
    return out;
  }

  function unzigzag(v) { return v % 2 ? -(v + 1) / 2 : v / 2; }

  function readXY(b64) {
    var v = readVarints(b64), xy = new Float64Array(v.length), x = 0, y = 0;
    for (var i = 0; i + 1 < v.length; i += 2) {
      x += unzigzag(v[i]);
      y += unzigzag(v[i + 1]);
      xy[i] = x / 1e5;
      xy[i + 1] = y / 1e5;
    }
    return xy;
  }

  function readShapes(packed, polygon, n) {
    var parts = readVarints(packed.np), rings = polygon ? readVarints(packed.nr) : null;
    var counts = readVarints(packed.nc), xy = readXY(packed.xy), out = [], p = 0, r = 0, pos = 0;
    function take(count) { var flat = xy.subarray(pos, pos + 2 * count); pos += 2 * count; return flat; }
    for (var f = 0; f < n; f++) {
      var feature = [];
      for (var a = 0; a < parts[f]; a++, p++) {
        if (!polygon) { feature.push(take(counts[p])); continue; }
        var part = [];
        for (var b = 0; b < rings[p]; b++, r++) { part.push(take(counts[r])); }
        feature.push(part);
      }
      out.push(feature);
    }
    return out;
  }

  function readColumn(column) {
    if (Array.isArray(column)) { return column; }
    if (column.p !== undefined) {
      var prefixes = readVarints(column.p), out = [], previous = "";
      var suffixes = column.j === undefined ? column.s : column.s.split(column.j);
      for (var i = 0; i < suffixes.length; i++) {
        previous = previous.slice(0, prefixes[i]) + suffixes[i];
        out.push(previous);
      }
      return out;
    }
    if (column.pc !== undefined) { return {d: column.d, c: readVarints(column.pc)}; }
    return column;
  }

  function levelFor(spec, zoom) {
    var k = 0;
    for (var i = 0; i < spec.levels.length; i++) { if (zoom >= spec.levels[i].z) { k = i; } }
    return k;
  }

  function levelCoords(spec, k) {
    if (!spec.levelCoords[k]) { spec.levelCoords[k] = readShapes(spec.levels[k], true, spec.n); }
    return spec.levelCoords[k];
  }

  function unpack(spec, zoom) {
    if (spec.kind !== "vector") { return; }
    if (spec.pxy) { spec.xy = readXY(spec.pxy); }
    if (spec.pcoords) { spec.coords = readShapes(spec.pcoords, spec.geom === "polygon", spec.n); }
    if (spec.levels) {
      spec.levelCoords = {};
      spec.level = levelFor(spec, zoom);
      spec.coords = levelCoords(spec, spec.level);
    }
    if (spec.psym) { spec.sym = readVarints(spec.psym); }
    spec.cols = spec.cols.map(readColumn);
  }

  function followZoom(entry, map) {
    var spec = entry.spec;
    map.on("zoomend", function () {
      var k = levelFor(spec, map.getZoom());
      if (k === spec.level) { return; }
      spec.level = k;
      spec.coords = levelCoords(spec, k);
      entry.features.forEach(function (feature, i) {
        feature.setLatLngs(spec.coords[i].map(function (poly) { return poly.map(latLngs); }));
      });
    });
  }

  // -- popups and tooltips ------------------------------------------------------------------------
  function cell(spec, j, i) {
    var column = spec.cols[j];
    return Array.isArray(column) ? column[i] : column.d[column.c[i]];
  }

  function featureTitle(spec, i) {
    return spec.cols.length ? cell(spec, 0, i) : spec.title;
  }

  function popupContent(spec, i) {
    var box = el("div", "dh-popup");
    el("div", "dh-popup-title", featureTitle(spec, i), box);
    el("div", "dh-popup-layer", spec.title, box);
    var table = el("table", null, null, box);
    for (var j = 1; j < spec.fields.length; j++) {
      var value = cell(spec, j, i);
      if (value === "" || value === null || value === undefined) { continue; }
      var row = el("tr", null, null, table);
      el("th", null, spec.fields[j], row);
      el("td", null, value, row);
    }
    return box;
  }

  function tooltipContent(spec, i) {
    return el("span", "dh-tooltip", featureTitle(spec, i));
  }

  // -- geodesic distance (Vincenty inverse on WGS 84; haversine if it does not converge) -----------
  function geodesicMetres(a, b) {
    var A = 6378137.0, F = 1 / 298.257223563, B = A * (1 - F), rad = Math.PI / 180;
    var L0 = (b.lng - a.lng) * rad;
    var U1 = Math.atan((1 - F) * Math.tan(a.lat * rad)), U2 = Math.atan((1 - F) * Math.tan(b.lat * rad));
    var sinU1 = Math.sin(U1), cosU1 = Math.cos(U1), sinU2 = Math.sin(U2), cosU2 = Math.cos(U2);
    var lambda = L0, iter = 0, sinSigma, cosSigma, sigma, cos2Alpha, cos2SigmaM, lambdaPrev;
    do {
      var sinL = Math.sin(lambda), cosL = Math.cos(lambda);
      sinSigma = Math.sqrt(Math.pow(cosU2 * sinL, 2) + Math.pow(cosU1 * sinU2 - sinU1 * cosU2 * cosL, 2));
      if (sinSigma === 0) { return 0; }
      cosSigma = sinU1 * sinU2 + cosU1 * cosU2 * cosL;
      sigma = Math.atan2(sinSigma, cosSigma);
      var sinAlpha = cosU1 * cosU2 * sinL / sinSigma;
      cos2Alpha = 1 - sinAlpha * sinAlpha;
      cos2SigmaM = cos2Alpha !== 0 ? cosSigma - 2 * sinU1 * sinU2 / cos2Alpha : 0;
      var C = F / 16 * cos2Alpha * (4 + F * (4 - 3 * cos2Alpha));
      lambdaPrev = lambda;
      lambda = L0 + (1 - C) * F * sinAlpha *
        (sigma + C * sinSigma * (cos2SigmaM + C * cosSigma * (-1 + 2 * cos2SigmaM * cos2SigmaM)));
    } while (Math.abs(lambda - lambdaPrev) > 1e-12 && ++iter < 200);
    if (iter >= 200) { return L.CRS.Earth.distance(a, b); }
    var u2 = cos2Alpha * (A * A - B * B) / (B * B);
    var k1 = 1 + u2 / 16384 * (4096 + u2 * (-768 + u2 * (320 - 175 * u2)));
    var k2 = u2 / 1024 * (256 + u2 * (-128 + u2 * (74 - 47 * u2)));
    var deltaSigma = k2 * sinSigma * (cos2SigmaM + k2 / 4 * (cosSigma * (-1 + 2 * cos2SigmaM * cos2SigmaM) -
      k2 / 6 * cos2SigmaM * (-3 + 4 * sinSigma * sinSigma) * (-3 + 4 * cos2SigmaM * cos2SigmaM)));
    return B * k1 * (sigma - deltaSigma);
  }
  DH.geodesicMetres = function (lat1, lng1, lat2, lng2) {
    return geodesicMetres(L.latLng(lat1, lng1), L.latLng(lat2, lng2));
  };

  // Leaflet's scale bar writes "500 km" whatever the language: the same bar, labelled in the map's language
  function scaleControl(state) {
    var t = state.t;
    var Scale = L.Control.Scale.extend({
      _updateMetric: function (maxMetres) {
        var metres = this._getRoundNum(maxMetres);
        var label = metres < 1000 ? metres.toLocaleString(t.locale) + " " + t.m :
          (metres / 1000).toLocaleString(t.locale) + " " + t.km;
        this._updateScale(this._mScale, label, metres / maxMetres);
      }
    });
    return new Scale({metric: true, imperial: false, maxWidth: 160});
  }

  function formatKm(metres, t) {
    var km = metres / 1000, digits = km < 10 ? 2 : km < 100 ? 1 : 0;
    return km.toLocaleString(t.locale, {minimumFractionDigits: digits, maximumFractionDigits: digits}) +
      " " + t.km;
  }

  // -- canvas layer for large point layers -----------------------------------------------------------
  var PointCanvas = L.Layer.extend({
    initialize: function (entry) {
      var spec = entry.spec, n = spec.n;
      this._entry = entry;
      this._px = new Float64Array(n);
      this._py = new Float64Array(n);
      for (var i = 0; i < n; i++) {
        var lat = Math.max(-85.0511, Math.min(85.0511, spec.xy[2 * i + 1])) * Math.PI / 180;
        this._px[i] = (spec.xy[2 * i] + 180) / 360;
        this._py[i] = (1 - Math.log(Math.tan(lat) + 1 / Math.cos(lat)) / Math.PI) / 2;
      }
      this.shown = new Uint8Array(n).fill(1);
    },
    onAdd: function (map) {
      this._canvas = L.DomUtil.create("canvas", "dh-canvas leaflet-zoom-hide");
      map.getPanes().overlayPane.appendChild(this._canvas);
      map.on("moveend zoomend resize viewreset", this.redraw, this);
      map.on("click", this._onClick, this);
      map.on("mousemove", this._onMove, this);
      this.redraw();
    },
    onRemove: function (map) {
      if (this._frame) { L.Util.cancelAnimFrame(this._frame); this._frame = null; }
      L.DomUtil.remove(this._canvas);
      map.off("moveend zoomend resize viewreset", this.redraw, this);
      map.off("click", this._onClick, this);
      map.off("mousemove", this._onMove, this);
      if (this._tooltip) { map.removeLayer(this._tooltip); }
    },
    _local: function () {
      var map = this._map, topLeft = map.containerPointToLayerPoint([0, 0]);
      var origin = map.getPixelOrigin().add(topLeft);
      return {scale: 256 * Math.pow(2, map.getZoom()), ox: origin.x, oy: origin.y, topLeft: topLeft};
    },
    redraw: function () {
      if (!this._map || this._frame) { return; }
      var self = this;
      this._frame = L.Util.requestAnimFrame(function () { self._frame = null; self._draw(); });
    },
    _sprite: function (sym, radius, carried) {
      var key = sym.label + "|" + radius + "|" + (carried ? 1 : 0);
      this._sprites = this._sprites || {};
      if (this._sprites[key]) { return this._sprites[key]; }
      var ratio = window.devicePixelRatio || 1, pad = Math.ceil(sym.weight) + 1;
      var size = Math.ceil(2 * (radius + pad)), sprite = document.createElement("canvas");
      sprite.width = sprite.height = size * ratio;
      var ctx = sprite.getContext("2d");
      ctx.scale(ratio, ratio);
      ctx.beginPath();
      ctx.arc(size / 2, size / 2, radius, 0, 2 * Math.PI);
      if (sym.fill) {
        ctx.globalAlpha = carried ? sym.fillOpacity * 0.35 : sym.fillOpacity;
        ctx.fillStyle = sym.fill;
        ctx.fill();
      }
      ctx.globalAlpha = 1;
      if (carried) { ctx.setLineDash([3, 3]); }
      ctx.lineWidth = sym.weight;
      ctx.strokeStyle = sym.stroke;
      ctx.stroke();
      this._sprites[key] = {image: sprite, size: size};
      return this._sprites[key];
    },
    _draw: function () {
      if (!this._map) { return; }
      var map = this._map, size = map.getSize(), t = this._local(), spec = this._entry.spec;
      var ratio = window.devicePixelRatio || 1, canvas = this._canvas;
      L.DomUtil.setPosition(canvas, t.topLeft);
      canvas.width = size.x * ratio;
      canvas.height = size.y * ratio;
      canvas.style.width = size.x + "px";
      canvas.style.height = size.y + "px";
      var ctx = canvas.getContext("2d");
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.clearRect(0, 0, size.x, size.y);
      for (var i = 0; i < spec.n; i++) {
        if (!this.shown[i]) { continue; }
        var sym = spec.symbols[spec.sym ? spec.sym[i] : 0];
        var r = spec.radius ? Math.round(spec.radius[i] * 2) / 2 : sym.radius;
        var x = this._px[i] * t.scale - t.ox, y = this._py[i] * t.scale - t.oy;
        if (x < -r - 4 || y < -r - 4 || x > size.x + r + 4 || y > size.y + r + 4) { continue; }
        var sprite = this._sprite(sym, r, spec.carried ? spec.carried[i] === 1 : false);
        ctx.drawImage(sprite.image, x - sprite.size / 2, y - sprite.size / 2, sprite.size, sprite.size);
      }
    },
    hit: function (containerPoint) {
      var t = this._local(), spec = this._entry.spec, best = -1, bestD = Infinity;
      for (var i = 0; i < spec.n; i++) {
        if (!this.shown[i]) { continue; }
        var dx = this._px[i] * t.scale - t.ox - containerPoint.x, dy = this._py[i] * t.scale - t.oy - containerPoint.y;
        var r = (spec.radius ? spec.radius[i] : spec.symbols[spec.sym ? spec.sym[i] : 0].radius) + 3;
        var d = dx * dx + dy * dy;
        if (d <= r * r && d < bestD) { best = i; bestD = d; }
      }
      return best;
    },
    _onClick: function (e) {
      if (DH.measuring) { return; }
      var i = this.hit(e.containerPoint);
      if (i >= 0) { openFeaturePopup(this._entry, i); }
    },
    _onMove: function (e) {
      var i = this.hit(e.containerPoint), map = this._map;
      map.getContainer().style.cursor = i >= 0 ? "pointer" : "";
      if (i < 0) {
        if (this._tooltip) { map.removeLayer(this._tooltip); this._tooltip = null; }
        return;
      }
      if (!this._tooltip) { this._tooltip = L.tooltip({direction: "top", offset: [0, -6]}); }
      this._tooltip.setLatLng(featureLatLng(this._entry, i)).setContent(tooltipContent(this._entry.spec, i));
      if (!map.hasLayer(this._tooltip)) { this._tooltip.addTo(map); }
    }
  });

  // -- building the layers ---------------------------------------------------------------------------
  function featureLatLng(entry, i) {
    var spec = entry.spec;
    if (spec.geom === "point") { return L.latLng(spec.xy[2 * i + 1], spec.xy[2 * i]); }
    return entry.features[i].getBounds().getCenter();
  }

  function symbolOf(spec, i) {
    return spec.symbols[spec.sym ? spec.sym[i] : 0];
  }

  function makeFeature(entry, i, renderer, shared) {
    var spec = entry.spec, sym = symbolOf(spec, i), carried = spec.carried ? spec.carried[i] === 1 : false;
    var style = leafletStyle(sym, carried), layer;
    if (renderer) { style.renderer = renderer; }
    if (spec.geom === "point") {
      style.radius = spec.radius ? spec.radius[i] : sym.radius;
      layer = L.circleMarker([spec.xy[2 * i + 1], spec.xy[2 * i]], style);
    } else if (spec.geom === "line") {
      layer = L.polyline(spec.coords[i].map(latLngs), style);
    } else {
      layer = L.polygon(spec.coords[i].map(function (poly) { return poly.map(latLngs); }), style);
    }
    if (spec.interactive === false) {
      layer.options.interactive = false;
      return layer;
    }
    layer.dhIndex = i;
    if (shared) { return layer; }  // popup, tooltip and hover bound once on the layer group (bindShared)
    layer.bindPopup(function () { return popupContent(spec, i); }, popupOptions(entry.state));
    layer.bindTooltip(function () { return tooltipContent(spec, i); }, {sticky: spec.geom !== "point"});
    layer.on("popupopen", function () { if (DH.measuring) { layer.closePopup(); } });
    layer.on("mouseover", function () { layer.setStyle({weight: sym.weight + 1.5}); });
    layer.on("mouseout", function () { layer.setStyle({weight: sym.weight}); });
    return layer;
  }

  // Popups pan clear of the map's controls: the layer list (collapsed while a popup is open, see
  // collapseForPopups) on the right, the tool bars on the left, the slider and scale at the bottom.
  function popupOptions(state) {
    var size = state.map.getSize();
    return {maxWidth: Math.min(340, Math.max(200, size.x - 120)), minWidth: 180, autoPan: false,
            maxHeight: Math.max(160, size.y - 150)};
  }

  // -- labels: countries, rivers, protected areas (text nodes; lower-priority labels hidden on overlap) --
  var LABEL_ORDER = {country: 0, area: 1, river: 2};

  function buildLabels(entry, state) {
    var spec = entry.spec;
    if (!spec.labels) { return; }
    entry.labels = spec.labels.map(function (xy, i) {
      var text = featureTitle(spec, i);
      if (!text) { return null; }
      var node = el("span", "dh-label dh-label-" + spec.labelKind, text);
      return L.marker([xy[1], xy[0]], {
        pane: "dhLabels", interactive: false, keyboard: false,
        icon: L.divIcon({className: "dh-label-icon", html: node, iconSize: null})
      });
    }).filter(function (m) { return m !== null; });
    entry.labelLayer = L.layerGroup(entry.labels);
  }

  function declutter(state) {
    var frame = state.map.getContainer().getBoundingClientRect();
    var kept = [], entries = state.entries.filter(function (e) {
      return e.labelLayer && state.map.hasLayer(e.labelLayer);
    });
    entries.sort(function (a, b) { return LABEL_ORDER[a.spec.labelKind] - LABEL_ORDER[b.spec.labelKind]; });
    entries.forEach(function (entry) {
      entry.labels.forEach(function (marker) {
        var node = marker.getElement();
        if (!node) { return; }
        node.style.visibility = "";
        var r = node.firstChild.getBoundingClientRect();
        var outside = r.left < frame.left || r.right > frame.right || r.top < frame.top || r.bottom > frame.bottom;
        var clash = r.width === 0 || outside || kept.some(function (k) {
          return r.left < k.right + 4 && r.right + 4 > k.left && r.top < k.bottom + 2 && r.bottom + 2 > k.top;
        });
        if (clash) { node.style.visibility = "hidden"; } else { kept.push(r); }
      });
    });
  }

  // Moves the map (no animation) so that an open popup lies inside the map, clear of the tool bars on
  // the left, and not under the layer list and legend (Leaflet's own autoPan is animated and does not
  // know the controls).
  function fitPopup(state, popup) {
    var node = popup.getElement();
    if (!node || !state.map.hasLayer(popup)) { return; }
    var m = state.map.getContainer().getBoundingClientRect(), p = node.getBoundingClientRect();
    var dx = 0, dy = 0;
    if (p.bottom > m.bottom - 24) { dy = p.bottom - (m.bottom - 24); }
    if (p.top - dy < m.top + 60) { dy = p.top - (m.top + 60); }
    if (p.right > m.right - 16) { dx = p.right - (m.right - 16); }
    if (p.left - dx < m.left + 56) { dx = p.left - (m.left + 56); }
    if (dx || dy) { state.map.panBy([dx, dy], {animate: false}); }
    clearOfLegend(state, popup);
  }

  function clearOfLegend(state, popup) {
    var node = popup.getElement(), box = state.layerBox;
    if (!node || !box || !state.map.hasLayer(popup)) { return; }
    var p = node.getBoundingClientRect(), c = box.getBoundingClientRect(), gap = 8;
    if (!(p.left < c.right && c.left < p.right && p.top < c.bottom && c.top < p.bottom)) { return; }
    var down = c.bottom + gap - p.top, left = p.right - c.left + gap;
    state.map.panBy(down <= left ? [0, -down] : [left, 0], {animate: false});
  }

  function collapseForPopups(state) {
    var map = state.map;
    map.on("popupopen", function (e) {
      if (state.layerBox && !state.layerCollapsed()) {
        state.setLayersOpen(false);
        state.reopenLayers = true;
        e.popup.update();
      }
      if (map._panAnim && map._panAnim._inProgress) { map._panAnim.stop(); }
      fitPopup(state, e.popup);
    });
    state.map.on("popupclose", function () {
      if (state.reopenLayers) { state.reopenLayers = false; state.setLayersOpen(true); }
    });
  }

  // Large layers: one popup, one tooltip and one pair of hover handlers on the group instead of one per
  // feature (20,000 polygons would otherwise create 40,000 popup and tooltip objects at load).
  function bindShared(entry) {
    var spec = entry.spec, group = entry.layer;
    if (spec.interactive === false) { return; }
    group.bindPopup(function (layer) { return popupContent(spec, layer.dhIndex); }, popupOptions(entry.state));
    group.bindTooltip(function (layer) { return tooltipContent(spec, layer.dhIndex); }, {sticky: spec.geom !== "point"});
    group.on("popupopen", function () { if (DH.measuring) { group.closePopup(); } });
    group.on("mouseover", function (e) { e.layer.setStyle({weight: symbolOf(spec, e.layer.dhIndex).weight + 1.5}); });
    group.on("mouseout", function (e) { e.layer.setStyle({weight: symbolOf(spec, e.layer.dhIndex).weight}); });
  }

  function buildVectorLayer(entry, state) {
    var spec = entry.spec;
    if (spec.geom === "point" && spec.n > CANVAS_THRESHOLD) {
      entry.canvas = new PointCanvas(entry);
      entry.layer = entry.canvas;
      return;
    }
    var large = spec.n > CANVAS_THRESHOLD, renderer = large ? state.canvasRenderer : null;
    if (spec.base || spec.context) { renderer = spec.context ? state.contextRenderer : state.baseRenderer; }
    entry.features = [];
    entry.shared = large;
    var features = [];
    for (var i = 0; i < spec.n; i++) { features.push(makeFeature(entry, i, renderer, large)); }
    entry.features = features;
    entry.layer = L.featureGroup(features);
    if (large) { bindShared(entry); }
    if (spec.levels) { followZoom(entry, state.map); }
  }

  function buildRasterLayer(entry) {
    var b = entry.spec.bounds;
    entry.layer = L.imageOverlay(entry.spec.image, [[b[1], b[0]], [b[3], b[2]]], {
      opacity: entry.spec.opacity, interactive: false, className: "dh-raster", pane: "dhRasters"
    });
  }

  function applyYear(state, year) {
    state.year = year;
    state.entries.forEach(function (entry) {
      var spec = entry.spec;
      if (!spec.time) { return; }
      if (entry.canvas) {
        for (var i = 0; i < spec.n; i++) { entry.canvas.shown[i] = String(spec.time[i]) === String(year) ? 1 : 0; }
        entry.canvas.redraw();
        return;
      }
      entry.features.forEach(function (feature, k) {
        var show = String(spec.time[k]) === String(year);
        if (show && !entry.layer.hasLayer(feature)) { entry.layer.addLayer(feature); }
        if (!show && entry.layer.hasLayer(feature)) { entry.layer.removeLayer(feature); }
      });
    });
    if (state.yearOutput) { state.yearOutput.textContent = String(year); }
    if (state.yearInput) { state.yearInput.value = String(state.years.indexOf(year)); }
  }

  function setVisible(state, entry, visible) {
    if (visible && !state.map.hasLayer(entry.layer)) { state.map.addLayer(entry.layer); }
    if (!visible && state.map.hasLayer(entry.layer)) { state.map.removeLayer(entry.layer); }
    if (entry.checkbox) { entry.checkbox.checked = visible; }
    if (entry.legend) { entry.legend.hidden = !visible; }
    if (entry.labelLayer) {
      if (visible && !state.map.hasLayer(entry.labelLayer)) { state.map.addLayer(entry.labelLayer); }
      if (!visible && state.map.hasLayer(entry.labelLayer)) { state.map.removeLayer(entry.labelLayer); }
      declutter(state);
    }
  }

  function openFeaturePopup(entry, i) {
    var state = entry.state, spec = entry.spec;
    setVisible(state, entry, true);
    if (spec.time && String(spec.time[i]) !== String(state.year)) { applyYear(state, spec.time[i]); }
    if (entry.features && !entry.shared) {
      entry.features[i].openPopup();
      return entry.features[i].getPopup();
    }
    return L.popup(popupOptions(state)).setLatLng(featureLatLng(entry, i))
      .setContent(popupContent(spec, i)).openOn(state.map);
  }

  function focusFeature(entry, i) {
    var map = entry.state.map;
    if (entry.spec.geom === "point") {
      map.setView(featureLatLng(entry, i), Math.max(map.getZoom(), 8));
    } else {
      map.fitBounds(entry.features[i].getBounds(), {padding: [30, 30], maxZoom: 10});
    }
    openFeaturePopup(entry, i);
  }

  // -- legend ------------------------------------------------------------------------------------------
  function swatch(sym, geom, parent, radius) {
    var s = el("span", "dh-swatch dh-swatch-" + geom, null, parent);
    if (geom === "line") {
      s.style.borderTopColor = sym.stroke;
      s.style.borderTopWidth = Math.max(1, Math.min(sym.weight, 8)) + "px";
      s.style.borderTopStyle = sym.dash ? "dashed" : "solid";
      return s;
    }
    s.style.borderColor = sym.stroke;
    s.style.borderStyle = sym.dash ? "dashed" : "solid";
    if (sym.fill) {
      s.style.backgroundColor = sym.fill;
      s.style.opacity = String(Math.max(0.35, sym.fillOpacity));
    }
    if (geom === "point") {
      var r = Math.min(radius || sym.radius, 16);
      s.style.width = s.style.height = (2 * r) + "px";
      if (sym.stroke.toLowerCase() === "#ffffff") { s.style.borderColor = "#555555"; }
    }
    return s;
  }

  function buildLegend(entry) {
    var spec = entry.spec, box = el("div", "dh-legend");
    if (spec.kind === "raster") {
      var bar = el("div", "dh-ramp", null, box);
      bar.style.background = "linear-gradient(to right, " + spec.ramp.join(", ") + ")";
      var labels = el("div", "dh-ramp-labels", null, box);
      el("span", null, spec.rampLabels[0], labels);
      el("span", null, spec.rampLabels[1], labels);
    } else {
      spec.legend.forEach(function (k) {
        var row = el("div", "dh-legend-row", null, box);
        swatch(spec.symbols[k], spec.geom, row);
        el("span", null, spec.symbols[k].label, row);
      });
      (spec.sizeLegend || []).forEach(function (item) {
        var row = el("div", "dh-legend-row dh-legend-size", null, box);
        swatch({stroke: "#555555", weight: 1, fill: "#bbbbbb", fillOpacity: 0.6, radius: item.radius},
               "point", row, item.radius);
        el("span", null, item.label, row);
      });
    }
    if (spec.note) { el("div", "dh-legend-note", spec.note, box); }
    return box;
  }

  // -- controls --------------------------------------------------------------------------------------
  function layerControl(state, data) {
    var Control = L.Control.extend({
      options: {position: "topright"},
      onAdd: function () {
        var box = el("div", "dh-layers leaflet-bar");
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        var head = el("button", "dh-layers-toggle", state.t.layers, box);
        head.type = "button";
        head.setAttribute("aria-expanded", "true");
        var body = el("div", "dh-layers-body", null, box);
        state.setLayersOpen = function (open) {
          body.hidden = !open;
          head.setAttribute("aria-expanded", String(open));
          box.classList.toggle("dh-collapsed", !open);
        };
        state.layerCollapsed = function () { return body.hidden; };
        head.addEventListener("click", function () {
          state.reopenLayers = false;
          if (body.hidden) { state.map.closePopup(); }  // the open legend never covers a popup
          state.setLayersOpen(body.hidden);
        });
        if (state.tiles) { baseChooser(state, body); }
        data.groups.forEach(function (group) {
          var members = state.entries.filter(function (e) { return e.spec.group === group; });
          if (!members.length) { return; }
          var set = el("fieldset", "dh-group", null, body);
          el("legend", null, group, set);
          members.forEach(function (entry) { layerRow(state, entry, set); });
        });
        var size = state.map.getSize();
        if (size.x < 700 || size.y < 460) { state.setLayersOpen(false); }
        state.layerBox = box;
        return box;
      }
    });
    return new Control();
  }

  function layerRow(state, entry, parent) {
    var item = el("div", "dh-layer", null, parent);
    var label = el("label", null, null, item);
    var box = el("input", null, null, label);
    box.type = "checkbox";
    box.checked = entry.spec.visible;
    el("span", null, entry.spec.title, label);
    entry.checkbox = box;
    box.addEventListener("change", function () { setVisible(state, entry, box.checked); });
    if (entry.spec.kind === "raster") {
      var opacity = el("label", "dh-opacity", null, item);
      el("span", null, state.t.opacity, opacity);
      var slider = el("input", null, null, opacity);
      slider.type = "range";
      slider.min = "0";
      slider.max = "100";
      slider.value = String(Math.round(entry.spec.opacity * 100));
      slider.setAttribute("aria-label", state.t.opacity);
      slider.addEventListener("input", function () { entry.layer.setOpacity(Number(slider.value) / 100); });
      entry.opacityInput = slider;
    }
    entry.legend = buildLegend(entry);
    entry.legend.hidden = !entry.spec.visible;
    item.appendChild(entry.legend);
  }

  function baseChooser(state, parent) {
    var set = el("fieldset", "dh-group", null, parent);
    el("legend", null, state.t.basemap, set);
    [["none", state.t.outlines], ["tiles", state.tiles.title]].forEach(function (choice) {
      var label = el("label", "dh-layer", null, set);
      var radio = el("input", null, null, label);
      radio.type = "radio";
      radio.name = "dh-base-" + state.name;
      radio.checked = choice[0] === "tiles";
      el("span", null, choice[1], label);
      radio.addEventListener("change", function () { setTiles(state, choice[0] === "tiles"); });
    });
  }

  function setTiles(state, on) {
    if (on) { state.tileLayer.addTo(state.map); } else { state.map.removeLayer(state.tileLayer); }
    if (state.baseEntry && state.baseEntry.features) {
      var sym = state.baseEntry.spec.symbols[0];
      state.baseEntry.features.forEach(function (f) { f.setStyle({fillOpacity: on ? 0.05 : sym.fillOpacity}); });
    }
  }

  function button(parent, title, pathData, onClick) {
    var a = el("a", "dh-button", null, parent);
    a.href = "#";
    a.title = title;
    a.setAttribute("role", "button");
    a.setAttribute("aria-label", title);
    icon(pathData, a);
    L.DomEvent.on(a, "click", L.DomEvent.stop);
    L.DomEvent.on(a, "click", onClick);
    return a;
  }

  function zoomControl(state, bounds) {
    var Control = L.Control.extend({
      options: {position: "topleft"},
      onAdd: function () {
        var bar = el("div", "leaflet-bar");
        button(bar, state.t.zoom_data, "M3 11l9-8 9 8M5 9.5V21h5v-6h4v6h5V9.5", function () { fitData(state, bounds, true); });
        return bar;
      }
    });
    return new Control();
  }

  function fitData(state, bounds, animate) {
    var right = state.layerBox && state.layerBox.offsetWidth && state.map.getSize().x > 800 ?
      state.layerBox.offsetWidth + 20 : 20;
    state.map.fitBounds(bounds, {paddingTopLeft: [60, 20], paddingBottomRight: [right, 20], animate: animate});
  }

  function measureControl(state) {
    var Control = L.Control.extend({
      options: {position: "topleft"},
      onAdd: function (map) {
        var bar = el("div", "leaflet-bar dh-measure");
        var panel = el("div", "dh-measure-panel", null, bar);
        panel.hidden = true;
        var out = el("div", "dh-measure-out", state.t.measure_start, panel);
        var finish = el("button", null, state.t.finish, panel);
        var clear = el("button", null, state.t.clear, panel);
        finish.type = clear.type = "button";
        var points = [], line = null, marks = L.layerGroup();
        function update() {
          var total = 0;
          for (var i = 1; i < points.length; i++) { total += geodesicMetres(points[i - 1], points[i]); }
          state.measuredMetres = total;
          out.textContent = points.length < 2 ? state.t.measure_start :
            state.t.measure_distance.replace("{distance}", formatKm(total, state.t));
        }
        function onClick(e) {
          points.push(e.latlng);
          L.circleMarker(e.latlng, {radius: 3, color: "#d7301f", interactive: false}).addTo(marks);
          if (!line) { line = L.polyline([], {color: "#d7301f", weight: 2, dashArray: "6 4", interactive: false}).addTo(marks); }
          line.setLatLngs(points);
          update();
        }
        function stop() {
          DH.measuring = false;
          map.off("click", onClick);
          map.getContainer().classList.remove("dh-measuring");
        }
        function start() {
          DH.measuring = true;
          map.closePopup();
          panel.hidden = false;
          marks.addTo(map);
          map.on("click", onClick);
          map.getContainer().classList.add("dh-measuring");
        }
        function reset() {
          points = [];
          line = null;
          marks.clearLayers();
          update();
        }
        L.DomEvent.disableClickPropagation(bar);
        button(bar, state.t.measure, "M3 17L17 3l4 4L7 21zM7 13l2 2M10 10l2 2M13 7l2 2", function () {
          if (DH.measuring) { stop(); } else { start(); }
        });
        finish.addEventListener("click", stop);
        clear.addEventListener("click", function () { reset(); stop(); panel.hidden = true; });
        state.measure = {start: start, stop: stop, reset: reset, add: function (lat, lng) { onClick({latlng: L.latLng(lat, lng)}); }};
        return bar;
      }
    });
    return new Control();
  }

  function searchControl(state) {
    var items = [];
    state.entries.forEach(function (entry) {
      if (!entry.spec.search) { return; }
      for (var i = 0; i < entry.spec.n; i++) {
        items.push({entry: entry, index: i, text: featureTitle(entry.spec, i), key: null});
      }
    });
    if (!items.length) { return null; }
    var Control = L.Control.extend({
      options: {position: "topleft"},
      onAdd: function () {
        var box = el("div", "dh-search leaflet-bar");
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        var input = el("input", null, null, box);
        input.type = "search";
        input.placeholder = state.t.search;
        input.setAttribute("aria-label", state.t.search);
        var list = el("ul", "dh-search-results", null, box);
        input.addEventListener("input", function () {
          while (list.firstChild) { list.removeChild(list.firstChild); }
          var q = fold(input.value.trim());
          if (!q) { return; }
          var seen = {}, shown = 0;
          items.forEach(function (item) {
            var key = item.entry.spec.id + "\u0000" + item.text;
            if (item.key === null) { item.key = fold(item.text); }  // folded on the first search, not at load
            if (shown >= 12 || item.key.indexOf(q) < 0 || seen[key]) { return; }
            seen[key] = true;
            shown++;
            var li = el("li", null, null, list);
            var b = el("button", null, null, li);
            b.type = "button";
            el("span", "dh-search-name", item.text, b);
            el("span", "dh-search-layer", item.entry.spec.title, b);
            b.addEventListener("click", function () { focusFeature(item.entry, item.index); });
          });
          if (!shown) { el("li", "dh-search-none", state.t.no_match, list); }
        });
        return box;
      }
    });
    return new Control();
  }

  function sliderControl(state, data) {
    var Control = L.Control.extend({
      options: {position: "bottomleft"},
      onAdd: function () {
        var box = el("div", "dh-slider leaflet-bar");
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        var label = el("label", null, null, box);
        el("span", "dh-slider-label", data.timeLabel + ": ", label);
        state.yearOutput = el("output", "dh-slider-year", String(state.year), label);
        var input = el("input", null, null, box);
        input.type = "range";
        input.min = "0";
        input.max = String(state.years.length - 1);
        input.step = "1";
        input.value = String(state.years.indexOf(state.year));
        input.setAttribute("aria-label", data.timeLabel);
        input.addEventListener("input", function () { applyYear(state, state.years[Number(input.value)]); });
        state.yearInput = input;
        if (data.timeNote) { el("div", "dh-slider-note", data.timeNote, box); }
        return box;
      }
    });
    return new Control();
  }

  function notice(state, text) {
    var Control = L.Control.extend({
      options: {position: "bottomright"},
      onAdd: function () { return el("div", "dh-notice leaflet-bar", text); }
    });
    new Control().addTo(state.map);
  }

  // -- the map -----------------------------------------------------------------------------------------
  function minimap(state) {
    if (!L.Control.MiniMap) { return; }
    var layer;
    if (state.tiles) {
      layer = L.tileLayer(state.tiles.url, {maxZoom: state.tiles.maxZoom});
    } else if (state.baseEntry) {
      var spec = state.baseEntry.spec, sym = spec.symbols[0];
      layer = L.layerGroup(spec.coords.map(function (c) {
        return L.polygon(c.map(function (poly) { return poly.map(latLngs); }), {
          color: sym.stroke, weight: 0.5, fillColor: sym.fill, fillOpacity: 1, interactive: false});
      }));
    } else {
      return;
    }
    // Starts folded to its button: open, it would cover the foot of the layer list and legend.
    new L.Control.MiniMap(layer, {position: "bottomright", toggleDisplay: true, minimized: true,
                                  width: 140, height: 140,
                                  zoomLevelOffset: -5, aimingRectOptions: {color: "#d7301f", weight: 1,
                                  interactive: false}, shadowRectOptions: {interactive: false},
                                  strings: {hideText: state.t.minimap_hide, showText: state.t.minimap_show}})
      .addTo(state.map);
  }

  DH.render = function (name) {
    var data = JSON.parse(document.getElementById("dh-data-" + name).textContent);
    var container = document.getElementById("dh-map-" + name);
    L.Icon.Default.imagePath = "";
    if (data.markerIcon) { L.Icon.Default.mergeOptions(data.markerIcon); }
    var t = data.text;
    var map = L.map(container, {maxZoom: 18, minZoom: 2, zoomSnap: 0.5, worldCopyJump: false, zoomControl: false});
    L.control.zoom({zoomInTitle: t.zoom_in, zoomOutTitle: t.zoom_out}).addTo(map);
    var w = data.bounds;
    var bounds = L.latLngBounds([[w[1], w[0]], [w[3], w[2]]]);
    map.fitBounds(bounds, {padding: [10, 10]});
    // panes, bottom to top: grey land, range states, habitat rasters, the other layers, labels, popups
    [["dhContext", 350], ["dhBase", 360], ["dhRasters", 380], ["dhLabels", 620]].forEach(function (p) {
      map.createPane(p[0]).style.zIndex = String(p[1]);
    });
    map.getPane("dhLabels").style.pointerEvents = "none";
    var state = {name: name, map: map, t: t, entries: [], years: data.years || [], tiles: data.tiles || null,
                 canvasRenderer: L.canvas({padding: 0.5}), baseRenderer: L.svg({pane: "dhBase"}),
                 contextRenderer: L.svg({pane: "dhContext"})};
    state.year = state.years.length ? (data.startYear || state.years[state.years.length - 1]) : null;
    if (t.locale !== "en") {  // Leaflet's link, its title in the page's language (text, never markup)
      var leaflet = document.createElement("a");
      leaflet.href = "https://leafletjs.com";
      leaflet.title = t.leaflet;
      leaflet.textContent = "Leaflet";
      map.attributionControl.setPrefix(leaflet.outerHTML);
    }
    map.attributionControl.addAttribution("deerhabitat");
    if (state.tiles) {
      state.tileLayer = L.tileLayer(state.tiles.url, {maxZoom: state.tiles.maxZoom, attribution: state.tiles.attribution});
      state.tileLayer.on("tileerror", function () {
        if (!state.tileWarned) { state.tileWarned = true; notice(state, state.t.tiles_failed); }
      });
    }
    data.layers.forEach(function (spec) {
      unpack(spec, map.getZoom());
      var entry = {spec: spec, state: state};
      if (spec.kind === "raster") { buildRasterLayer(entry); } else { buildVectorLayer(entry, state); buildLabels(entry, state); }
      if (spec.base) { state.baseEntry = entry; }
      state.entries.push(entry);
    });
    if (state.tiles) { setTiles(state, true); }
    if (state.years.length) { applyYear(state, state.year); }
    if (L.Control.FullScreen) {
      new L.Control.FullScreen({position: "topleft", title: state.t.fullscreen, titleCancel: state.t.fullscreen_exit}).addTo(map);
    }
    zoomControl(state, bounds).addTo(map);
    measureControl(state).addTo(map);
    var search = searchControl(state);
    if (search) { search.addTo(map); }
    layerControl(state, data).addTo(map);
    scaleControl(state).addTo(map);
    if (state.years.length) { sliderControl(state, data).addTo(map); }
    minimap(state);
    fitData(state, bounds, false);
    // layers go on the map once the view is final: every feature is projected and drawn once, not per fit
    state.entries.forEach(function (entry) {
      if (!entry.spec.visible) { return; }
      entry.layer.addTo(map);
      if (entry.labelLayer) { entry.labelLayer.addTo(map); }
    });
    declutter(state);
    map.on("zoomend moveend resize", function () { declutter(state); });
    collapseForPopups(state);
    var api = {
      map: map, name: name, years: state.years,
      layers: {},
      year: function () { return state.year; },
      setYear: function (year) { applyYear(state, year); },
      openPopup: function (layerId, index) { return openFeaturePopup(api.layers[layerId], index); },
      focus: function (layerId, index) { focusFeature(api.layers[layerId], index); },
      setVisible: function (layerId, visible) { setVisible(state, api.layers[layerId], visible); },
      shownCount: function (layerId) {
        var entry = api.layers[layerId];
        if (entry.canvas) { return entry.canvas.shown.reduce(function (a, b) { return a + b; }, 0); }
        return entry.features ? entry.layer.getLayers().length : 0;
      },
      measure: function () { return state.measure; },
      declutter: function () { declutter(state); },
      measuredMetres: function () { return state.measuredMetres || 0; }
    };
    state.entries.forEach(function (entry) { api.layers[entry.spec.id] = entry; });
    DH.maps[name] = api;
    container.setAttribute("data-ready", "true");
    return api;
  };
})();
