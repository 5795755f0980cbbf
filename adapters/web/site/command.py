"""`meetup-bot site build OUT`: the command line of the website. Imports Jinja2 and the
renderer only when the command runs, so other modes never load them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from adapters.telegram.platform import USERNAME
from bot.calendar.loader import CalendarError, load_calendar_data
from bot.clock import system_clock
from bot.config import SettingsError, url_setting
from bot.wording import clip, plural


def add_parser(sub: Any) -> None:
    site = sub.add_parser("site", help="the community's website: `site build OUT` writes it for a static host")
    site_sub = site.add_subparsers(dest="site_command", required=True)
    build = site_sub.add_parser("build", help="write every page, the feeds and the static files into OUT")
    build.add_argument("out", type=out_dir, help="the directory to write (created if missing)")
    build.add_argument("--events", help="the events file (default: $EVENTS_FILE or events.yaml)")
    build.add_argument(
        "--base-url", type=base_url, help="where the site will live, e.g. https://kerneltlv.github.io/ (for cards)"
    )
    build.add_argument(
        "--bot-username", type=bot_username, help="the Telegram bot for the /cfp deep link ($TELEGRAM_BOT_USERNAME)"
    )
    build.set_defaults(func=cmd_build)


def out_dir(text: str) -> str:
    """OUT: a folder to write; an empty one would be the current folder, which is never meant."""
    if not text.strip():
        raise argparse.ArgumentTypeError("give the folder to write the site into, e.g. `site build _site`")
    return text


def base_url(text: str) -> str:
    """--base-url: an absolute http(s) URL, as PUBLIC_URL is checked (it ends up in every card)."""
    try:
        return url_setting({"--base-url": text}, "--base-url") or ""
    except SettingsError as error:
        raise argparse.ArgumentTypeError(str(error).removeprefix("--base-url ")) from None


def bot_username(text: str) -> str:
    """--bot-username: a Telegram username (5-32 letters, digits or _), with or without the @."""
    if not USERNAME.fullmatch(text.strip()):
        raise argparse.ArgumentTypeError(f"expected a Telegram username such as @KernelTLVBot, got {clip(text, 40)!r}")
    return text.strip()


def cmd_build(args: argparse.Namespace) -> int:
    from adapters.calendar_files import calendar_path
    from adapters.web.site.build import build_site
    from adapters.web.site.render import SiteOptions
    from adapters.web.stamp import content_stamp
    from bot.calendar.calendar import Calendar

    events = calendar_path(args.events)  # CALENDAR_REPO: the working folder's copy, fetched now
    try:
        data = load_calendar_data(events)
    except CalendarError as exc:
        for error in exc.errors:
            print(error, file=sys.stderr)
        print(f"cannot build the site: {events} has {plural(len(exc.errors), 'error')}", file=sys.stderr)
        return 1
    out = Path(args.out)
    try:
        stamp = content_stamp(events)  # the file's last commit, else a hash of it: never the checkout's time
        result = build_site(
            Calendar(data), out, now=system_clock(), stamp=stamp,
            options=SiteOptions.from_env(args.base_url, args.bot_username),
        )  # fmt: skip
    except OSError as error:
        print(f"cannot build the site: {error}", file=sys.stderr)
        return 1
    gone = f", {plural(result.removed, 'file')} of an earlier build removed" if result.removed else ""
    print(f"{out}: {result.pages} pages, {result.files} files, {result.bytes / 1024:.0f} KB, from {events}{gone}")
    return 0
