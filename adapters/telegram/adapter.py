"""Telegram through python-telegram-bot v22, run inside our own event loop.

Updates arrive by long polling (PTB's Updater), or, when a webhook URL is set, as POSTs to a
route on the shared `HttpServer`, checked against Telegram's secret-token header. Each message
becomes an `IncomingMessage` for the core; its replies go back to the same chat and topic.
Updates are handled concurrently, but each person's in the order they came (ordering.py).

Every send (replies and `send()` for announcements) is paced under Telegram's flood limits by
`SendPacer` (pacing.py), at most a few requests are open at once (in_flight.py), and each goes
through `_send_part`, which decides per error
what a retry may do: 429 waits and retries, 403 raises ChatGone, a migrated group is sent to its new id
(the receipt names it; the adapter writes no chat status on sends), rejected
HTML is resent as plain text, and a timeout after the request left us is never resent blindly.
A text part goes out through wire.py, which reads only the new message's id from the answer.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import secrets
import warnings
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import httpx
from telegram import (
    BotCommand,
    Chat,
    ChatMember,
    ChatMemberUpdated,
    InputFile,
    LinkPreviewOptions,
    Message,
    MessageEntity,
    ReplyParameters,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import Application, ApplicationBuilder, BaseRateLimiter, ContextTypes, TypeHandler
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

from adapters.base import MessageHandler, StartError
from adapters.edit_throttle import DEFAULT_INTERVAL, EditThrottle
from adapters.log_redaction import redact_in_logs
from adapters.telegram.buttons import edit_message, handle_press, keyboard
from adapters.telegram.in_flight import InFlightRequest
from adapters.telegram.ordering import OrderedUpdates
from adapters.telegram.pacing import SendPacer
from adapters.telegram.platform import ANONYMOUS_ADMIN_ID
from adapters.telegram.render import TelegramDocument, TelegramPart, TelegramText, render
from adapters.telegram.wire import send_text
from bot.announce.outbound import ChatGone, ChatStatusListener, NoChatStatus, SendError, SendReceipt
from bot.chat.commands import CommandRegistry, command_message, parse_command
from bot.chat.messages import ChatRef, IncomingMessage, UserRef
from bot.chat.reply import Reply, paragraph
from bot.identity_cache import IdentityCache

if TYPE_CHECKING:  # aiohttp is imported only with PORT (webhook mode)
    from aiohttp import web

    from adapters.web.server import HttpServer

log = logging.getLogger(__name__)

PLATFORM = "telegram"
ALLOWED_UPDATES = ("message", "my_chat_member", "callback_query")
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_PRESENT = frozenset({ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER})
# httpx failures where the request never reached Telegram, so sending again cannot post twice.
_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass(frozen=True, slots=True)
class TelegramOptions:
    """Timeouts and retry bounds; the defaults suit production, tests shrink them."""

    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    write_timeout: float = 10.0
    pool_timeout: float = 5.0
    connection_pool_size: int = 64
    poll_timeout: float = 10.0  # getUpdates long-poll seconds
    concurrent_updates: int = 32  # handled at once, across people; one person's go in order
    pace_burst: int = 5  # sends to one group that go at once before its pacing starts
    pace_overall_burst: int = 1  # the same across all chats (see telegram_pacing: rate over burst)
    max_retry_after: float = 60.0  # a longer 429 wait is handed back as a retryable SendError
    retry_after_attempts: int = 3
    network_attempts: int = 4  # tries for a request that never reached Telegram
    backoff: float = 0.5  # seconds before the second try; doubles each time
    edit_interval: float = DEFAULT_INTERVAL  # seconds between edits of one message (a card's count)

    def send_request(self, httpx_kwargs: dict[str, Any] | None = None) -> InFlightRequest:
        """The request the bot's sends go through: this pool and these timeouts, in flight at once
        no more than the pool holds (bench/telegram.py builds its capped baseline with it too)."""
        return InFlightRequest(
            connection_pool_size=self.connection_pool_size,
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            write_timeout=self.write_timeout,
            pool_timeout=self.pool_timeout,
            httpx_kwargs=httpx_kwargs,
        )


class TelegramAdapter:
    platform = PLATFORM

    def __init__(
        self,
        token: str,
        registry: CommandRegistry,
        *,
        api_url: str | None = None,
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
        http_server: HttpServer | None = None,
        status: ChatStatusListener | None = None,
        options: TelegramOptions | None = None,
        rate_limiter: BaseRateLimiter | None = None,  # type: ignore[type-arg]
    ) -> None:
        redact_in_logs(token)
        self.registry = registry
        self.status: ChatStatusListener = status or NoChatStatus()
        self.options = options or TelegramOptions()
        self.edits = EditThrottle(self.edit, self.options.edit_interval)  # button presses edit their card
        self.webhook_url = webhook_url
        # Telegram echoes this secret in a header on every webhook call; without one configured
        # a fresh random one per start works just as well, since setWebhook sends it each time.
        self._webhook_secret = webhook_secret or secrets.token_urlsafe(32)
        redact_in_logs(self._webhook_secret)
        self.username: str | None = None
        self._on_message: MessageHandler | None = None
        self._started = False
        self.application = self._build(token, api_url, rate_limiter)
        self.application.add_handler(TypeHandler(Update, self._on_update))
        self.application.add_error_handler(self._on_error)
        if webhook_url:
            if http_server is None:
                raise ValueError("webhook mode needs the shared HTTP server (set PORT)")
            # Telegram posts to the URL's own path, so that is the route (a proxy in front must
            # keep the path as it is).
            self.webhook_path = urlparse(webhook_url).path or "/"
            http_server.add_route("POST", self.webhook_path, self._webhook)

    def _build(self, token: str, api_url: str | None, rate_limiter: BaseRateLimiter | None) -> Application:  # type: ignore[type-arg]
        o = self.options
        # One TLS context for both of PTB's clients (sends, and getUpdates): each would otherwise
        # load the CA bundle itself, about 20 ms of start-up apiece. It is httpx's own default.
        tls: dict[str, Any] = {"verify": httpx.create_ssl_context()}
        builder = (
            ApplicationBuilder()
            .token(token)
            .rate_limiter(rate_limiter if rate_limiter is not None else SendPacer(o.pace_burst, o.pace_overall_burst))
            .job_queue(None)  # our scheduler does the timing
            .concurrent_updates(OrderedUpdates(o.concurrent_updates))  # in order per person (ordering.py)
            .request(o.send_request(tls))
            .get_updates_request(HTTPXRequest(connection_pool_size=1, httpx_kwargs=tls))  # PTB's defaults
        )
        if api_url:
            root = api_url.rstrip("/").removesuffix("/bot")
            builder = builder.base_url(f"{root}/bot").base_file_url(f"{root}/file/bot")
        if self.webhook_url:
            builder = builder.updater(None)  # our HTTP route feeds the update queue
        return builder.build()

    # ---- lifecycle -----------------------------------------------------------------------------

    async def start(self, on_message: MessageHandler) -> None:
        self._on_message = on_message
        try:
            await self._start()
        except InvalidToken:
            await self.stop()
            # One line, never a traceback: the exception's text and frames could quote the token.
            raise StartError("Telegram rejected the token (401): check TELEGRAM_BOT_TOKEN") from None
        except NetworkError as exc:
            await self.stop()
            # PTB's BadRequest is a NetworkError too: Telegram answered, and refused.
            problem = "Telegram refused to start the bot" if isinstance(exc, BadRequest) else "cannot reach Telegram"
            raise StartError(f"{problem}: {exc.message}") from None
        except TelegramError as exc:
            await self.stop()
            raise StartError(f"Telegram refused to start the bot: {exc.message}") from None
        except BaseException:
            await self.stop()  # the caller only stops adapters that started: leave nothing open
            raise

    async def _start(self) -> None:
        app = self.application
        await app.initialize()  # getMe: who we are, so /cmd@OurBot can be told from others
        self._started = True
        self.username = app.bot.username
        # The menu is cosmetic: set it while updates start flowing, not one round trip before.
        menu = asyncio.create_task(self._set_commands())
        try:
            await self._receive()
        except BaseException:
            menu.cancel()
            await asyncio.gather(menu, return_exceptions=True)
            raise
        await menu

    async def _receive(self) -> None:
        app = self.application
        await app.start()
        if self.webhook_url:
            await app.bot.set_webhook(
                self.webhook_url, secret_token=self._webhook_secret, allowed_updates=list(ALLOWED_UPDATES)
            )
            log.info("Telegram bot @%s receiving updates by webhook at %s", self.username, self.webhook_path)
        else:
            assert app.updater is not None
            await app.updater.start_polling(
                timeout=int(self.options.poll_timeout),
                allowed_updates=list(ALLOWED_UPDATES),
                error_callback=self._polling_error,
            )
            log.info("Telegram bot @%s polling for updates", self.username)

    async def stop(self) -> None:
        app = self.application
        await self.edits.close()  # the final counts land before the connection goes
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        if self._started:
            self._started = False
            await app.shutdown()

    async def _set_commands(self) -> None:
        commands = [BotCommand(c.name, c.help[:256]) for c in self.registry.listed()]
        try:
            await self.application.bot.set_my_commands(commands)
        except TelegramError as exc:  # a missing menu is cosmetic: keep serving
            log.warning("could not set the Telegram command menu: %s", exc)

    @staticmethod
    def _polling_error(exc: TelegramError) -> None:
        if isinstance(exc, Conflict):
            log.error("another process is polling with this bot token (409 Conflict); one poller per token")
        else:
            log.warning("polling Telegram failed, retrying: %s", exc)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("error while processing a Telegram update", exc_info=context.error)

    # ---- webhook -------------------------------------------------------------------------------

    async def _webhook(self, request: web.Request) -> web.Response:
        from aiohttp import web  # loaded already: this route exists only on the aiohttp server (PORT)

        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self._webhook_secret.encode()):
            log.warning("rejected a webhook call without the right secret token from %s", request.remote)
            return web.Response(status=403, text="forbidden")
        if not self.application.running:
            return web.Response(status=503, text="starting")  # Telegram retries later
        try:
            update = Update.de_json(await request.json(), self.application.bot)
        except Exception as exc:  # malformed JSON or not an Update: nothing to process
            log.warning("ignored a malformed webhook update: %s", exc)
            return web.Response(status=400, text="bad update")
        await self.application.update_queue.put(update)
        return web.Response(text="ok")

    # ---- incoming ------------------------------------------------------------------------------

    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            if update.my_chat_member is not None:
                await self._membership(update.my_chat_member)
            elif update.message is not None:
                await self._on_telegram_message(update.message)
            elif update.callback_query is not None and update.callback_query.message is not None:
                query = update.callback_query  # a button press (adapters/telegram/buttons.py)
                await handle_press(self, self._on_message, query, chat_ref(update.callback_query.message.chat))
        except Exception:  # one bad update must not stop the others
            log.exception("handling Telegram update %s failed", update.update_id)

    async def _on_telegram_message(self, message: Message) -> None:
        if message.migrate_to_chat_id:
            old = chat_ref(message.chat)
            await self.status.chat_moved(old, replace(old, chat_id=str(message.migrate_to_chat_id)))
            return
        incoming = await self.incoming(message)
        if incoming is None or self._on_message is None:
            return
        # In a group, quoting the command shows whom the answer is for; a private chat needs none.
        quote = None if incoming.chat.is_private else message.message_id
        for reply in await self._on_message(incoming):
            try:
                await self._send_reply(incoming.chat, reply, reply_to=quote)
            except ChatGone as exc:  # no Delivery on this path: report what Telegram said
                log.warning("could not answer in %s: %s", incoming.chat.key, exc)
                await self.status.chat_inactive(incoming.chat, str(exc))
                return
            except SendError as exc:
                log.warning("could not answer in %s: %s", incoming.chat.key, exc)

    async def incoming(self, message: Message) -> IncomingMessage | None:
        """The neutral message for a Telegram one; None when it is not for us."""
        text = message.text
        if not text:
            return None
        parsed = parse_command(text, self.username)
        if parsed is None and parse_command(text) is not None:
            return None  # /cmd@SomeOtherBot
        chat = chat_ref(message.chat, message)
        addressed = chat.is_private or bool(parsed and parsed.mentioned_bot) or self._mentions_us(message)
        sender = sender_ref(message)
        command = self.registry.get(parsed.name) if parsed else None
        if command is not None and command.needs_admin:
            sender = replace(sender, is_chat_admin=await self._is_chat_admin(message))
        return command_message(
            parsed,
            chat=chat,
            sender=sender,
            text=text,
            received_at=message.date.astimezone(UTC) if message.date else datetime.now(UTC),
            addressed=addressed,
            message_id=str(message.message_id),
        )

    def _mentions_us(self, message: Message) -> bool:
        if not self.username:
            return False
        mentions = message.parse_entities([MessageEntity.MENTION]).values()
        return any(m.lstrip("@").lower() == self.username.lower() for m in mentions)

    async def _is_chat_admin(self, message: Message) -> bool:
        chat = message.chat
        if chat.type == Chat.PRIVATE:
            return False
        if message.sender_chat is not None:
            # An anonymous admin posts as the group itself; a channel posting here is not an admin.
            return message.sender_chat.id == chat.id
        user = message.from_user
        if user is None or user.id == ANONYMOUS_ADMIN_ID:
            return False
        try:
            member = await self.application.bot.get_chat_member(chat.id, user.id)
        except TelegramError as exc:
            log.warning("could not check admin rights in %s: %s", chat.id, exc)
            return False
        return member.status in (ChatMember.ADMINISTRATOR, ChatMember.OWNER)

    async def _membership(self, change: ChatMemberUpdated) -> None:
        chat = chat_ref(change.chat)
        was_in, is_in = _present(change.old_chat_member), _present(change.new_chat_member)
        if is_in and not was_in and not chat.is_private:
            log.info("added to Telegram chat %s (%s)", chat.key, chat.title)
            await self.status.chat_joined(chat)
            if change.chat.type in (Chat.GROUP, Chat.SUPERGROUP):
                try:
                    await self._send_reply(chat, self.introduction())
                except SendError as exc:
                    log.warning("could not introduce myself in %s: %s", chat.key, exc)
        elif was_in and not is_in:
            reason = "blocked by the user" if chat.is_private else f"removed ({change.new_chat_member.status})"
            log.info("Telegram chat %s is gone: %s", chat.key, reason)
            await self.status.chat_inactive(chat, reason)

    def start_link(self, payload: str) -> str | None:
        """The link that opens a private chat with this bot running `/start <payload>` (a
        check-in code's QR), by the username getMe gave at start; None before that."""
        return f"https://t.me/{self.username}?start={payload}" if self.username else None

    def introduction(self) -> Reply:
        me = f"@{self.username}" if self.username else "the meetup bot"
        return Reply(
            (
                paragraph(f"Hello! I am {me}: I answer questions about this community's meetups."),
                paragraph("Try /next for the next meetup, or /help for everything I can do."),
            )
        )

    # ---- sending -------------------------------------------------------------------------------

    async def send(self, chat: ChatRef, reply: Reply) -> SendReceipt:
        return await self._send_reply(chat, reply)

    async def edit(self, chat: ChatRef, message_id: str, reply: Reply) -> SendReceipt:
        """Replace a message the bot sent (a card whose button was pressed) with `reply`."""
        return await edit_message(self, chat, message_id, reply)

    async def _send_reply(self, chat: ChatRef, reply: Reply, reply_to: int | None = None) -> SendReceipt:
        parts = _render(reply)
        ids: list[str] = []
        target = chat
        for index, part in enumerate(parts):
            try:
                sent, target = await self._send_part(
                    target, part, preview_off=reply.disable_link_preview, reply_to=reply_to if index == 0 else None
                )
            except ChatGone:
                raise
            except SendError as exc:
                if not ids:
                    raise
                # Earlier parts are posted: sending the whole reply again would repeat them.
                raise SendError(
                    f"{exc} (after {len(ids)} of {len(parts)} parts were posted)", maybe_delivered=True
                ) from exc
            ids.append(str(sent))
        return SendReceipt(target, tuple(ids))

    async def _send_part(
        self, target: ChatRef, part: TelegramPart, *, preview_off: bool, reply_to: int | None
    ) -> tuple[int, ChatRef]:
        o = self.options
        plain = moved = False
        flood_waits = network_tries = 0
        while True:
            try:
                return await self._post(target, part, plain=plain, preview_off=preview_off, reply_to=reply_to), target
            except RetryAfter as exc:
                wait = _retry_after_seconds(exc)
                flood_waits += 1
                if flood_waits > o.retry_after_attempts or wait > o.max_retry_after:
                    raise SendError(f"Telegram flood control: retry after {wait:.0f}s", retryable=True) from exc
                log.warning("Telegram flood control on %s: waiting %.1fs before retrying", target.key, wait)
                await asyncio.sleep(wait)
            except ChatMigrated as exc:
                if moved:
                    raise SendError(f"{target.key} migrated twice in one send") from exc
                moved = True
                new = ChatRef(PLATFORM, str(exc.new_chat_id), is_private=False, title=target.title)
                # Reported in the receipt (its chat is the new id); the caller records the move.
                log.info("Telegram group %s became supergroup %s; sending there", target.key, new.key)
                target = new
            except Forbidden as exc:
                raise await self._gone(target, exc.message) from exc
            except BadRequest as exc:
                problem = exc.message.lower()
                if "can't parse entities" in problem and not plain:
                    log.warning(
                        "Telegram rejected the HTML for %s (%s); resending as plain text", target.key, exc.message
                    )
                    plain = True
                elif "chat not found" in problem:
                    raise await self._gone(target, exc.message) from exc
                else:
                    raise SendError(f"Telegram refused the message: {exc.message}") from exc
            except NetworkError as exc:  # TimedOut included
                if not isinstance(exc.__cause__, _NEVER_SENT):
                    raise _unsure(exc) from exc
                network_tries += 1
                if network_tries >= o.network_attempts:
                    raise SendError(f"Telegram unreachable: {exc.message}", retryable=True) from exc
                delay = o.backoff * 2 ** (network_tries - 1)
                log.warning(
                    "could not reach Telegram (%s); try %d of %d in %.1fs",
                    exc.message,
                    network_tries + 1,
                    o.network_attempts,
                    delay,
                )
                await asyncio.sleep(delay)
            except TelegramError as exc:
                raise SendError(f"Telegram error: {exc.message}") from exc

    async def _post(
        self, target: ChatRef, part: TelegramPart, *, plain: bool, preview_off: bool, reply_to: int | None
    ) -> int:
        """Send one part; the new message's id."""
        bot = self.application.bot
        chat_id: int | str = int(target.chat_id) if target.chat_id.lstrip("-").isdigit() else target.chat_id
        thread = int(target.thread_id) if target.thread_id else None
        quote = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
        mode = None if plain else ParseMode.HTML
        if isinstance(part, TelegramText):
            return await send_text(
                bot,
                chat_id,
                part.plain if plain else part.html,
                parse_mode=mode,
                message_thread_id=thread,
                reply_parameters=quote,
                link_preview_options=_NO_PREVIEW if preview_off else None,
                reply_markup=keyboard(part.buttons, self.username),
            )
        assert isinstance(part, TelegramDocument)
        # An image is shown as a picture (a check-in code's QR); any other file as a document.
        send_file = bot.send_photo if part.mime_type.startswith("image/") else bot.send_document
        document: Message = await send_file(
            chat_id,
            InputFile(part.content, filename=part.filename),
            message_thread_id=thread,
            caption=(part.caption_plain if plain else part.caption_html) or None,
            parse_mode=mode,
            reply_parameters=quote,
        )
        return document.message_id

    async def _gone(self, chat: ChatRef, reason: str) -> ChatGone:
        # Reported by the exception; the caller (Delivery) tells the ChatStatus, the one writer.
        log.warning("Telegram chat %s is gone (%s)", chat.key, reason)
        return ChatGone(f"{chat.key}: {reason}")


# Replies rendered, by the Reply object: the core gives back the same card while its count is the
# same (bot/rsvp/views.py `with_rsvp`), so a run of /next renders it once. Parts are frozen.
# Files are not kept (a document's bytes would stay in memory).
_RENDERS: IdentityCache[tuple[TelegramPart, ...]] = IdentityCache(256)  # one-off answers pass through
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)  # PTB's objects are immutable: one serves every send


def _render(reply: Reply) -> tuple[TelegramPart, ...]:
    kept = _RENDERS.get((reply,))
    if kept is not None:
        return kept
    parts = tuple(render(reply))
    if all(isinstance(part, TelegramText) for part in parts):
        _RENDERS.put((reply,), (), parts)
    return parts


def _retry_after_seconds(exc: RetryAfter) -> float:
    """RetryAfter.retry_after: whole seconds, or a timedelta once PTB_TIMEDELTA is on (PTB 22.2
    warns that the int form is deprecated; either form is read, the warning is not shown)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        wait = exc.retry_after
    return wait.total_seconds() if isinstance(wait, timedelta) else float(wait)


def _present(member: ChatMember) -> bool:
    if member.status == ChatMember.RESTRICTED:  # restricted members may or may not be in the chat
        return bool(getattr(member, "is_member", False))
    return member.status in _PRESENT


def _unsure(exc: NetworkError) -> SendError:
    """An error after the request left us. Telegram may have posted it: never resend blindly."""
    if isinstance(exc, TimedOut) or isinstance(exc.__cause__, httpx.HTTPError):
        return SendError(f"no answer from Telegram ({exc.message}); it may have been delivered", maybe_delivered=True)
    # Telegram answered with a server error: it did not take the message.
    return SendError(f"Telegram failed: {exc.message}", retryable=True)


def chat_ref(chat: Chat, message: Message | None = None) -> ChatRef:
    thread = None
    if message is not None and message.is_topic_message and message.message_thread_id:
        thread = str(message.message_thread_id)  # a forum topic: answer in the same topic
    title = chat.title or chat.full_name or chat.username
    return ChatRef(PLATFORM, str(chat.id), thread_id=thread, is_private=chat.type == Chat.PRIVATE, title=title)


def sender_ref(message: Message) -> UserRef:
    if message.sender_chat is not None:  # an anonymous admin or a channel: the chat is the sender
        sender = message.sender_chat
        return UserRef(PLATFORM, str(sender.id), sender.title or sender.username)
    user = message.from_user
    if user is None:
        return UserRef(PLATFORM, "unknown")
    return UserRef(PLATFORM, str(user.id), user.full_name or user.username, user.username)
