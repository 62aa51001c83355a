"""Pagination for lists whose size is known before they are paged, and for lists not counted."""

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.utils.functional import cached_property


class CountedPaginator(Paginator):
    """A paginator told its count when the caller knows it already: no COUNT query.

    Search has counted its capped matches; a topic has its stored count of articles.
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


# More pages than any list here could have: keeps a page's OFFSET small for the database.
MOST_PAGES = 10_000


def page_number(value: str | None) -> int:
    """?page= as a number, 1 when it is empty; InvalidPage when it is not a page number."""
    try:
        number = int(value or 1)
    except ValueError:
        raise PageNotAnInteger("That page number is not a whole number.") from None
    if not 1 <= number <= MOST_PAGES:
        raise EmptyPage("There is no page with that number.")
    return number


class UncountedPage:
    """A page of a list that is not counted: read with one row more than it shows, which
    says whether there is a next page. For the pagination template, which then names the
    page without the number of pages."""

    paginator = None

    def __init__(self, rows: list, number: int, per_page: int):
        self.object_list = rows[:per_page]
        self.number = number
        self.has_next = len(rows) > per_page
        self.has_previous = number > 1
        self.has_other_pages = self.has_next or self.has_previous
        self.next_page_number = number + 1
        self.previous_page_number = number - 1
