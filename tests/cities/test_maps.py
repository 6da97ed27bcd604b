import datetime
import random
import re
from decimal import Decimal

from django.test import SimpleTestCase, TestCase
from django.urls import reverse

from cities import maps
from cities.models import City, MembershipKind, MembershipStep
from tests.factories import CityFactory, MembershipStepFactory


class BoundaryFileTests(SimpleTestCase):
    def test_is_small_and_names_its_public_domain_source(self):
        self.assertLess(maps.GEO_FILE.stat().st_size, 60_000)
        geo = maps.boundaries()
        self.assertIn("Natural Earth", geo["source"])
        self.assertIn("public domain", geo["source"])
        self.assertIn("world-atlas", geo["source"])

    def test_has_every_country_of_the_network_kosovo_included(self):
        ids = {country["id"] for country in maps.boundaries()["countries"]}
        self.assertLessEqual(
            {"AL", "BA", "BG", "GR", "HR", "ME", "MK", "RO", "RS", "SI", "TR", "XK"},
            ids,
        )

    def test_projects_a_city_onto_its_country(self):
        """Sofia lands inside the drawn extent of Bulgaria."""
        bulgaria = next(c for c in maps.boundaries()["countries"] if c["id"] == "BG")
        x, y = maps.project(Decimal("42.698"), Decimal("23.322"))
        numbers = [int(n) for n in re.findall(r"-?\d+", bulgaria["d"])]
        # The path starts absolute and continues relative: rebuild its points.
        px, py = numbers[0], numbers[1]
        xs, ys = [px], [py]
        for dx, dy in zip(numbers[2::2], numbers[3::2], strict=False):
            px, py = px + dx, py + dy
            xs.append(px)
            ys.append(py)
        self.assertTrue(min(xs) < x < max(xs) and min(ys) < y < max(ys))


class LabelPlacementTests(SimpleTestCase):
    def test_labels_never_overlap_and_crowded_points_go_unlabelled(self):
        window = maps.Window(0, 0, 1000, 1000)
        points = [(i, 500 + i * 3, 500, f"City {i}") for i in range(10)]
        placed = maps.place_labels(points, window, font=20, radius=5)
        boxes = [
            maps.text_box(label.x, label.y, f"City {key}", 20, label.anchor)
            for key, label in placed.items()
        ]
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                self.assertFalse(a.overlaps(b))
        self.assertLess(len(placed), len(points))
        self.assertIn(0, placed)  # the first, most important, is labelled


class RegionMapTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.member = MembershipStepFactory(
            city__name="Plovdiv",
            city__slug="plovdiv",
            city__latitude=Decimal("42.142"),
            city__longitude=Decimal("24.750"),
        ).city
        cls.candidate = CityFactory(
            name="Tuzla",
            slug="tuzla",
            country="BA",
            latitude=Decimal("44.538"),
            longitude=Decimal("18.668"),
        )
        MembershipStep.objects.create(
            city=cls.candidate,
            kind=MembershipKind.CANDIDATE,
            on=datetime.date(2022, 4, 25),
        )
        cls.unplaced = CityFactory(
            name="Nowhere", slug="nowhere", latitude=None, longitude=None
        )
        MembershipStepFactory(city=cls.unplaced)
        cls.html = str(maps.region_map(list(City.objects.with_status())))
        cls.svg, cls.rest = cls.html.split("</svg>", 1)

    def test_links_every_placed_city_to_its_page(self):
        for city in (self.member, self.candidate):
            url = reverse("cities:city-detail", args=[city.slug])
            self.assertIn(f'<a href="{url}"', self.svg)
        self.assertNotIn("/members/nowhere/", self.svg)

    def test_distinguishes_status_by_shape_not_colour_alone(self):
        member = re.search(r'href="/members/plovdiv/".*?</a>', self.svg)[0]
        candidate = re.search(r'href="/members/tuzla/".*?</a>', self.svg)[0]
        self.assertIn("map-marker-member", member)
        self.assertIn("a8 8 0 1 0", member)  # a circle
        self.assertIn("map-marker-applicant", candidate)
        self.assertIn("M0 -10.4L10.4 0", candidate)  # a diamond
        self.assertIn('aria-label="Tuzla, Bosnia and Herzegovina: candidate"', self.svg)

    def test_has_a_legend_and_an_accessible_name(self):
        self.assertIn('aria-labelledby="region-map-title"', self.svg)
        self.assertIn("<desc", self.svg)
        for label in ("member", "invited or candidate", "suspended, withdrawn"):
            self.assertIn(label, self.rest)
        self.assertIn("Natural Earth", self.rest)

    def test_lists_every_city_by_country_with_its_status(self):
        listing = self.rest.split('<ul class="map-countries-list">')[1]
        self.assertLess(
            listing.index("Bosnia and Herzegovina"), listing.index("Bulgaria")
        )
        for city in (self.member, self.candidate, self.unplaced):
            url = reverse("cities:city-detail", args=[city.slug])
            self.assertIn(f'<a href="{url}">{city.name}</a>', listing)
        self.assertIn('<span class="status status-candidate">candidate</span>', listing)
        self.assertIn("not on the map", listing)

    def test_labels_cities_where_they_fit(self):
        self.assertIn(">Plovdiv</text>", self.svg)
        self.assertIn(">Tuzla</text>", self.svg)


class CityMapTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.city = CityFactory(
            name="Sarajevo",
            slug="sarajevo",
            country="BA",
            latitude=Decimal("43.856"),
            longitude=Decimal("18.413"),
        )
        cls.neighbour = CityFactory(
            country="BA", latitude=Decimal("44.538"), longitude=Decimal("18.668")
        )
        cls.far = CityFactory(latitude=Decimal("41.008"), longitude=Decimal("28.978"))

    def test_is_an_image_with_a_title_and_a_description(self):
        svg = str(maps.city_map(self.city))
        self.assertIn('role="img"', svg)
        self.assertIn(
            '<title id="city-map-sarajevo-title">Map: Sarajevo, Bosnia and '
            "Herzegovina</title>",
            svg,
        )
        self.assertIn("43.86° N, 18.41° E", svg)
        self.assertIn("map-marker-here", svg)
        self.assertIn(">Sarajevo</text>", svg)

    def test_is_zoomed_on_the_city(self):
        svg = str(maps.city_map(self.city))
        x, y, width, height = map(
            float, re.search(r'viewBox="([^"]+)"', svg)[1].split()
        )
        cx, cy = maps.project(self.city.latitude, self.city.longitude)
        self.assertAlmostEqual(x + width / 2, cx, delta=1)
        self.assertAlmostEqual(y + height / 2, cy, delta=1)
        self.assertLess(width, maps.boundaries()["width"] / 3)

    def test_draws_neighbours_within_its_window_only(self):
        svg = str(maps.city_map(self.city, neighbours=[self.neighbour, self.far]))
        self.assertEqual(svg.count('class="map-neighbour"'), 1)

    def test_is_empty_for_a_city_without_coordinates(self):
        city = CityFactory(latitude=None, longitude=None)
        self.assertEqual(maps.city_map(city), "")


class BoxIndexTests(SimpleTestCase):
    def test_finds_the_overlaps_a_comparison_with_every_box_finds(self):
        rng = random.Random(40)
        boxes = []
        for _ in range(300):
            left, top = rng.uniform(-500, 1500), rng.uniform(-500, 1500)
            width, height = rng.uniform(1, 300), rng.uniform(1, 60)
            boxes.append(maps.Box(left, top, left + width, top + height))
        index = maps.BoxIndex(cell=100)
        for key, box in enumerate(boxes[:150]):
            index.add(box, key)
        for key, box in enumerate(boxes):
            with self.subTest(box=key):
                expected = any(
                    box.overlaps(other)
                    for other_key, other in enumerate(boxes[:150])
                    if other_key != key
                )
                self.assertEqual(index.overlaps(box, ignore=key), expected)


class RegionMapLayoutTests(TestCase):
    """The label layout is worked out once for the same cities, and anew as
    soon as a city moves or is renamed."""

    def test_follows_every_change_to_the_cities(self):
        city = MembershipStepFactory(
            city__name="Plovdiv",
            city__latitude=Decimal("42.142"),
            city__longitude=Decimal("24.750"),
        ).city
        self.assertIn(">Plovdiv</text>", maps.region_map(City.objects.with_status()))
        City.objects.filter(pk=city.pk).update(name="Philippopolis")
        self.assertIn(
            ">Philippopolis</text>", maps.region_map(City.objects.with_status())
        )
        City.objects.filter(pk=city.pk).update(name="Plov<div> & Co")
        renamed = maps.region_map(City.objects.with_status())
        self.assertIn(">Plov&lt;div&gt; &amp; Co</text>", renamed)
        self.assertIn("<title>Plov&lt;div&gt; &amp; Co, ", renamed)
        self.assertNotIn("<div>", renamed)
        City.objects.filter(pk=city.pk).update(latitude=Decimal("41.0"))
        moved = maps.region_map(City.objects.with_status())
        x, y = maps.project(Decimal("41.0"), Decimal("24.750"))
        self.assertIn(f"translate({x:.1f} {y:.1f})", moved)
