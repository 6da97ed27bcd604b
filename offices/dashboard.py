"""Everything an office's dashboard shows about its city, read in a fixed number
of queries whatever the length of its ledger, its requests or the calendar."""

from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import get_language

from certificates.services import certificate_list
from cities.dates import format_partial_date
from cities.models import City, MembershipStatus, MembershipStep, name_in_language
from offices.changes import Record, section_titles
from offices.models import ChangeRequest
from summits.models import Event

UPCOMING_EVENTS = 5


@dataclass
class Dashboard:
    city: City
    status_label: str
    status_since: str
    member_since: str
    steps: list
    certificates: list
    events: list
    record: Record
    requests: list

    @property
    def is_member(self) -> bool:
        return self.city.status == MembershipStatus.MEMBER

    @property
    def show_member_since(self) -> bool:
        """A member reinstated after a suspension is a member since its join,
        not since the reinstatement the status line shows."""
        return self.is_member and self.member_since != self.status_since


def dashboard_for(city: City) -> Dashboard:
    """The dashboard, with city names in the active language where on record."""
    today, language = timezone.localdate(), get_language()
    city = City.objects.with_status(today).with_local_name(language).get(pk=city.pk)
    steps = list(
        MembershipStep.objects.filter(city=city)
        .select_related("event")
        .order_by("on", "id")
    )
    # The standing holds since the latest step that took effect by today.
    latest = [step for step in steps if step.on <= today]
    requests = list(ChangeRequest.objects.filter(city=city).order_by("-submitted_at"))
    for change_request in requests:
        change_request.sections = section_titles(change_request.after)
    return Dashboard(
        city=city,
        status_label=MembershipStatus(city.status).label,
        status_since=latest[-1].date_display if latest else "",
        member_since=format_partial_date(
            city.member_since, city.member_since_precision
        ),
        steps=steps,
        certificates=certificate_list(city),
        events=list(
            Event.objects.filter(end_on__gte=today)
            .select_related("city")
            .annotate(city_local_name=name_in_language(language, "city"))
            .order_by("start_on", "pk")[:UPCOMING_EVENTS]
        ),
        record=Record.of(city),
        requests=requests,
    )
