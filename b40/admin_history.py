"""The admin's history pages, as every model of the registry has them."""

from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin


class HistoryAdmin(SimpleHistoryAdmin):
    """simple_history's pages, with a hand-made address answered by a 404 (not a
    500 from the database) and a revert treated as the change it is."""

    def get_changelist_instance(self, request):
        # A NUL in a filter or search reaches PostgreSQL, which refuses it: the
        # admin's answer to a wrong filter (the list again, marked ?e=1) instead.
        if any("\x00" in key + value for key, value in request.GET.items()):
            raise IncorrectLookupParameters
        return super().get_changelist_instance(request)

    def _history_address_check(self, object_id, version_id=None):
        try:
            self.model._meta.pk.to_python(unquote(object_id))
            if version_id is not None:
                self.model.history.model._meta.pk.to_python(unquote(version_id))
        except ValidationError as error:
            raise Http404 from error
        if "\x00" in object_id:
            raise Http404

    def history_view(self, request, object_id, extra_context=None):
        self._history_address_check(object_id)
        return super().history_view(request, object_id, extra_context=extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._history_address_check(object_id, version_id)
        # simple_history shows a past version to anyone who may view the object
        # but would also accept its form; a revert is a change.
        if request.method == "POST":
            obj = self.get_object(request, object_id)
            if not self.has_change_permission(request, obj) or self.revert_disabled(
                request, obj
            ):
                raise PermissionDenied
        return super().history_form_view(
            request, object_id, version_id, extra_context=extra_context
        )
