// Derives static/geo/balkans.json, the country shapes behind the public maps.
//
// Source: Natural Earth 1:50m Admin 0 countries (public domain), as TopoJSON in
// the npm package world-atlas@2 (countries-50m.json). Rerun with:
//
//   mkdir -p /tmp/wa && (cd /tmp/wa && npm install world-atlas@2 topojson-client)
//   WORLD_ATLAS_DIR=/tmp/wa node static/geo/derive.mjs > static/geo/balkans.json
//
// The script clips every country to a box around the Balkans, projects it
// (equirectangular, longitudes shortened by cos of the middle latitude, so
// shapes keep their proportions at this latitude), rounds to whole units of
// 1/100 degree of latitude (about 1 km), simplifies, and writes SVG path data.
// cities/maps.py places city dots with the same projection, stored in the file.

import { createRequire } from "node:module";
import path from "node:path";

const atlasDir = process.env.WORLD_ATLAS_DIR || "/tmp/wa";
const require = createRequire(path.join(atlasDir, "package.json"));
const topology = require("world-atlas/countries-50m.json");
const atlasVersion = require("world-atlas/package.json").version;
const { feature } = require("topojson-client");

const BOX = { west: 12, east: 32, south: 34, north: 48 };
const MID_LATITUDE = 41;
const SCALE = 100; // SVG units per degree of latitude
const TOLERANCE = 0.4; // Douglas-Peucker tolerance, in SVG units
const KX = SCALE * Math.cos((MID_LATITUDE * Math.PI) / 180);

// ISO 3166-1 numeric (world-atlas ids) to alpha-2, for the countries in BOX.
// Natural Earth gives Kosovo no numeric code; it is matched by name.
const ALPHA2 = {
  "008": "AL", "040": "AT", "070": "BA", "100": "BG", "191": "HR", "196": "CY",
  "203": "CZ", "276": "DE", "300": "GR", "348": "HU", "380": "IT", "434": "LY",
  "470": "MT", "498": "MD", "499": "ME", "642": "RO", "674": "SM", "688": "RS",
  "703": "SK", "705": "SI", "788": "TN", "792": "TR", "804": "UA", "807": "MK",
  "336": "VA",
};
const BY_NAME = { Kosovo: "XK" };

function project([lon, lat]) {
  return [(lon - BOX.west) * KX, (BOX.north - lat) * SCALE];
}

// Sutherland-Hodgman against the box, padded so that the seams it leaves
// along the cut fall outside any window the site draws.
function clipRing(ring, pad = 0.5) {
  const edges = [
    [(p) => p[0] >= BOX.west - pad, (a, b) => cut(a, b, 0, BOX.west - pad)],
    [(p) => p[0] <= BOX.east + pad, (a, b) => cut(a, b, 0, BOX.east + pad)],
    [(p) => p[1] >= BOX.south - pad, (a, b) => cut(a, b, 1, BOX.south - pad)],
    [(p) => p[1] <= BOX.north + pad, (a, b) => cut(a, b, 1, BOX.north + pad)],
  ];
  let points = ring;
  for (const [inside, intersect] of edges) {
    const input = points;
    points = [];
    for (let i = 0; i < input.length; i++) {
      const current = input[i];
      const previous = input[(i + input.length - 1) % input.length];
      if (inside(current)) {
        if (!inside(previous)) points.push(intersect(previous, current));
        points.push(current);
      } else if (inside(previous)) {
        points.push(intersect(previous, current));
      }
    }
    if (!points.length) return [];
  }
  return points;
}

function cut(a, b, axis, value) {
  const t = (value - a[axis]) / (b[axis] - a[axis]);
  return [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])];
}

function simplify(points, tolerance) {
  if (points.length < 3) return points;
  const keep = new Uint8Array(points.length);
  keep[0] = keep[points.length - 1] = 1;
  const stack = [[0, points.length - 1]];
  while (stack.length) {
    const [first, last] = stack.pop();
    let worst = 0;
    let index = -1;
    const [ax, ay] = points[first];
    const [bx, by] = points[last];
    const length = Math.hypot(bx - ax, by - ay) || 1;
    for (let i = first + 1; i < last; i++) {
      const [px, py] = points[i];
      const distance = Math.abs((bx - ax) * (ay - py) - (ax - px) * (by - ay)) / length;
      if (distance > worst) {
        worst = distance;
        index = i;
      }
    }
    if (worst > tolerance) {
      keep[index] = 1;
      stack.push([first, index], [index, last]);
    }
  }
  return points.filter((_, i) => keep[i]);
}

function area(points) {
  let sum = 0;
  for (let i = 0; i < points.length; i++) {
    const [x1, y1] = points[i];
    const [x2, y2] = points[(i + 1) % points.length];
    sum += x1 * y2 - x2 * y1;
  }
  return Math.abs(sum) / 2;
}

function ringPath(ring) {
  const clipped = clipRing(ring);
  if (clipped.length < 3) return "";
  let points = clipped.map(project).map(([x, y]) => [Math.round(x), Math.round(y)]);
  points = points.filter(
    (p, i) => i === 0 || p[0] !== points[i - 1][0] || p[1] !== points[i - 1][1],
  );
  // Split the closed ring so both halves keep their ends.
  const middle = Math.floor(points.length / 2);
  points = [
    ...simplify(points.slice(0, middle + 1), TOLERANCE).slice(0, -1),
    ...simplify([...points.slice(middle), points[0]], TOLERANCE).slice(0, -1),
  ];
  if (points.length < 3 || area(points) < 4) return "";
  // Relative moves after the first point keep the file small.
  let [px, py] = points[0];
  let d = `M${px} ${py}l`;
  const steps = [];
  for (const [x, y] of points.slice(1)) {
    steps.push(`${x - px} ${y - py}`);
    [px, py] = [x, y];
  }
  return d + steps.join(" ").replace(/ -/g, "-") + "z";
}

const countries = [];
for (const f of feature(topology, topology.objects.countries).features) {
  const code = ALPHA2[f.id] || BY_NAME[f.properties.name];
  if (!f.geometry) continue;
  const polygons =
    f.geometry.type === "Polygon" ? [f.geometry.coordinates] : f.geometry.coordinates;
  const d = polygons
    .flatMap((polygon) => polygon.map(ringPath))
    .filter(Boolean)
    .join("");
  if (!d) continue;
  if (!code) {
    console.error(`No alpha-2 code for ${f.id} ${f.properties.name}; add it.`);
    process.exit(1);
  }
  countries.push({ id: code, name: f.properties.name, d });
}
countries.sort((a, b) => a.id.localeCompare(b.id));

const [width, height] = project([BOX.east, BOX.south]).map(Math.round);
const output = {
  source:
    "Natural Earth 1:50m Admin 0 countries (public domain, naturalearthdata.com), " +
    `via the npm package world-atlas@${atlasVersion}; derived by static/geo/derive.mjs`,
  projection: {
    kind: "equirectangular",
    west: BOX.west,
    north: BOX.north,
    kx: Number(KX.toFixed(6)),
    ky: SCALE,
  },
  box: BOX,
  width,
  height,
  countries,
};
process.stdout.write(JSON.stringify(output) + "\n");
