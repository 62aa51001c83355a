"""Pagination for lists whose size is known before they are paged."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property


class CountedPaginator(Paginator):
    """A paginator told its count when the caller knows it already: no COUNT query.

    Search has counted its capped matches; a topic and an A–Z letter have stored counts.
    With `count=None` it counts as Django's Paginator does.
    """

    def __init__(self, object_list, per_page: int, *, count: int | None = None):
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        if self._known_count is not None:
            return self._known_count
        return super().count
