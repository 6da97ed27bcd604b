from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from b40.admin_history import HistoryAdmin
from cities import services
from cities.dates import (
    format_date_span,
    format_partial_date,
    normalise,
)
from cities.models import (
    MAYORALTY,
    MEMBERSHIP_HELD,
    City,
    CityName,
    Confidence,
    MembershipKind,
    MembershipStatus,
    MembershipStep,
    Office,
    Person,
    ReportedCount,
)
from cities.search import Fold, fold

# A city that has left shows no "member since".

# Filters


class CountryFilter(admin.SimpleListFilter):
    """The countries that occur in the list, not all 250 of them."""

    title = _("country")
    parameter_name = "country"
    field_path = "country"

    def lookups(self, request, model_admin):
        codes = (
            model_admin.model.objects.order_by()
            .values_list(self.field_path, flat=True)
            .distinct()
        )
        return sorted(
            ((code, countries.name(code)) for code in codes), key=lambda c: str(c[1])
        )

    def queryset(self, request, queryset):
        code = self.value()
        if not code:
            return queryset
        if code not in countries:
            # A hand-made address: the admin answers with its "?e=1" page.
            raise IncorrectLookupParameters(f"Unknown country code: {code!r}")
        return queryset.filter(**{self.field_path: code})


class CityCountryFilter(CountryFilter):
    field_path = "city__country"


class YearFilter(admin.SimpleListFilter):
    """The year of a date field, listing only the years that occur."""

    title = _("year")
    parameter_name = "year"
    field_path = "on"

    def year_queryset(self, model_admin):
        return model_admin.model.objects.all()

    def lookups(self, request, model_admin):
        dates = self.year_queryset(model_admin).dates(self.field_path, "year", "DESC")
        return [(str(d.year), str(d.year)) for d in dates]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(**{f"{self.field_path}__year": int(self.value())})
        return queryset


class JoinYearFilter(YearFilter):
    title = _("year joined")

    def year_queryset(self, model_admin):
        return MembershipStep.objects.filter(kind=MembershipKind.JOINED)

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(member_since__year=int(self.value()))
        return queryset


class StatusFilter(admin.SimpleListFilter):
    """A city's standing today, derived from its ledger (see with_status)."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return MembershipStatus.choices

    def queryset(self, request, queryset):
        if self.value() in MembershipStatus.values:
            return queryset.filter(status=self.value())
        return queryset


class FoundingFilter(admin.SimpleListFilter):
    """Whether the city's latest join was as a founding signatory."""

    title = _("founding")
    parameter_name = "founding"

    def lookups(self, request, model_admin):
        return [
            ("yes", _("founding member")),
            ("no", _("joined later")),
            ("unknown", _("joined, founding unknown")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(founding=True)
        if self.value() == "no":
            return queryset.filter(founding=False)
        if self.value() == "unknown":
            return queryset.filter(founding__isnull=True, member_since__isnull=False)
        return queryset


# Shared configuration


class FoldedSearchMixin:
    """Search the ``search_fields`` ignoring case and accents in any script.

    With ``search_city_path`` set, a row is also found by any name of that city.
    """

    search_city_path = None

    def get_search_results(self, request, queryset, search_term):
        term = fold(search_term)
        if not term:
            return queryset, False
        aliases = {
            f"folded_{i}": Fold(path) for i, path in enumerate(self.search_fields)
        }
        condition = Q()
        for alias in aliases:
            condition |= Q(**{f"{alias}__contains": term})
        if self.search_city_path:
            matching = City.objects.search(search_term).values("pk")
            condition |= Q(**{f"{self.search_city_path}__in": matching})
        return queryset.alias(**aliases).filter(condition), False


class RegistryAdmin(FoldedSearchMixin, HistoryAdmin):
    """Every registry model: folded search, and its history from the change page."""


PROVENANCE_FIELDS = ("confidence", "sources", "notes", "verified_at", "verified_by")


def provenance_fieldset():
    return (
        _("Provenance"),
        {
            "description": _(
                "Where this fact comes from and how sure we are of it. To confirm "
                "it, use the action “Confirm the selected facts” or the To verify "
                "page, which record who confirmed it and when."
            ),
            "fields": PROVENANCE_FIELDS,
        },
    )


def record_confirmation(request, fact, form) -> None:
    """A fact set to confirmed in its form records who confirmed it and when."""
    if "confidence" in form.changed_data and fact.confidence == Confidence.CONFIRMED:
        fact.verified_at = timezone.now()
        fact.verified_by = request.user


class FactAdmin(RegistryAdmin):
    """A record that carries sources and a confidence (see cities.models.Fact)."""

    readonly_fields = ("verified_at", "verified_by")
    actions = ["confirm_facts"]

    def save_model(self, request, obj, form, change):
        record_confirmation(request, obj, form)
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Confirm the selected facts"), permissions=["change"])
    def confirm_facts(self, request, queryset):
        facts = list(queryset)
        try:
            with transaction.atomic():
                for fact in facts:
                    services.fact_confirm(fact=fact, user=request.user)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return
        self.message_user(
            request,
            ngettext(
                "Confirmed %(count)d fact.", "Confirmed %(count)d facts.", len(facts)
            )
            % {"count": len(facts)},
            messages.SUCCESS,
        )


class ConstraintInlineFormSet(BaseInlineFormSet):
    """Check each row against the database constraints that involve the parent.

    A model form leaves out the inline's foreign key when it validates
    constraints, so a rule such as "no overlapping terms in a city" would
    otherwise reach the database as an IntegrityError.
    """

    def clean(self):
        super().clean()
        if not self.instance.pk:
            return
        for form in self.forms:
            if not form.is_valid() or not form.has_changed():
                continue
            if self.can_delete and form.cleaned_data.get("DELETE"):
                continue
            exclude = {
                field.name
                for field in self.model._meta.concrete_fields
                if field.name not in form.fields and field.name != self.fk.name
            }
            try:
                form.instance.validate_constraints(exclude=exclude)
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)

    def kept_forms(self):
        """The valid rows that will be saved, new or existing."""
        return [
            form
            for form in self.forms
            if form.is_valid()
            and not (self.can_delete and form.cleaned_data.get("DELETE"))
            and (form.instance.pk or form.has_changed())
        ]


class CompactInline(admin.TabularInline):
    """A tabular inline without the add/change/delete/view icons on each row's
    related fields: the rows stay readable, and show_change_link opens a row."""

    class Media:
        css = {"all": ["css/registry-admin.css"]}

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        widget = getattr(field, "widget", None)
        if isinstance(widget, RelatedFieldWidgetWrapper):
            widget.can_add_related = False
            widget.can_change_related = False
            widget.can_delete_related = False
            widget.can_view_related = False
        return field


def date_column(description, date_field, precision_field="precision"):
    """A list_display method showing a date no more precisely than it is known."""

    @admin.display(description=description, ordering=date_field)
    def column(model_admin, obj):
        return format_partial_date(
            getattr(obj, date_field), getattr(obj, precision_field)
        )

    return column


# City


class CityNameInline(CompactInline):
    model = CityName
    formset = ConstraintInlineFormSet
    fields = ("language", "name")
    extra = 1
    verbose_name_plural = _("other names (any language and script)")


class OfficeInlineFormSet(ConstraintInlineFormSet):
    """Also refuse two mayors of the city whose periods overlap within the form."""

    def clean(self):
        super().clean()
        spans = []
        for form in self.kept_forms():
            office = form.instance
            if office.role not in MAYORALTY:
                continue
            start = office.start_on or office.known_from
            end = office.end_on or office.known_until or office.known_from
            for other_start, other_end in spans:
                if (
                    start
                    and other_start
                    and (end is None or other_start <= end)
                    and (other_end is None or start <= other_end)
                ):
                    form.add_error(
                        None,
                        gettext(
                            "Another mayor of this city is in office during this "
                            "period."
                        ),
                    )
                    break
            spans.append((start, end))


class OfficeInline(CompactInline):
    model = Office
    formset = OfficeInlineFormSet
    fields = ("person", "role", "start_on", "end_on", "known_from", "known_until")
    autocomplete_fields = ("person",)
    extra = 0
    show_change_link = True


class LedgerInlineFormSet(ConstraintInlineFormSet):
    """Validate the ledger the way cities.services will write it.

    save_formset() deletes, then corrects, then appends steps through the
    services; each of those writes must leave a valid ledger, so the same
    sequence is checked here first and a refusal becomes a form error.
    """

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = self.kept_forms()
        deleted = [form.instance for form in self.deleted_forms if form.instance.pk]
        changed = [
            form.instance for form in kept if form.instance.pk and form.has_changed()
        ]
        added = [form.instance for form in kept if not form.instance.pk]
        ledger = {}
        if self.instance.pk:
            ledger = {
                s.pk: s for s in MembershipStep.objects.filter(city=self.instance)
            }
        try:
            for step in ledger_deletion_order(deleted):
                del ledger[step.pk]
                services.membership_sequence_validate(ledger.values())
            for step in changed:
                ledger[step.pk] = step
                services.membership_sequence_validate(ledger.values())
            for number, step in enumerate(sorted(added, key=lambda s: s.on)):
                ledger[f"new-{number}"] = step
                services.membership_sequence_validate(ledger.values())
        except ValidationError as error:
            raise ValidationError(error.messages) from error


def ledger_deletion_order(steps):
    """Latest first, so that each deletion leaves the earlier ledger intact."""
    return sorted(steps, key=lambda step: (step.on, step.pk), reverse=True)


class LedgerInline(CompactInline):
    model = MembershipStep
    formset = LedgerInlineFormSet
    fields = ("kind", "on", "precision", "event", "founding", "confidence")
    autocomplete_fields = ("event",)
    ordering = ("on", "id")
    extra = 0
    show_change_link = True
    verbose_name_plural = _("membership ledger")


@admin.register(City)
class CityAdmin(FactAdmin):
    list_display = (
        "name",
        "country_with_flag",
        "other_names",
        "status_today",
        "member_since",
        "founding_display",
        "confidence",
    )
    list_filter = (
        CountryFilter,
        StatusFilter,
        FoundingFilter,
        JoinYearFilter,
        "confidence",
    )
    search_fields = ("name", "names__name")
    search_help_text = _(
        "Any name in any script; case and accents are ignored (Saraybosna, София)."
    )
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("status_today", "member_since", *FactAdmin.readonly_fields)
    inlines = (CityNameInline, LedgerInline, OfficeInline)
    fieldsets = (
        (None, {"fields": ("name", "slug", "country")}),
        (
            _("Location"),
            {
                "description": _(
                    "The city centre in WGS 84 degrees; give both or neither."
                ),
                "fields": ("latitude", "longitude"),
            },
        ),
        (
            _("Membership"),
            {
                "description": _(
                    "Derived from the membership ledger below, never typed in: "
                    "record a step to change it."
                ),
                "fields": ("status_today", "member_since"),
            },
        ),
        provenance_fieldset(),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).with_status().prefetch_related("names")

    def get_search_results(self, request, queryset, search_term):
        return queryset.search(search_term), False

    @admin.display(description=_("country"), ordering="country")
    def country_with_flag(self, city):
        return format_html(
            '<img src="{}" alt="" width="16" height="11"> {}',
            city.country.flag,
            city.country.name,
        )

    @admin.display(description=_("other names"))
    def other_names(self, city):
        return ", ".join(name.name for name in city.names.all())

    @admin.display(description=_("status today"), ordering="status")
    def status_today(self, city):
        return MembershipStatus(city.status).label

    @admin.display(description=_("member since"), ordering="member_since")
    def member_since(self, city):
        if getattr(city, "status", None) not in MEMBERSHIP_HELD:
            return ""
        return format_partial_date(
            getattr(city, "member_since", None),
            getattr(city, "member_since_precision", None),
        )

    @admin.display(description=_("founding"), boolean=True, ordering="founding")
    def founding_display(self, city):
        return getattr(city, "founding", None)

    def save_formset(self, request, form, formset, change):
        if formset.model is MembershipStep:
            ledger_save(formset)
        else:
            super().save_formset(request, form, formset, change)


def ledger_save(formset):
    """Write the ledger inline through cities.services, in the order that
    LedgerInlineFormSet.clean() checked."""
    formset.save(commit=False)
    for step in ledger_deletion_order(formset.deleted_objects):
        services.membership_step_delete(step=step)
    for step, _fields in formset.changed_objects:
        services.membership_step_change(step=step)
    for step in sorted(formset.new_objects, key=lambda s: s.on):
        recorded = services.membership_step_record(
            city=formset.instance,
            kind=step.kind,
            on=step.on,
            precision=step.precision,
            event=step.event,
            founding=step.founding,
            confidence=step.confidence,
        )
        step.pk = recorded.pk


@admin.register(CityName)
class CityNameAdmin(RegistryAdmin):
    list_display = ("name", "language", "city")
    list_filter = ("language",)
    list_select_related = ("city",)
    search_fields = ("name",)
    search_city_path = "city"
    autocomplete_fields = ("city",)
    fieldsets = (
        (
            None,
            {
                "description": _(
                    "A local name, transliteration or exonym; every name is found "
                    "by the city search."
                ),
                "fields": ("city", "language", "name"),
            },
        ),
    )


# People and offices


@admin.register(Person)
class PersonAdmin(RegistryAdmin):
    list_display = ("name", "slug")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}
    fieldsets = (
        (None, {"fields": ("name", "slug")}),
        (
            _("Provenance"),
            {
                "description": _("The public pages that name this person."),
                "fields": ("sources", "notes"),
            },
        ),
    )


@admin.register(Office)
class OfficeAdmin(FactAdmin):
    list_display = ("person", "role", "city", "term", "known_in_office", "confidence")
    list_filter = (CityCountryFilter, "role", "confidence")
    list_select_related = ("city", "person")
    search_fields = ("person__name",)
    search_city_path = "city"
    autocomplete_fields = ("city", "person")
    fieldsets = (
        (None, {"fields": ("city", "person", "role")}),
        (
            _("Term"),
            {
                "description": _(
                    "Sources often say only that someone was in office on a date: "
                    "record those dates as the earliest and latest in office, and "
                    "the term's start and end once known. Two mayors of a city "
                    "cannot be in office at the same time."
                ),
                "fields": (("start_on", "end_on"), ("known_from", "known_until")),
            },
        ),
        provenance_fieldset(),
    )

    @admin.display(description=_("term"), ordering="start_on")
    def term(self, office):
        return format_date_span(office.start_on, office.end_on)

    @admin.display(description=_("known in office"), ordering="known_from")
    def known_in_office(self, office):
        return format_date_span(office.known_from, office.known_until)


# The membership ledger


class MembershipStepForm(forms.ModelForm):
    """Refuses a step the lifecycle forbids, as cities.services will."""

    class Meta:
        model = MembershipStep
        fields = (
            "city",
            "kind",
            "on",
            "precision",
            "event",
            "founding",
            "signature",
            *PROVENANCE_FIELDS,
        )

    def clean(self):
        cleaned = super().clean()
        city = self.instance.city if self.instance.pk else cleaned.get("city")
        if city is None or not {"kind", "on", "precision"} <= cleaned.keys():
            return cleaned
        step = MembershipStep(
            pk=self.instance.pk,
            city=city,
            kind=cleaned["kind"],
            on=normalise(cleaned["on"], cleaned["precision"]),
            precision=cleaned["precision"],
        )
        others = list(MembershipStep.objects.filter(city=city).exclude(pk=step.pk))
        try:
            services.membership_sequence_validate([*others, step])
        except ValidationError as error:
            # Shown above the form: an error on a field would exclude that field
            # from the constraint checks that run after clean().
            raise ValidationError(error.messages) from error
        return cleaned


@admin.register(MembershipStep)
class MembershipStepAdmin(FactAdmin):
    form = MembershipStepForm
    list_display = (
        "city",
        "kind",
        "date",
        "event_name",
        "founding",
        "confidence",
    )
    list_filter = (
        CityCountryFilter,
        "kind",
        "founding",
        YearFilter,
        "precision",
        "confidence",
    )
    list_select_related = ("city", "event")
    date_hierarchy = "on"
    search_fields = ("event__name",)
    search_city_path = "city"
    autocomplete_fields = ("city", "event", "signature")
    fieldsets = (
        (
            None,
            {
                "description": _(
                    "One dated step in a city's membership. Steps must follow the "
                    "lifecycle: invited, candidate, joined, suspended, reinstated, "
                    "withdrawn; a new step cannot be dated before the city's last."
                ),
                "fields": ("city", "kind", ("on", "precision")),
            },
        ),
        (
            _("Joining"),
            {
                "description": _(
                    "Where it happened, and for a join whether the city was a "
                    "founder and which signature made it a member."
                ),
                "fields": ("event", "founding", "signature"),
            },
        ),
        provenance_fieldset(),
    )

    date = date_column(_("date"), "on")

    @admin.display(description=_("event"), ordering="event__start_on")
    def event_name(self, step):
        return Truncator(step.event.name).chars(50) if step.event else ""

    def get_readonly_fields(self, request, obj=None):
        # A step recorded for the wrong city is deleted and recorded for the
        # right one, so that each ledger is checked as it changes.
        readonly = super().get_readonly_fields(request, obj)
        return (*readonly, "city") if obj else readonly

    def save_model(self, request, obj, form, change):
        record_confirmation(request, obj, form)
        if change:
            services.membership_step_change(step=obj)
            return
        step = services.membership_step_record(
            city=obj.city,
            **{
                field: getattr(obj, field)
                for field in (
                    "kind",
                    "on",
                    "precision",
                    "event",
                    "founding",
                    "signature",
                    "confidence",
                    "sources",
                    "notes",
                )
            },
        )
        if obj.verified_by:
            services.fact_confirm(fact=step, user=request.user)
        obj.pk = step.pk
        obj.on = step.on
        obj._state.adding = False

    def delete_model(self, request, obj):
        services.membership_step_delete(step=obj)

    def delete_queryset(self, request, queryset):
        for step in ledger_deletion_order(queryset.select_related("city")):
            services.membership_step_delete(step=step)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return HttpResponseRedirect(request.path)

    def response_action(self, request, queryset):
        try:
            with transaction.atomic():
                return super().response_action(request, queryset)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def revert_disabled(self, request, obj=None):
        # A revert would bypass the lifecycle; correct the step instead.
        return True


# Reported counts


@admin.register(ReportedCount)
class ReportedCountAdmin(FactAdmin):
    list_display = ("date", "members", "countries", "reported_by", "confidence")
    list_filter = (YearFilter, "reported_by", "confidence")
    date_hierarchy = "on"
    search_fields = ("reported_by", "notes")
    fieldsets = (
        (
            None,
            {
                "description": _(
                    "A member count as published by the network or the press. The "
                    "Reconciliation page sets it beside the count the ledger gives."
                ),
                "fields": (
                    ("on", "precision"),
                    "reported_by",
                    ("members", "countries"),
                ),
            },
        ),
        provenance_fieldset(),
    )

    date = date_column(_("date"), "on")
