"""The Wagtail user admin, kept inside each staff member's area and unable to mint administrators.

Wagtail's own user views let anyone with ``change_user`` tick "Administrator" (superuser) on any
account and edit every account of every district. Here, for anyone but a superuser:

* the listing shows only accounts whose area lies within the editor's area (``visible_to``);
* editing or deleting another area's account, or a superuser's, is refused (404, as if absent);
* the "Administrator" box is not on the form, so nobody becomes a superuser through it.

Wired in through ``portal.users_app.PortalUsersConfig`` (``user_viewset``), which replaces
``wagtail.users`` in INSTALLED_APPS.
"""

from django.http import Http404
from wagtail.users.views import users

from portal.selectors import visible_to


def _scoped(queryset, user):
    if user.is_superuser:
        return queryset
    return visible_to(queryset, user=user, area_field="area").filter(is_superuser=False)


class _NoEscalation:
    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        if not self.request.user.is_superuser:
            form.fields.pop("is_superuser", None)
        return form


class _OwnAreaOnly:
    def get_object(self, queryset=None):
        account = super().get_object(queryset)
        if not _scoped(type(account).objects.filter(pk=account.pk), self.request.user).exists():
            raise Http404
        return account


class IndexView(users.IndexView):
    def get_base_queryset(self):
        return _scoped(super().get_base_queryset(), self.request.user)


class CreateView(_NoEscalation, users.CreateView):
    pass


class EditView(_OwnAreaOnly, _NoEscalation, users.EditView):
    pass


class DeleteView(_OwnAreaOnly, users.DeleteView):
    pass


class PortalUserViewSet(users.UserViewSet):
    index_view_class = IndexView
    add_view_class = CreateView
    edit_view_class = EditView
    delete_view_class = DeleteView
