# Varnish in front of the hub (issue 24): pages purged by key, the last good page kept
# for a day when the hub is down. Varnish 7 with vmod xkey (Debian: varnish,
# varnish-modules). `make varnish` runs it on loopback with BACKEND_PORT filled in.
#
# The hub sends every public page with `xkey: all article:12 topic:3 home ...` (the
# content in it, articles/cache.py) and, after each change commits, `PURGE /` with
# `xkey-purge: <keys>` and `X-Purge-Token: <CACHE_PURGE_TOKEN>` to every CACHE_PURGE_HOSTS
# entry (hub/cache_purge.py). run.sh fills in BACKEND_PORT and the purge secret (below).
vcl 4.1;

import std;
import xkey;

backend hub {
    .host = "127.0.0.1";
    .port = "BACKEND_PORT";
    # Sick after 2 failed checks of 3: then pages are served from grace (below).
    .probe = {
        .url = "/healthz";
        .interval = 1s;
        .timeout = 1s;
        .window = 3;
        .threshold = 2;
    }
}

# Who may purge: the hub's own addresses only. List the app servers here.
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        # The address alone is not enough: behind a TLS terminator on this host every
        # client comes from 127.0.0.1. A purge must also carry the shared secret, the
        # hub's CACHE_PURGE_TOKEN, which run.sh writes over the placeholder below (the
        # same in both strings). Left unwritten, or empty, every purge is refused.
        if (client.ip !~ purgers
            || !req.http.X-Purge-Token
            || req.http.X-Purge-Token != "PURGE_SECRET"
            || "PURGE_SECRET" ~ "^(PURGE_|$)") {
            return (synth(403, "Purging is for the hub only"));
        }
        unset req.http.X-Purge-Token;
        if (!req.http.xkey-purge) {
            return (synth(400, "An xkey-purge header is needed"));
        }
        set req.http.x-purged = xkey.purge(req.http.xkey-purge);
        return (synth(200, "Purged " + req.http.x-purged));
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    # The admin, and anyone signed in (the app marks their pages private anyway).
    if (req.url ~ "^/admin" || req.http.Cookie ~ "(^|;\s*)sessionid=") {
        return (pass);
    }
    # Public pages read only the query parameters in articles.cache.PAGE_PARAMETERS
    # (KEEP THIS LIST IN SYNC with it): the others (utm_source, junk) are dropped and the
    # rest sorted, so that one page is one object here, whatever the link. Only on the
    # public pages' paths (articles/urls.py): other views (the problem report form, the
    # API) read parameters of their own. The app itself sends the keys and an s-maxage
    # only for a query string exactly as its page, so anything unlisted is not kept.
    if (req.url ~ "\?" && req.url ~ "^/(\?|topics/|articles/|authors/|search/|feed/|sitemap|about/|contact/)") {
        set req.url = regsuball(req.url, "([?&])(?!(?:audience|letter|p|page|q)(?:=|&|$))[^&]*", "\1");
        set req.url = regsuball(req.url, "&{2,}", "&");
        set req.url = regsub(req.url, "\?&", "?");
        set req.url = regsub(req.url, "[?&]$", "");
        set req.url = std.querysort(req.url);
    }
    # Readers' other cookies (the CSRF token of a form they opened) change no public
    # page; a page that uses one is sent `private` and not kept.
    unset req.http.Cookie;
    # While the hub answers, a page past its time is served at most 10 s while it is
    # fetched again; when the hub is down, for up to the full grace (a day) below.
    if (std.healthy(req.backend_hint)) {
        set req.grace = 10s;
    }
    return (hash);
}

# X-Forwarded-For: varnishd itself appends the client's address before vcl_recv (and this
# VCL leaves the header alone), so the hub's last entry is the reader as Varnish saw it:
# the app runs with TRUSTED_PROXY_COUNT counting Varnish (run.sh; docs/operations.md).

sub vcl_backend_response {
    # Only what can be purged is kept: pages carrying their keys, and static files (their
    # names change with their content). Not a 404 (the article may be published next
    # minute, and a 404 has no keys to purge it by), nor library images (a withdrawn
    # consent must take one off at once).
    if (!beresp.http.xkey && bereq.url !~ "^/static/") {
        set beresp.uncacheable = true;
        set beresp.ttl = 0s;
        return (deliver);
    }
    # Kept a day beyond its s-maxage, to serve while the hub is down (crisis pages stay
    # up). A purge removes it at once, grace or not.
    set beresp.grace = 24h;
}

sub vcl_deliver {
    # The keys are for this cache; readers need not see them.
    unset resp.http.xkey;
    unset resp.http.Surrogate-Key;
    if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
}

sub vcl_synth {
    set resp.http.Content-Type = "text/plain; charset=utf-8";
    set resp.body = resp.reason + {"
"};
    return (deliver);
}
