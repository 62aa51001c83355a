"""Template context every page needs."""

from .links import fixed_links


def site_links(request) -> dict:
    """`links`: the addresses of the site's fixed pages, for the header, footer and forms."""
    return {"links": fixed_links()}
