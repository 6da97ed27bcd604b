from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from cities.admin import (
    CompactInline,
    ConstraintInlineFormSet,
    FactAdmin,
    RegistryAdmin,
    YearFilter,
    date_column,
    provenance_fieldset,
)
from summits.models import Declaration, Event, Presidency, Signature, WorkingGroup


class SignatureInline(CompactInline):
    model = Signature
    formset = ConstraintInlineFormSet
    fields = (
        "declaration",
        "city",
        "signatory",
        "signatory_role",
        "on",
        "precision",
        "confidence",
    )
    autocomplete_fields = ("declaration", "city", "signatory")
    extra = 0
    show_change_link = True


class DeclarationSignatureInline(SignatureInline):
    fields = (
        "city",
        "signatory",
        "signatory_role",
        "on",
        "precision",
        "event",
        "confidence",
    )
    autocomplete_fields = ("city", "signatory", "event")


@admin.register(WorkingGroup)
class WorkingGroupAdmin(RegistryAdmin):
    list_display = ("name", "slug")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}
    fieldsets = (
        (None, {"fields": ("name", "slug")}),
        (
            _("Provenance"),
            {
                "description": _("The public pages that describe the group."),
                "fields": ("sources",),
            },
        ),
    )


class EventYearFilter(YearFilter):
    field_path = "start_on"


@admin.register(Event)
class EventAdmin(FactAdmin):
    list_display = ("name", "kind", "city", "dates", "confidence")
    list_filter = ("kind", EventYearFilter, "confidence")
    list_select_related = ("city",)
    date_hierarchy = "start_on"
    search_fields = ("name", "venue", "host")
    search_city_path = "city"
    autocomplete_fields = ("city", "working_groups")
    prepopulated_fields = {"slug": ("name",)}
    inlines = (SignatureInline,)
    fieldsets = (
        (None, {"fields": ("name", "slug", "kind", "working_groups")}),
        (
            _("When and where"),
            {
                "description": _(
                    "For a month or a year give its first day and set the "
                    "precision; an online meeting has no host city."
                ),
                "fields": (
                    ("start_on", "end_on", "precision"),
                    "city",
                    "venue",
                    "host",
                ),
            },
        ),
        provenance_fieldset(),
    )

    @admin.display(description=_("dates"), ordering="start_on")
    def dates(self, event):
        return event.date_display


class DeclarationYearFilter(YearFilter):
    field_path = "adopted_on"


@admin.register(Declaration)
class DeclarationAdmin(FactAdmin):
    list_display = (
        "title",
        "kind",
        "adopted",
        "event",
        "signature_count",
        "confidence",
    )
    list_filter = ("kind", DeclarationYearFilter, "confidence")
    list_select_related = ("event",)
    date_hierarchy = "adopted_on"
    search_fields = ("title", "summary")
    autocomplete_fields = ("event",)
    prepopulated_fields = {"slug": ("title",)}
    inlines = (DeclarationSignatureInline,)
    fieldsets = (
        (None, {"fields": ("title", "slug", "kind", "summary")}),
        (
            _("Adoption"),
            {
                "description": _(
                    "When and at which event it was adopted; for a month or a year "
                    "give its first day and set the precision."
                ),
                "fields": (("adopted_on", "precision"), "event"),
            },
        ),
        provenance_fieldset(),
    )

    adopted = date_column(_("adopted"), "adopted_on")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(Count("signatures"))

    @admin.display(description=_("signatures"), ordering="signatures__count")
    def signature_count(self, declaration):
        return getattr(declaration, "signatures__count", None)


class SignatureYearFilter(YearFilter):
    field_path = "on"


@admin.register(Signature)
class SignatureAdmin(FactAdmin):
    list_display = (
        "city",
        "declaration",
        "signatory",
        "signatory_role",
        "date",
        "event",
        "confidence",
    )
    list_filter = ("declaration", SignatureYearFilter, "confidence")
    list_select_related = ("city", "declaration", "signatory", "event")
    date_hierarchy = "on"
    search_fields = ("declaration__title", "signatory__name")
    search_city_path = "city"
    autocomplete_fields = ("declaration", "city", "signatory", "event")
    fieldsets = (
        (
            None,
            {
                "description": _(
                    "A city signs a declaration once. Name the signatory only when "
                    "a source does."
                ),
                "fields": (
                    "declaration",
                    "city",
                    ("signatory", "signatory_role"),
                    ("on", "precision"),
                    "event",
                ),
            },
        ),
        provenance_fieldset(),
    )

    date = date_column(_("signed on"), "on")


class PresidencyYearFilter(YearFilter):
    title = _("year started")
    field_path = "start_on"


@admin.register(Presidency)
class PresidencyAdmin(FactAdmin):
    list_display = ("number", "city", "president", "start_on", "end_on", "confidence")
    list_display_links = ("number", "city")
    list_filter = (PresidencyYearFilter, "confidence")
    list_select_related = ("city", "president")
    date_hierarchy = "start_on"
    search_fields = ("president__name",)
    search_city_path = "city"
    autocomplete_fields = ("city", "president")
    fieldsets = (
        (
            None,
            {
                "description": _(
                    "Terms do not overlap (the handover day belongs to the incoming "
                    "term) and no city presides twice in a row."
                ),
                "fields": ("number", "city", "president", ("start_on", "end_on")),
            },
        ),
        provenance_fieldset(),
    )
