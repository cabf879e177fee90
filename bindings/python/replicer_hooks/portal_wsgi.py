"""The portal as a WSGI application (Flask, Django, gunicorn, or the
standard library's wsgiref): mount it under the portal's base.

    app = portal_wsgi.application(rh.Portal(ctx, key, base="/webhooks"))

Every request of the mount goes to the portal on the calling thread: give
the Context one thread (a single-threaded server, or a lock around it)."""


def application(portal):
    def app(environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        headers = {k[5:].replace("_", "-").title(): v
                   for k, v in environ.items() if k.startswith("HTTP_")}
        if environ.get("CONTENT_TYPE"):
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
        status, out, data = portal.handle(environ["REQUEST_METHOD"], path,
                                          environ.get("QUERY_STRING", ""),
                                          headers, body)
        start_response("%d %s" % (status, _REASONS.get(status, "Status")), out)
        return [data]
    return app


_REASONS = {200: "OK", 201: "Created", 202: "Accepted", 204: "No Content",
            303: "See Other", 400: "Bad Request", 401: "Unauthorized",
            403: "Forbidden", 404: "Not Found", 409: "Conflict",
            413: "Content Too Large", 415: "Unsupported Media Type",
            500: "Internal Server Error", 503: "Service Unavailable"}
