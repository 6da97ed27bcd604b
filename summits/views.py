from django.db.models import Count, Prefetch, Q
from django.utils import timezone
from django.utils.translation import get_language
from django.views.generic import DetailView, ListView

from b40.page_cache import cached_page
from cities.dates import format_partial_date
from cities.models import (
    MembershipKind,
    MembershipStep,
    ReportedCount,
    name_in_language,
)
from summits.models import (
    Declaration,
    DeclarationKind,
    Event,
    EventKind,
    Presidency,
    Signature,
)


def local_name(field="city"):
    """The name of the city in ``field`` in the visitor's language, if on record."""
    return name_in_language(get_language(), field)


def name_cities(rows):
    """Give each row's city the display_name its local_name annotation found."""
    for row in rows:
        if row.city:
            row.city.display_name = row.city_local_name or row.city.name
    return rows


def with_city_names(queryset):
    return queryset.select_related("city").annotate(city_local_name=local_name())


class EventListView(ListView):
    def get_queryset(self):
        return with_city_names(Event.objects.all())

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        events = name_cities(list(self.object_list))
        return super().get_context_data(
            upcoming=[event for event in events if event.start_on > today],
            past=[event for event in reversed(events) if event.start_on <= today],
            **kwargs,
        )


class EventDetailView(DetailView):
    def get_queryset(self):
        steps = with_city_names(MembershipStep.objects.all())
        signatures = with_city_names(Signature.objects.all())
        return with_city_names(Event.objects.all()).prefetch_related(
            "declarations",
            Prefetch("membership_steps", steps.order_by("city__search_key", "on")),
            Prefetch(
                "signatures",
                signatures.select_related("signatory", "declaration").order_by(
                    "on", "city__search_key"
                ),
            ),
        )

    def get_context_data(self, **kwargs):
        event = self.object
        name_cities([event, *event.signatures.all()])
        steps = name_cities(event.membership_steps.all())
        # The term that began at this event and the one that ended there.
        terms = name_cities(
            with_city_names(Presidency.objects.select_related("president")).filter(
                Q(start_on__range=(event.start_on, event.end_on))
                | Q(end_on__range=(event.start_on, event.end_on))
            )
        )
        began = [term for term in terms if event.start_on <= term.start_on]
        return super().get_context_data(
            joins=[step for step in steps if step.kind == MembershipKind.JOINED],
            other_steps=[step for step in steps if step.kind != MembershipKind.JOINED],
            presidency_began=began[0] if began else None,
            presidency_ended=next((t for t in terms if t not in began), None),
            **kwargs,
        )


class DeclarationListView(ListView):
    queryset = Declaration.objects.select_related("event").annotate(
        signature_count=Count("signatures")
    )

    def get_context_data(self, **kwargs):
        declarations = list(self.object_list)
        for declaration in declarations:
            declaration.adopted_display = adopted_display(declaration)
        return super().get_context_data(declaration_list=declarations, **kwargs)


class DeclarationDetailView(DetailView):
    def get_queryset(self):
        signatures = with_city_names(Signature.objects.all()).select_related(
            "signatory", "event"
        )
        return Declaration.objects.select_related("event").prefetch_related(
            Prefetch("signatures", signatures.order_by("on", "city__search_key"))
        )

    def get_context_data(self, **kwargs):
        declaration = self.object
        original, accessions = [], []
        for signature in name_cities(declaration.signatures.all()):
            signed = is_original(signature, declaration)
            (original if signed else accessions).append(signature)
        reported = None
        if declaration.kind == DeclarationKind.FOUNDING:
            # The network's count on the founding day is its count of signatories.
            reported = (
                ReportedCount.objects.filter(on=declaration.adopted_on)
                .order_by("-members")
                .first()
            )
        return super().get_context_data(
            original=original,
            accessions=accessions,
            reported=reported,
            unidentified=reported.members - len(original) if reported else 0,
            adopted_display=adopted_display(declaration),
            **kwargs,
        )


def adopted_display(declaration) -> str:
    return format_partial_date(declaration.adopted_on, declaration.precision)


def is_original(signature, declaration) -> bool:
    """Signed when the declaration was adopted, rather than acceded to later."""
    if declaration.event_id and signature.event_id == declaration.event_id:
        return True
    return signature.on <= declaration.adopted_on


class PresidencyListView(ListView):
    def get_queryset(self):
        return with_city_names(Presidency.objects.select_related("president"))

    def get_context_data(self, **kwargs):
        summits = list(
            Event.objects.filter(kind=EventKind.SUMMIT).select_related("city")
        )
        terms = name_cities(list(self.object_list))
        for term in terms:
            term.summit = next(
                (e for e in summits if e.start_on <= term.start_on <= e.end_on), None
            )
        return super().get_context_data(
            terms=terms,
            rules=Declaration.objects.filter(kind=DeclarationKind.RULES)
            .order_by("-adopted_on")
            .first(),
            **kwargs,
        )


event_list = cached_page(EventListView.as_view())
event_detail = cached_page(EventDetailView.as_view())
declaration_list = cached_page(DeclarationListView.as_view())
declaration_detail = cached_page(DeclarationDetailView.as_view())
presidency_list = cached_page(PresidencyListView.as_view())
