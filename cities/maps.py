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
from html import escape
from pathlib import Path

from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from b40.memo import per_language
from cities.directory import city_url, country_name
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


@functools.cache
def _marker_path(shape: str, size: float) -> str:
    return marker_path(shape, size)


def marker_path(shape: str, size: float) -> str:
    """An SVG path of a marker centred on 0,0."""
    s = size
    if shape == "diamond":
        d = s * 1.3
        return f"M0 {-d:g}L{d:g} 0L0 {d:g}L{-d:g} 0Z"
    if shape == "square":
        return f"M{-s:g} {-s:g}h{2 * s:g}v{2 * s:g}h{-2 * s:g}Z"
    return f"M{-s:g} 0a{s:g} {s:g} 0 1 0 {2 * s:g} 0a{s:g} {s:g} 0 1 0 {-2 * s:g} 0Z"


@functools.cache
def _country_paths() -> list[tuple[str, str, str]]:
    """Each country's outline as SVG, plain and highlighted.

    The outlines are the bulk of every map and the same for every request:
    escaped once per process, they are only joined per map.
    """
    return [
        (
            country["id"],
            format_html('<path class="map-country" d="{}"/>', country["d"]),
            format_html(
                '<path class="map-country map-country-network" d="{}"/>', country["d"]
            ),
        )
        for country in boundaries()["countries"]
    ]


def _countries_svg(window: Window, highlighted: set[str]) -> SafeString:
    paths = "".join(
        network if code in highlighted else plain
        for code, plain, network in _country_paths()
    )
    return mark_safe(
        f'<rect class="map-sea" x="{window.x:.0f}" y="{window.y:.0f}" '
        f'width="{window.width:.0f}" height="{window.height:.0f}"/>'
        f'<g class="map-countries">{paths}</g>'
    )


@dataclass(slots=True)
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


class BoxIndex:
    """Boxes filed under the cells of a coarse grid that they cover.

    Placing labels asks, for each side of each city, whether a box overlaps
    any box already there; filed by cell, each question looks only at the
    boxes nearby, not at every box on the map.
    """

    def __init__(self, cell: float):
        self.cell = cell
        self.cells = defaultdict(list)

    def _cells(self, box: Box):
        c = self.cell
        return [
            (i, j)
            for i in range(int(box.left // c), int(box.right // c) + 1)
            for j in range(int(box.top // c), int(box.bottom // c) + 1)
        ]

    def add(self, box: Box, key=None) -> None:
        for cell in self._cells(box):
            self.cells[cell].append((key, box))

    def overlaps(self, box: Box, ignore=None) -> bool:
        """Whether box overlaps one filed here, other than those filed as ignore."""
        cells = self.cells
        left, top, right, bottom = box.left, box.top, box.right, box.bottom
        for cell in self._cells(box):
            for key, other in cells.get(cell, ()):
                # Box.overlaps, inlined: this is the map's innermost loop.
                if (key is None or key != ignore) and not (
                    right <= other.left
                    or other.right <= left
                    or bottom <= other.top
                    or other.bottom <= top
                ):
                    return True
        return False


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
    # The dots, filed under their keys (a label may cover its own dot), and
    # the obstacles and the labels placed. A cell is about a long label wide.
    taken = BoxIndex(font * 8)
    for key, x, y, _text in points:
        taken.add(Box(x - radius, y - radius, x + radius, y + radius), key)
    for box in obstacles:
        taken.add(box)
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
            if not inside or taken.overlaps(box, ignore=key):
                continue
            taken.add(box)
            placed[key] = Label(lx, ly, anchor)
            break
    return placed


def _country_labels(
    window: Window, font: float, css_class: str, dots=(), language=None
):
    """Country names at their anchors where they fit, and the boxes they cover."""
    taken = BoxIndex(font * 8)
    for dot in dots:
        taken.add(dot)
    texts, boxes = [], []
    for code, (lon, lat) in COUNTRY_LABELS.items():
        x, y = project(lat, lon)
        lines = split_lines(country_name(code, language=language))
        # Capitals spaced out by the stylesheet are wider than average glyphs.
        line_boxes = [
            text_box(x, y + i * font * 1.1, line, font, "middle", glyph=0.76)
            for i, line in enumerate(lines)
        ]
        if not all(
            window.contains(b.left, b.top) and window.contains(b.right, b.bottom)
            for b in line_boxes
        ) or any(taken.overlaps(b) for b in line_boxes):
            continue
        tspans = "".join(
            f'<tspan x="{x:.0f}" y="{y + i * font * 1.1:.0f}">{escape(line)}</tspan>'
            for i, line in enumerate(lines)
        )
        texts.append(f'<text text-anchor="middle">{tspans}</text>')
        for box in line_boxes:
            taken.add(box)
        boxes += line_boxes
    svg = mark_safe(
        f'<g class="map-country-labels {escape(css_class)}" aria-hidden="true">'
        f"{''.join(texts)}</g>"
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


@dataclass(slots=True)
class MapCity:
    """A city as the region map and its list show it. The ``*_html`` fields
    are escaped once here: the map and the list each use them."""

    name: str
    name_html: str
    url_html: str
    country: str
    country_html: str
    status: str
    status_html: str
    style: MarkerStyle
    founding: bool
    x: float | None
    y: float | None
    wide_label: Label | None = None
    narrow_label: Label | None = None


def region_map(cities_with_status, *, id_prefix: str = "region-map") -> SafeString:
    """The region with every city a labelled, linked dot, and the same as a list.

    ``cities_with_status`` are cities annotated by CityQuerySet.with_status().
    """
    entries = []
    language = get_language()
    statuses = _statuses(language=language)
    country_names = {}
    for city in cities_with_status:
        status = city.status or MembershipStatus.NONE.value
        style, status_html = statuses[status]
        if city.latitude is not None and city.longitude is not None:
            x, y = project(city.latitude, city.longitude)
        else:
            x = y = None
        code = city.country_code
        if code not in country_names:
            country_names[code] = escape(country_name(code, language=language))
        name = _city_name(city)
        entries.append(
            MapCity(
                name=name,
                name_html=escape(name),
                url_html=escape(city_url(city.slug, language=language)),
                country=code,
                country_html=country_names[code],
                status=status,
                status_html=status_html,
                style=style,
                founding=bool(getattr(city, "founding", False)),
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
    layers, (wide, narrow) = _layout(
        tuple((e.x, e.y, e.name) for e in order),
        (window.x, window.y, window.width, window.height),
        language,
    )
    for e, wide_label, narrow_label in zip(order, wide, narrow, strict=True):
        e.wide_label, e.narrow_label = wide_label, narrow_label

    drawing_order = sorted(on_map, key=lambda e: -e.y)
    city_title = escape(gettext("%(city)s, %(country)s: %(status)s"))
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
        _countries_svg(window, {e.country for e in entries}),
        layers,
        mark_safe("".join(_city_svg(e, city_title) for e in drawing_order)),
    )
    return render_to_string(
        "includes/region_map.html",
        {
            "map_svg": svg,
            "map_id": id_prefix,
            "map_legend": _legend(language=language),
            "map_list": _by_country(entries, language),
            "map_source": boundaries()["source"],
        },
    )


@per_language(maxsize=16)
def _statuses() -> dict[str, tuple[MarkerStyle, str]]:
    """Each status's marker and its label, translated and escaped."""
    return {
        status.value: (STYLE_OF_STATUS[status], escape(str(status.label)))
        for status in MembershipStatus
    }


# The layout is pure geometry on the cities' positions and names (and, for
# the country names, the language): the same rows always give the same
# labels. Placing them tries every side of every city against every label
# already placed, so it is done once per process for each set of inputs.
@functools.lru_cache(maxsize=32)
def _layout(points, window, language):
    """The country names and, for each point (x, y, name) in order of
    importance, its label or None: for the wide layout, then the narrow one."""
    window = Window(*window)
    layers, labels = [], []
    for layout, css_class in ((WIDE, "map-wide"), (NARROW, "map-narrow")):
        r = layout["radius"]
        dots = [Box(x - r, y - r, x + r, y + r) for x, y, _name in points]
        countries_svg, boxes = _country_labels(
            window, layout["country_font"], css_class, dots, language
        )
        layers.append(countries_svg)
        placed = place_labels(
            [(i, x, y, name) for i, (x, y, name) in enumerate(points)],
            window,
            layout["font"],
            r,
            obstacles=boxes,
        )
        labels.append([placed.get(i) for i in range(len(points))])
    return mark_safe("".join(layers)), labels


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
    """A label; ``text`` is escaped already, ``css_class`` one of ours."""
    if label is None:
        return ""
    size = f' font-size="{font:.1f}"' if font else ""
    return (
        f'<text class="map-label {css_class}" x="{label.x:.0f}" '
        f'y="{label.y:.0f}" text-anchor="{label.anchor}"{size}>{text}</text>'
    )


def _city_svg(e: MapCity, template: str) -> str:
    """A city's linked marker and labels; ``template`` is the translated
    "%(city)s, %(country)s: %(status)s", looked up and escaped once per map
    (escaping the parts and the whole alike: it replaces single characters)."""
    title = template % {
        "city": e.name_html,
        "country": e.country_html,
        "status": e.status_html,
    }
    name = e.name_html
    return (
        f'<a href="{e.url_html}" aria-label="{title}"><title>{title}</title>'
        f'<g transform="translate({e.x:.1f} {e.y:.1f})"><path class="map-marker '
        f'map-marker-{e.style.key}" d="{_marker_path(e.style.shape, WIDE["radius"])}"'
        f"/></g>{_label_svg(e.wide_label, name, 'map-wide')}"
        f"{_label_svg(e.narrow_label, name, 'map-narrow')}</a>"
    )


# The legend is the same for every map in a language: written once.
@per_language(maxsize=16)
def _legend() -> SafeString:
    """The items of the map's legend."""
    return mark_safe(
        "".join(
            '<li><svg class="map-legend-marker" viewBox="-12 -12 24 24" '
            'aria-hidden="true" focusable="false"><path class="map-marker '
            f'map-marker-{style.key}" d="{marker_path(style.shape, 8)}"/></svg> '
            f"{escape(str(style.label))}</li>"
            for style in (MEMBER, APPLICANT, FORMER)
        )
    )


NEWLINE_12 = "\n" + " " * 10


def _by_country(entries, language: str) -> SafeString:
    """The cities by country, as the items of the list that follows the map.

    Written here rather than by a template loop: the list names every city,
    and per-item template nodes would cost more than the rest of the map.
    """
    grouped = defaultdict(list)
    for e in entries:
        grouped[e.country].append(e)
    founding = escape(gettext("founding member"))
    unplaced = escape(gettext("(not on the map: no coordinates)"))
    items = []
    for cities in sorted(
        grouped.values(),
        key=lambda cities: country_name(cities[0].country, language=language),
    ):
        lines = [
            f'<li><a href="{e.url_html}">{e.name_html}</a> – <span class="status '
            f'status-{e.status}">{e.status_html}</span>'
            + (f' <span class="map-founding">{founding}</span>' if e.founding else "")
            + (f' <span class="map-unplaced">{unplaced}</span>' if e.x is None else "")
            + "</li>"
            for e in cities
        ]
        items.append(
            f'<li><span class="map-list-country">{cities[0].country_html}</span>\n'
            f"        <ul>\n          {NEWLINE_12.join(lines)}\n        </ul>\n"
            "      </li>"
        )
    return mark_safe("\n      ".join(items))


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
        mark_safe(_label_svg(placed, escape(name), "map-city-label", font * 1.1)),
    )
