"""Maps of the region, drawn on the server as inline SVG.

The country shapes come from static/geo/balkans.json, derived from Natural
Earth (public domain) by static/geo/derive.mjs, already projected to SVG units;
the file also holds the projection, so city dots land on the same grid.
Markers differ by shape as well as colour, and every map comes with a list
(region map) or a text alternative (city map).
"""

import functools
import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_countries import countries as country_names

from cities.models import MembershipStatus

GEO_FILE = Path(__file__).resolve().parent.parent / "static" / "geo" / "balkans.json"

# The region map shows at least this window (degrees), wider if a city needs it.
REGION_WINDOW = {"west": 13.0, "east": 30.4, "south": 35.2, "north": 46.7}
# Half the span of a city map around its city, in degrees.
CITY_HALF_LON, CITY_HALF_LAT = 2.3, 1.4

# Where a country's name sits on a map, chosen clear of the member cities.
COUNTRY_LABELS = {
    "AL": (20.1, 40.55),
    "BA": (17.35, 43.55),
    "BG": (24.0, 43.55),
    "GR": (22.7, 38.95),
    "HR": (15.2, 44.65),
    "HU": (19.2, 46.35),
    "IT": (16.0, 40.8),
    "ME": (19.55, 43.05),
    "MK": (22.1, 41.55),
    "RO": (25.0, 45.3),
    "RS": (20.9, 43.85),
    "SI": (14.6, 46.2),
    "TR": (29.5, 39.2),
    "XK": (20.9, 42.42),
    "MD": (28.7, 46.6),
    "UA": (30.3, 46.5),
}


@dataclass(frozen=True)
class MarkerStyle:
    key: str
    shape: str
    label: str


MEMBER = MarkerStyle("member", "circle", _("member"))
APPLICANT = MarkerStyle("applicant", "diamond", _("invited or candidate"))
FORMER = MarkerStyle("former", "square", _("suspended, withdrawn or no step"))
STYLE_OF_STATUS = {
    MembershipStatus.MEMBER: MEMBER,
    MembershipStatus.INVITED: APPLICANT,
    MembershipStatus.CANDIDATE: APPLICANT,
    MembershipStatus.SUSPENDED: FORMER,
    MembershipStatus.WITHDRAWN: FORMER,
    MembershipStatus.NONE: FORMER,
}
STATUS_RANK = {MEMBER.key: 0, APPLICANT.key: 1, FORMER.key: 2}


@functools.lru_cache(maxsize=1)
def boundaries() -> dict:
    """The derived boundary file, read once, on first use."""
    with GEO_FILE.open(encoding="utf-8") as f:
        return json.load(f)


def project(latitude, longitude) -> tuple[float, float]:
    """SVG coordinates of a point, in the boundary file's projection."""
    p = boundaries()["projection"]
    return (
        (float(longitude) - p["west"]) * p["kx"],
        (p["north"] - float(latitude)) * p["ky"],
    )


@dataclass
class Window:
    """The part of the projected plane a map shows."""

    x: float
    y: float
    width: float
    height: float

    @classmethod
    def around(cls, west, east, south, north) -> "Window":
        box = boundaries()["box"]
        west, east = max(west, box["west"]), min(east, box["east"])
        south, north = max(south, box["south"]), min(north, box["north"])
        x0, y0 = project(north, west)
        x1, y1 = project(south, east)
        return cls(x0, y0, x1 - x0, y1 - y0)

    @property
    def view_box(self) -> str:
        return f"{self.x:.0f} {self.y:.0f} {self.width:.0f} {self.height:.0f}"

    def contains(self, x, y, margin=0.0) -> bool:
        return (
            self.x + margin <= x <= self.x + self.width - margin
            and self.y + margin <= y <= self.y + self.height - margin
        )


def marker_path(shape: str, size: float) -> str:
    """An SVG path of a marker centred on 0,0."""
    s = size
    if shape == "diamond":
        d = s * 1.3
        return f"M0 {-d:g}L{d:g} 0L0 {d:g}L{-d:g} 0Z"
    if shape == "square":
        return f"M{-s:g} {-s:g}h{2 * s:g}v{2 * s:g}h{-2 * s:g}Z"
    return f"M{-s:g} 0a{s:g} {s:g} 0 1 0 {2 * s:g} 0a{s:g} {s:g} 0 1 0 {-2 * s:g} 0Z"


def _countries_svg(window: Window, highlighted: set[str]) -> SafeString:
    paths = format_html_join(
        "",
        '<path class="map-country{}" d="{}"/>',
        (
            (" map-country-network" if c["id"] in highlighted else "", c["d"])
            for c in boundaries()["countries"]
        ),
    )
    return format_html(
        '<rect class="map-sea" x="{}" y="{}" width="{}" height="{}"/>'
        '<g class="map-countries">{}</g>',
        f"{window.x:.0f}",
        f"{window.y:.0f}",
        f"{window.width:.0f}",
        f"{window.height:.0f}",
        paths,
    )


@dataclass
class Box:
    left: float
    top: float
    right: float
    bottom: float

    def overlaps(self, other: "Box") -> bool:
        return not (
            self.right <= other.left
            or other.right <= self.left
            or self.bottom <= other.top
            or other.bottom <= self.top
        )


def text_box(x, y, text, font, anchor, glyph=0.58) -> Box:
    """The box a label will roughly cover (system sans-serif, average glyph)."""
    width = len(text) * font * glyph
    left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
    return Box(left, y - font * 0.8, left + width, y + font * 0.25)


def split_lines(name: str, longest: int = 12) -> list[str]:
    """A long name of several words on two balanced lines."""
    words = name.split()
    if len(name) <= longest or len(words) < 2:
        return [name]
    best = min(
        range(1, len(words)),
        key=lambda i: abs(len(" ".join(words[:i])) - len(" ".join(words[i:]))),
    )
    return [" ".join(words[:best]), " ".join(words[best:])]


@dataclass
class Label:
    x: float
    y: float
    anchor: str


def place_labels(points, window, font, radius, obstacles=()):
    """Greedy labels: each point in order takes the first free side, or none.

    ``points`` are (key, x, y, text) in order of importance. A label may not
    cover another label, another point or an obstacle, nor leave the window.
    """
    dots = [
        (key, Box(x - radius, y - radius, x + radius, y + radius))
        for key, x, y, _ in points
    ]
    taken = list(obstacles)
    placed = {}
    gap = radius + font * 0.25
    for key, x, y, text in points:
        for lx, ly, anchor in (
            (x + gap, y + font * 0.3, "start"),
            (x - gap, y + font * 0.3, "end"),
            (x, y - gap - font * 0.2, "middle"),
            (x, y + gap + font * 0.8, "middle"),
        ):
            box = text_box(lx, ly, text, font, anchor)
            inside = (
                box.left >= window.x
                and box.right <= window.x + window.width
                and box.top >= window.y
                and box.bottom <= window.y + window.height
            )
            if not inside or any(box.overlaps(t) for t in taken):
                continue
            if any(box.overlaps(d) for k, d in dots if k != key):
                continue
            taken.append(box)
            placed[key] = Label(lx, ly, anchor)
            break
    return placed


def _country_labels(window: Window, font: float, css_class: str, dots=()):
    """Country names at their anchors where they fit, and the boxes they cover."""
    texts, boxes = [], []
    for code, (lon, lat) in COUNTRY_LABELS.items():
        x, y = project(lat, lon)
        lines = split_lines(str(country_names.name(code)))
        # Capitals spaced out by the stylesheet are wider than average glyphs.
        line_boxes = [
            text_box(x, y + i * font * 1.1, line, font, "middle", glyph=0.76)
            for i, line in enumerate(lines)
        ]
        if not all(
            window.contains(b.left, b.top) and window.contains(b.right, b.bottom)
            for b in line_boxes
        ) or any(b.overlaps(other) for b in line_boxes for other in [*boxes, *dots]):
            continue
        tspans = format_html_join(
            "",
            '<tspan x="{}" y="{}">{}</tspan>',
            (
                (f"{x:.0f}", f"{y + i * font * 1.1:.0f}", line)
                for i, line in enumerate(lines)
            ),
        )
        texts.append((tspans,))
        boxes += line_boxes
    svg = format_html(
        '<g class="map-country-labels {}" aria-hidden="true">{}</g>',
        css_class,
        format_html_join("", '<text text-anchor="middle">{}</text>', texts),
    )
    return svg, boxes


def _city_name(city) -> str:
    """The name in the visitor's language where the record has one."""
    return (
        getattr(city, "display_name", None)
        or getattr(city, "local_name", None)
        or city.name
    )


# Label sizes in SVG units for the two layouts the CSS switches between: the
# region map is about 1300 units wide, drawn at 500-700 px on a wide screen and
# at about 360 px on a phone.
WIDE = {"font": 27, "radius": 8, "country_font": 22}
NARROW = {"font": 40, "radius": 13, "country_font": 32}


@dataclass
class MapCity:
    """A city as the region map and its list show it."""

    city: object
    name: str
    url: str
    status: str
    status_label: str
    style: MarkerStyle
    x: float | None
    y: float | None
    wide_label: Label | None = None
    narrow_label: Label | None = None

    @property
    def founding(self) -> bool:
        return bool(getattr(self.city, "founding", False))


def region_map(cities_with_status, *, id_prefix: str = "region-map") -> SafeString:
    """The region with every city a labelled, linked dot, and the same as a list.

    ``cities_with_status`` are cities annotated by CityQuerySet.with_status().
    """
    entries = []
    for city in cities_with_status:
        status = city.status or MembershipStatus.NONE
        located = city.latitude is not None and city.longitude is not None
        x, y = project(city.latitude, city.longitude) if located else (None, None)
        entries.append(
            MapCity(
                city=city,
                name=_city_name(city),
                url=reverse("cities:city-detail", args=[city.slug]),
                status=status,
                status_label=str(MembershipStatus(status).label),
                style=STYLE_OF_STATUS[MembershipStatus(status)],
                x=x,
                y=y,
            )
        )
    on_map = [e for e in entries if e.x is not None]
    window = _region_window(on_map)

    # Members first, founders before others, so the labels that fit are theirs.
    order = sorted(
        on_map,
        key=lambda e: (STATUS_RANK[e.style.key], not e.founding, e.name),
    )
    layers = []
    for layout, css_class in ((WIDE, "map-wide"), (NARROW, "map-narrow")):
        r = layout["radius"]
        dots = [Box(e.x - r, e.y - r, e.x + r, e.y + r) for e in on_map]
        countries_svg, boxes = _country_labels(
            window, layout["country_font"], css_class, dots
        )
        layers.append(countries_svg)
        placed = place_labels(
            [(id(e), e.x, e.y, e.name) for e in order],
            window,
            layout["font"],
            layout["radius"],
            obstacles=boxes,
        )
        for e in on_map:
            setattr(
                e,
                "wide_label" if layout is WIDE else "narrow_label",
                placed.get(id(e)),
            )

    title_id, desc_id = f"{id_prefix}-title", f"{id_prefix}-desc"
    svg = format_html(
        '<svg class="map-svg region-map" viewBox="{}" role="group" '
        'aria-labelledby="{}" aria-describedby="{}" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{}">{}</title><desc id="{}">{}</desc>{}{}'
        '<g class="map-cities">{}</g></svg>',
        window.view_box,
        title_id,
        desc_id,
        title_id,
        gettext("Map of the network's cities in the Balkans"),
        desc_id,
        gettext(
            "Each city is a link to its page. Members are green circles, invited "
            "or candidate cities amber diamonds, suspended or withdrawn cities "
            "grey squares. The list below gives the same cities by country."
        ),
        _countries_svg(window, {e.city.country.code for e in entries}),
        mark_safe("".join(layers)),
        mark_safe("".join(_city_svg(e) for e in sorted(on_map, key=lambda e: -e.y))),
    )
    return render_to_string(
        "includes/region_map.html",
        {
            "map_svg": svg,
            "map_id": id_prefix,
            "map_legend": _legend(),
            "map_countries": _by_country(entries),
            "map_source": boundaries()["source"],
        },
    )


def _region_window(on_map) -> Window:
    w = dict(REGION_WINDOW)
    if on_map:
        box = boundaries()["box"]
        p = boundaries()["projection"]
        lons = [e.x / p["kx"] + p["west"] for e in on_map]
        lats = [p["north"] - e.y / p["ky"] for e in on_map]
        w["west"] = max(box["west"], min(w["west"], min(lons) - 0.8))
        w["east"] = min(box["east"], max(w["east"], max(lons) + 0.8))
        w["south"] = max(box["south"], min(w["south"], min(lats) - 0.4))
        w["north"] = min(box["north"], max(w["north"], max(lats) + 0.5))
    return Window.around(**w)


def _label_svg(label: Label | None, text: str, css_class: str, font=None) -> str:
    if label is None:
        return ""
    return format_html(
        '<text class="map-label {}" x="{}" y="{}" text-anchor="{}"{}>{}</text>',
        css_class,
        f"{label.x:.0f}",
        f"{label.y:.0f}",
        label.anchor,
        format_html(' font-size="{}"', f"{font:.1f}") if font else "",
        text,
    )


def _city_svg(e: MapCity) -> str:
    name = gettext("%(city)s, %(country)s: %(status)s") % {
        "city": e.name,
        "country": e.city.country.name,
        "status": e.status_label,
    }
    return format_html(
        '<a href="{}" aria-label="{}"><title>{}</title>'
        '<g transform="translate({} {})"><path class="map-marker map-marker-{}" '
        'd="{}"/></g>{}{}</a>',
        e.url,
        name,
        name,
        f"{e.x:.1f}",
        f"{e.y:.1f}",
        e.style.key,
        marker_path(e.style.shape, WIDE["radius"]),
        mark_safe(_label_svg(e.wide_label, e.name, "map-wide")),
        mark_safe(_label_svg(e.narrow_label, e.name, "map-narrow")),
    )


def _legend():
    return [
        {
            "key": style.key,
            "label": style.label,
            "svg": format_html(
                '<svg class="map-legend-marker" viewBox="-12 -12 24 24" '
                'aria-hidden="true" focusable="false"><path class="map-marker '
                'map-marker-{}" d="{}"/></svg>',
                style.key,
                marker_path(style.shape, 8),
            ),
        }
        for style in (MEMBER, APPLICANT, FORMER)
    ]


def _by_country(entries):
    grouped = defaultdict(list)
    for e in entries:
        grouped[e.city.country.code].append(e)
    rows = [
        {"code": code, "name": str(country_names.name(code)), "cities": cities}
        for code, cities in grouped.items()
    ]
    return sorted(rows, key=lambda row: row["name"])


def city_map(city, *, neighbours=()) -> SafeString:
    """A small map of the country around a city, with its dot highlighted.

    ``neighbours`` (optional, cities with coordinates) are drawn as small
    unlabelled dots. Returns a complete, self-described SVG (role="img").
    """
    if city.latitude is None or city.longitude is None:
        return SafeString("")
    lat, lon = float(city.latitude), float(city.longitude)
    box = boundaries()["box"]
    # Shift the window, not shrink it, where the city is near the file's edge.
    west = min(max(lon - CITY_HALF_LON, box["west"]), box["east"] - 2 * CITY_HALF_LON)
    south = min(
        max(lat - CITY_HALF_LAT, box["south"]), box["north"] - 2 * CITY_HALF_LAT
    )
    window = Window.around(
        west, west + 2 * CITY_HALF_LON, south, south + 2 * CITY_HALF_LAT
    )
    x, y = project(lat, lon)
    font = window.width / 22
    countries_svg, boxes = _country_labels(window, font * 0.85, "map-city-countries")
    countries_svg = format_html(
        '<g font-size="{}">{}</g>', f"{font * 0.85:.1f}", countries_svg
    )
    others = []
    for other in neighbours:
        if other.pk == city.pk or other.latitude is None or other.longitude is None:
            continue
        ox, oy = project(other.latitude, other.longitude)
        if window.contains(ox, oy):
            others.append(
                format_html(
                    '<circle class="map-neighbour" cx="{}" cy="{}" r="{}"/>',
                    f"{ox:.1f}",
                    f"{oy:.1f}",
                    f"{font * 0.22:.1f}",
                )
            )
    name = _city_name(city)
    point = [("city", x, y, name)]
    # Beside the dot, clear of country names if possible, over them if not.
    placed = place_labels(point, window, font * 1.1, font * 0.5, obstacles=boxes).get(
        "city"
    ) or place_labels(point, window, font * 1.1, font * 0.5).get("city")
    title_id = f"city-map-{city.slug}-title"
    desc_id = f"city-map-{city.slug}-desc"
    return format_html(
        '<svg class="map-svg city-map" viewBox="{}" role="img" aria-labelledby="{} {}" '
        'xmlns="http://www.w3.org/2000/svg"><title id="{}">{}</title>'
        '<desc id="{}">{}</desc>{}{}{}'
        '<g transform="translate({} {})">'
        '<path class="map-marker map-marker-here" d="{}"/></g>{}</svg>',
        window.view_box,
        title_id,
        desc_id,
        title_id,
        gettext("Map: %(city)s, %(country)s")
        % {
            "city": name,
            "country": city.country.name,
        },
        desc_id,
        gettext(
            "%(city)s is marked by a large dot, at %(lat).2f° N, %(lon).2f° E. "
            "Boundaries: Natural Earth (public domain)."
        )
        % {"city": name, "lat": lat, "lon": lon},
        _countries_svg(window, {city.country.code}),
        countries_svg,
        mark_safe("".join(others)),
        f"{x:.1f}",
        f"{y:.1f}",
        marker_path("circle", font * 0.42),
        mark_safe(_label_svg(placed, name, "map-city-label", font * 1.1)),
    )
