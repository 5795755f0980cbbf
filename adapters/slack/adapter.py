"""Slack through slack-bolt's AsyncApp: Socket Mode when an app token is set, else HTTP mode.

HTTP mode mounts `POST /slack/events` on the process's one shared HTTP server; Bolt verifies
each request's signature there. Every request is acknowledged first (Bolt acks events itself,
the slash command acks explicitly) and answered afterwards with chat.postMessage, after the
same person's earlier requests in that channel (ordering.py).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncBoltContext, AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from adapters.base import MessageHandler, StartError
from adapters.edit_throttle import DEFAULT_INTERVAL, EditThrottle
from adapters.ordering import Turn
from adapters.slack.inbound import (
    DeliveryIds,
    SeenIds,
    delivery_id,
    from_event,
    from_slash_command,
    is_user_dm,
    team_ids_of,
)
from adapters.slack.interactive import from_block_action, from_view_submission, modal
from adapters.slack.manifest import EVENTS_PATH
from adapters.slack.ordering import OrderedApp, take_turn, turn_of
from adapters.slack.payloads import GuardedApp
from adapters.slack.render import SlackFile, SlackMessage, render
from adapters.web.server import HttpServer
from bot.announce.outbound import ChatGone, ChatStatusListener, NoChatStatus, SendError, SendReceipt
from bot.chat.commands import CommandRegistry
from bot.chat.messages import ChatRef, IncomingMessage
from bot.chat.reply import Reply, ReplyTarget, map_text

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://slack.com/api/"
# The bot can no longer post there: retrying will not help.
GONE_ERRORS = frozenset({"channel_not_found", "not_in_channel", "is_archived", "account_inactive"})
# Slack-side trouble that a later attempt may get past.
TRANSIENT_ERRORS = frozenset({"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"})

Respond = Callable[..., Awaitable[Any]]


class SlackChatGone(ChatGone):
    def __init__(self, message: str, error: str) -> None:
        super().__init__(message)
        self.error = error


def _web_client(bot_token: str, api_url: str, rate_limit_retries: int) -> AsyncWebClient:
    return AsyncWebClient(
        token=bot_token,
        base_url=_base_url(api_url),
        # slack_sdk retries nothing on 429 unless told to; connection resets are retried once.
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(),
            AsyncRateLimitErrorRetryHandler(max_retry_count=rate_limit_retries),
        ],
    )


class _App(GuardedApp, OrderedApp):
    """Bolt's app: malformed bodies turned away (payloads.py), then each request's turn taken (ordering.py)."""


class SlackAdapter:
    platform = "slack"

    def __init__(
        self,
        bot_token: str,
        registry: CommandRegistry,
        *,
        app_token: str | None = None,
        signing_secret: str | None = None,
        api_url: str | None = None,
        command: str = "/meetup",
        team_ids: Sequence[str] = (),
        http_server: HttpServer | None = None,
        status: ChatStatusListener | None = None,
        seen: DeliveryIds | None = None,
        rate_limit_retries: int = 3,
        connect_timeout: float = 30.0,
        drain_timeout: float = 5.0,
        edit_interval: float = DEFAULT_INTERVAL,
        concurrency: int = 32,
    ) -> None:
        if not app_token and not signing_secret:
            raise ValueError("Slack needs SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode)")
        if not app_token and http_server is None:
            raise ValueError("Slack's HTTP mode needs PORT set: it mounts /slack/events on the shared server")
        self.registry = registry
        self.command = command if command.startswith("/") else "/" + command
        self.team_ids = frozenset(team_ids)
        self.status: ChatStatusListener = status or NoChatStatus()
        self.socket_mode = bool(app_token)
        self._app_token = app_token
        self.connect_timeout = connect_timeout
        self.drain_timeout = drain_timeout
        self.edits = EditThrottle(self.edit, edit_interval)  # button presses edit their card
        self.client = _web_client(bot_token, api_url or DEFAULT_API_URL, rate_limit_retries)
        # HTTP mode: every request's signature is checked before its body is parsed.
        self._verifier = SignatureVerifier(signing_secret) if signing_secret and not self.socket_mode else None
        self.app = _App(  # malformed bodies are turned away before Bolt reads them
            concurrency=concurrency,  # handled at once; each person's in order (ordering.py)
            client=self.client,
            signing_secret=signing_secret,
            # Socket Mode requests arrive over an authenticated WebSocket and carry no signature.
            request_verification_enabled=not self.socket_mode,
        )
        self._listen()
        self._seen = SeenIds()
        self._seen_shared = seen  # every process on one database (see _first_time)
        self._on_message: MessageHandler | None = None
        self._socket: AsyncSocketModeHandler | None = None
        self._inflight: set[asyncio.Task[Any]] = set()
        self.bot_user_id: str | None = None
        self.own_team_id: str | None = None
        if not self.socket_mode and http_server is not None:
            # Routes must exist before the shared server starts; until start() they answer 503.
            http_server.add_route("POST", EVENTS_PATH, self._handle_http)

    def _listen(self) -> None:
        """Register what the app answers: the slash command, messages, membership, buttons, modals."""
        self.app.use(self._gate)
        # Listeners that run the core take their request's turn (ordering.py).
        self.app.command(self.command, middleware=[take_turn])(self._on_command)
        self.app.event("app_mention", middleware=[take_turn])(self._on_mention)
        self.app.event("message", middleware=[take_turn])(self._on_message_event)
        # The bot invited to a channel (or back after it was removed): it can post there again.
        self.app.event("member_joined_channel")(self._on_member_joined)
        self.app.event("member_left_channel")(self._on_member_left)
        # Link buttons open their URL in the browser, but Slack still reports the click.
        self.app.action(re.compile(r"^link-"))(self._on_link_click)
        # Command buttons and our modals (adapters/slack/interactive.py).
        self.app.action(re.compile(r"^cmd-"), middleware=[take_turn])(self._on_button)
        self.app.view(re.compile(r"^form-"), middleware=[take_turn])(self._on_submission)

    # ---- lifecycle ------------------------------------------------------------------------

    async def start(self, on_message: MessageHandler) -> None:
        auth = await self._startup_call("auth.test", self.client.auth_test())
        self.bot_user_id, self.own_team_id = auth.get("user_id"), auth.get("team_id")
        if self._app_token:
            opened = await self._startup_call(
                "apps.connections.open", self.client.apps_connections_open(app_token=self._app_token)
            )
            handler = AsyncSocketModeHandler(self.app, self._app_token, web_client=self.client)
            # Use the URL we just got: a bad app token fails start-up here instead of being
            # retried forever inside the Socket Mode client.
            handler.client.wss_uri = opened["url"]
            try:
                await asyncio.wait_for(handler.connect_async(), self.connect_timeout)  # type: ignore[no-untyped-call]
            except BaseException:
                await handler.close_async()  # type: ignore[no-untyped-call]
                raise
            self._socket = handler
        self._on_message = on_message
        log.info(
            "Slack adapter ready (%s mode, team %s, bot user %s, command %s)",
            "Socket" if self.socket_mode else "HTTP",
            self.own_team_id,
            self.bot_user_id,
            self.command,
        )

    async def stop(self) -> None:
        self._on_message = None
        if self._socket is not None:
            socket, self._socket = self._socket, None
            await socket.close_async()  # type: ignore[no-untyped-call]
        if self._inflight:
            # Let replies that are on their way finish, but do not hang shutdown on them.
            _, pending = await asyncio.wait(set(self._inflight), timeout=self.drain_timeout)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        await self.edits.close()  # the final counts land

    # ---- inbound ------------------------------------------------------------------------------

    async def _handle_http(self, request: web.Request) -> web.StreamResponse:
        if self._on_message is None:
            return web.Response(status=503, text="not ready")
        # The signature is checked on the raw bytes before anything parses them: an unsigned body,
        # however malformed, gets a 401 and one log line, never a parser's traceback.
        body = await request.read()
        headers = {name.lower(): value for name, value in request.headers.items()}
        if self._verifier is None or not self._verifier.is_valid_request(body, headers):
            log.warning("rejected a Slack request without a valid signature from %s", request.remote)
            return web.Response(status=401, text="invalid signature")
        try:
            bolt_request = await to_bolt_request(request)
        except Exception as exc:  # signed, yet not a body Slack sends
            log.warning("ignored a malformed Slack request: %s", type(exc).__name__)
            return web.Response(status=400, text="bad request")
        bolt_response = await self.app.async_dispatch(bolt_request)
        return await to_aiohttp_response(bolt_response)

    def allowed_teams(self) -> frozenset[str]:
        """The configured workspaces; by default only the one the bot token belongs to."""
        if self.team_ids:
            return self.team_ids
        return frozenset({self.own_team_id}) if self.own_team_id else frozenset()

    async def _gate(
        self, body: dict[str, Any], request: AsyncBoltRequest, next_: Callable[[], Awaitable[None]]
    ) -> BoltResponse | None:
        """Global middleware: drop foreign workspaces and deliveries already seen. A dropped
        request is still answered 200 (that is the ack), so Slack does not retry it."""
        teams = team_ids_of(body)
        allowed = self.allowed_teams()
        if allowed and not (teams and teams <= allowed):  # naming no workspace is no way past
            log.warning(
                "ignoring a Slack request from workspace(s) %s (allowed: %s)",
                sorted(teams - allowed) or "(none named)",
                sorted(allowed),
            )
            return BoltResponse(status=200, body="")
        key = delivery_id(body)
        if key is not None and not await self._first_time(key):
            retry = request.headers.get("x-slack-retry-num", ["-"])[0]
            log.info("ignoring a repeated Slack delivery %s (retry %s)", key, retry)
            return BoltResponse(status=200, body="")
        await next_()
        return None

    async def _first_time(self, key: str) -> bool:
        """Shared ids answer for every instance behind a load balancer; this process's memory
        answers when there is no store or it cannot be reached."""
        local = self._seen.first_time(key)
        if self._seen_shared is None:
            return local
        try:
            return await self._seen_shared.first_time(key)
        except Exception as exc:  # the database is down: this process's memory still answers
            log.warning("could not check Slack delivery %s in the store (%s); using this process's memory", key, exc)
            return local

    async def _on_command(
        self, ack: Callable[[], Awaitable[None]], command: dict[str, Any], respond: Respond, context: AsyncBoltContext
    ) -> None:
        with turn_of(context) as turn:
            await ack()  # at once: only the answer waits for the person's earlier requests
            await self._answer(from_slash_command(command), turn, respond)

    async def _on_mention(self, event: dict[str, Any], context: AsyncBoltContext) -> None:
        with turn_of(context) as turn:
            await self._answer(from_event(event), turn)

    async def _on_message_event(self, event: dict[str, Any], context: AsyncBoltContext) -> None:
        with turn_of(context) as turn:
            # We subscribe to message.im only; anything else (edits, joins, our own posts) is noise.
            if is_user_dm(event):
                await self._answer(from_event(event), turn)

    async def _on_member_joined(self, event: dict[str, Any]) -> None:
        if event.get("user") == self.bot_user_id and event.get("channel"):
            await self.status.chat_joined(ChatRef(self.platform, str(event["channel"])))

    async def _on_member_left(self, event: dict[str, Any]) -> None:
        if event.get("user") == self.bot_user_id and event.get("channel"):
            await self.status.chat_inactive(ChatRef(self.platform, str(event["channel"])), "removed from the channel")

    @staticmethod
    async def _on_link_click(ack: Callable[[], Awaitable[None]]) -> None:
        await ack()

    async def _on_button(
        self, ack: Callable[[], Awaitable[None]], body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        with turn_of(context) as turn:
            await ack()
            message = from_block_action(body)
            if message is not None:
                await self._answer(message, turn)

    async def _on_submission(
        self, ack: Callable[[], Awaitable[None]], body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        with turn_of(context) as turn:
            await ack()  # an empty ack closes the modal; the answers go to the submitter's DM
            message = from_view_submission(body, self.registry)
            if message is not None:
                await self._answer(message, turn)

    async def _answer(self, message: IncomingMessage, turn: Turn, respond: Respond | None = None) -> None:
        """Run the core and post its replies, after the person's earlier requests (`turn`).
        Never raises: Bolt runs this after the ack."""
        task = asyncio.current_task()
        if task is not None:
            self._inflight.add(task)
        try:
            await turn.run(self._handle(message, respond))
        finally:
            if task is not None:
                self._inflight.discard(task)

    async def _handle(self, message: IncomingMessage, respond: Respond | None) -> None:
        on_message = self._on_message
        if on_message is None:
            return
        try:
            message = await self._with_admin_flag(message)
            for reply in await on_message(message):
                await self._route(message, reply, respond)
        except SendError as exc:
            log.warning("could not answer in %s: %s", message.chat.key, exc)
        except Exception:
            log.exception("answering a Slack message in %s failed", message.chat.key)

    async def _with_admin_flag(self, message: IncomingMessage) -> IncomingMessage:
        """Fill `is_chat_admin` for commands that read it (workspace admins and owners)."""
        command = self.registry.get(message.command) if message.command else None
        if command is None or not command.needs_admin:
            return message
        try:
            info = await self.client.users_info(user=message.sender.user_id)
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
            log.warning("users.info for %s failed, treating as not an admin: %s", message.sender.key, exc)
            return message
        user = info.get("user") or {}
        is_admin = bool(user.get("is_admin") or user.get("is_owner"))
        return replace(message, sender=replace(message.sender, is_chat_admin=is_admin))

    async def _route(self, message: IncomingMessage, reply: Reply, respond: Respond | None) -> None:
        """A form opens as a modal; a press's reply may edit its message or go to the presser
        alone; anything else is a new message in the chat."""
        chat = message.chat
        if reply.form is not None and message.form_trigger:
            view = modal(reply.form, chat.chat_id)
            await self._api(chat, "views.open", self.client.views_open(trigger_id=message.form_trigger, view=view))
        elif message.pressed and reply.target is ReplyTarget.SOURCE_MESSAGE and message.message_id:
            self.edits.submit(chat, message.message_id, reply)  # throttled per message
        elif message.pressed and reply.target is ReplyTarget.PRESSER:
            for part in render(self._in_slack_terms(reply)):
                if isinstance(part, SlackMessage):
                    call = self.client.chat_postEphemeral(
                        channel=chat.chat_id, user=message.sender.user_id, text=part.text, blocks=list(part.blocks)
                    )
                    await self._api(chat, "chat.postEphemeral", call)
        else:
            await self._reply(chat, reply, respond)

    async def edit(self, chat: ChatRef, message_id: str, reply: Reply) -> SendReceipt:
        """Replace a message the bot posted (`message_id` is its ts) with the reply's first part."""
        parts = [p for p in render(self._in_slack_terms(reply)) if isinstance(p, SlackMessage)]
        if not parts:
            raise SendError("nothing to edit the message with")
        first = parts[0]
        call = self.client.chat_update(channel=chat.chat_id, ts=message_id, text=first.text, blocks=list(first.blocks))
        await self._api(chat, "chat.update", call)
        return SendReceipt(chat, (message_id,))

    async def _reply(self, chat: ChatRef, reply: Reply, respond: Respond | None) -> None:
        try:
            await self._post(chat, reply)
        except ChatGone:
            if respond is None:
                raise
            # A slash command works in channels the bot has not joined; its response_url can
            # still answer there.
            await self._respond(reply, respond)

    async def _respond(self, reply: Reply, respond: Respond) -> None:
        for part in render(self._in_slack_terms(reply)):
            if isinstance(part, SlackFile):
                log.info("skipping file %s: a slash command response cannot carry files", part.filename)
                continue
            response = await respond(
                text=part.text, blocks=list(part.blocks), response_type="in_channel", replace_original=False
            )
            if getattr(response, "status_code", 200) != 200:
                raise SendError(f"response_url answered HTTP {response.status_code}", retryable=False)

    def _in_slack_terms(self, reply: Reply) -> Reply:
        """The core writes command hints as `/next`; in Slack they are `/meetup next`."""
        names = sorted((n for c in self.registry for n in (c.name, *c.aliases)), key=len, reverse=True)
        if not names:
            return reply
        pattern = re.compile(r"(?<![\w/<])/(" + "|".join(map(re.escape, names)) + r")\b")
        return map_text(reply, lambda text: pattern.sub(rf"{self.command} \1", text))

    # ---- outbound -----------------------------------------------------------------------------

    async def send(self, chat: ChatRef, reply: Reply) -> SendReceipt:
        """Post unprompted (reminders). A chat the bot can no longer post to raises ChatGone; the
        caller (Delivery) reports it to the ChatStatus: the adapter writes no chat status."""
        return await self._post(chat, reply)

    async def _post(self, chat: ChatRef, reply: Reply) -> SendReceipt:
        parts = render(self._in_slack_terms(reply))
        ids: list[str] = []
        for index, part in enumerate(parts):
            try:
                message_id = await self._post_part(chat, part, reply)
            except ChatGone:
                raise
            except SendError as exc:
                if index == 0:
                    raise
                # Earlier parts are posted: sending the whole reply again would repeat them.
                raise SendError(
                    f"{exc} (after {index} of {len(parts)} parts were posted)", maybe_delivered=True
                ) from exc
            if message_id is not None:
                ids.append(message_id)
        return SendReceipt(chat, tuple(ids))

    async def _post_part(self, chat: ChatRef, part: SlackMessage | SlackFile, reply: Reply) -> str | None:
        """Post one message (its ts) or upload one file (None)."""
        if isinstance(part, SlackMessage):
            response = await self._api(
                chat,
                "chat.postMessage",
                self.client.chat_postMessage(
                    channel=chat.chat_id,
                    thread_ts=chat.thread_id,
                    text=part.text,
                    blocks=list(part.blocks),
                    unfurl_links=not reply.disable_link_preview,
                    unfurl_media=not reply.disable_link_preview,
                ),
            )
            return str(response.get("ts", ""))
        else:
            await self._api(
                chat,
                "files_upload_v2",
                self.client.files_upload_v2(
                    channel=chat.chat_id,
                    thread_ts=chat.thread_id,
                    content=part.content,
                    filename=part.filename,
                    title=part.title,
                    initial_comment=part.comment or None,
                ),
            )
        return None

    async def _api(self, chat: ChatRef, method: str, call: Awaitable[AsyncSlackResponse]) -> AsyncSlackResponse:
        """Await one Web API call, turning Slack's failures into the core's SendError family."""
        try:
            return await call
        except SlackApiError as exc:
            status, error = exc.response.status_code, _error_code(exc)
            where = f"{method} to {chat.key}"
            if error in GONE_ERRORS:
                raise SlackChatGone(f"{where}: {error}", error) from exc
            # A 5xx may come after Slack stored the message; 503 means it never got that far.
            server_side = status >= 500 or error in TRANSIENT_ERRORS
            raise SendError(
                f"{where}: {error} (HTTP {status})",
                retryable=status == 429 or server_side,
                maybe_delivered=status >= 500 and status != 503,
            ) from exc
        except SlackRequestError as exc:
            # files_upload_v2's upload step to files.slack.com failed: a later attempt may work.
            raise SendError(f"{method} to {chat.key}: {exc}", retryable=True) from exc
        except aiohttp.ClientConnectorError as exc:
            raise SendError(f"{method} to {chat.key}: cannot connect: {exc}", retryable=True) from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            # The request may have reached Slack before the connection failed.
            raise SendError(
                f"{method} to {chat.key}: {type(exc).__name__}: {exc}", retryable=True, maybe_delivered=True
            ) from exc

    @staticmethod
    async def _startup_call(method: str, call: Awaitable[AsyncSlackResponse]) -> AsyncSlackResponse:
        try:
            return await call
        except SlackApiError as exc:
            raise StartError(f"Slack {method} failed: {_error_code(exc)}") from None


def _error_code(exc: SlackApiError) -> str:
    """Slack's `error` field, or the HTTP status when the body was not Slack's JSON."""
    data = exc.response.data if isinstance(exc.response.data, dict) else {}
    return str(data.get("error") or f"HTTP {exc.response.status_code}")


def _base_url(url: str) -> str:
    # slack_sdk joins base_url and the method name by plain concatenation.
    return url if url.endswith("/") else url + "/"


__all__ = ["EVENTS_PATH", "GONE_ERRORS", "SlackAdapter", "SlackChatGone"]
