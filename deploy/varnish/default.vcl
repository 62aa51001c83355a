# Varnish in front of the hub (issue 24): pages purged by key, the last good page kept
# for a day when the hub is down. Varnish 7 with vmod xkey (Debian: varnish,
# varnish-modules). `make varnish` runs it on loopback with BACKEND_PORT filled in.
#
# The hub sends every public page with `xkey: all article:12 topic:3 home ...` (the
# content in it, articles/cache.py) and, after each change commits, `PURGE /` with
# `xkey-purge: <keys>` to every CACHE_PURGE_HOSTS entry (hub/cache_purge.py).
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
        if (client.ip !~ purgers) {
            return (synth(403, "Purging is for the hub only"));
        }
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
