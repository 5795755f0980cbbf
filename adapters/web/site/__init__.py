"""The community's website: pages rendered from the core's Calendar, built to files or served live.

`render` turns a Calendar into HTML pages (Jinja2, autoescaped); `build` writes them with the
feeds and static files for any static host; `serve` mounts the same pages on the shared
HttpServer, rendered from `CalendarSource.current` on each request.
"""
