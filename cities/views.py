from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import get_language

from b40.page_cache import cached_page
from cities import directory
from cities.maps import city_map
from cities.models import City


@cached_page
def city_list(request):
    form = directory.DirectoryForm(request.GET)
    results = form.results(language=get_language())
    return TemplateResponse(
        request,
        "cities/city_list.html",
        {
            "form": form,
            "directory": results,
            "cities": results.page.object_list,
            "city_cards": directory.city_cards(results.page.object_list),
        },
        status=400 if results.errors else 200,
    )


@cached_page
def city_detail(request, slug):
    city = directory.city_page(slug, language=get_language())
    if city is None:
        raise Http404
    (city,) = directory.decorate([city])
    return TemplateResponse(
        request,
        "cities/city_detail.html",
        {"city": city, "joins": directory.joins_of(city), "city_map": city_map(city)},
    )


@cached_page
def country_list(request):
    return TemplateResponse(
        request, "cities/country_list.html", {"countries": directory.country_counts()}
    )


@cached_page
def country_detail(request, code):
    if code != code.lower():
        return redirect("cities:country-detail", code=code.lower(), permanent=True)
    cities = directory.decorate(
        directory.listing(
            City.objects.only(*directory.LISTED_FIELDS).filter(country=code.upper()),
            language=get_language(),
        )
    )
    if not cities:
        raise Http404
    return TemplateResponse(
        request,
        "cities/country_detail.html",
        {"country": cities[0].country, "cities": cities},
    )
