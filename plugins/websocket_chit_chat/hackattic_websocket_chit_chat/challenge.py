"""The challenge websocket_chit_chat: answer each ping with the interval that preceded it.

The problem is a one-time token; the solver holds one WebSocket conversation at
``<ws base>/_/ws/<token>`` (see :mod:`.conversation`), answering every ``ping!`` with the
interval the server waited (decoded against the server's own schedule by
:mod:`.decoder`), and submits the secret the server finally reveals. A lost conversation
raises :class:`hackattic_core.AttemptLost`, so the runner fetches a fresh token.

Importing this module stays light (``hackattic list`` imports every plugin): the client,
websockets and the sandbox's server stack load only when they are used.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from hackattic_core import Challenge, ChallengeSettings, Context, Problem, Solution

from .decoder import DEFAULT_INTERVALS

MAX_TOKEN_CHARS = 1024
"""hackattic's tokens are a few dozen characters; the token goes into the WebSocket URL."""


class ChitChatProblem(Problem):
    """What ``GET /challenges/websocket_chit_chat/problem`` returns."""

    token: str = Field(min_length=1, max_length=MAX_TOKEN_CHARS)
    """The one-time token of the conversation (valid 60 minutes, single use)."""


class ChitChatSolution(Solution):
    """What ``POST /challenges/websocket_chit_chat/solve`` expects."""

    secret: str
    """What the congratulations message quotes, e.g. ``muddy art winter recipe aged lab``."""


class ChitChatSettings(ChallengeSettings):
    """The solver's settings, as ``HACKATTIC_WEBSOCKET_CHIT_CHAT_*`` (environment or .env)."""

    # Named here too, so that building it directly (tests) reads the same variables.
    model_config = SettingsConfigDict(env_prefix="HACKATTIC_WEBSOCKET_CHIT_CHAT_")

    silence_margin: float = Field(
        default=2.0,
        gt=0,
        allow_inf_nan=False,
        description="Seconds without a ping, beyond the longest interval, before giving up "
        "on a conversation (multiplied by the time scale).",
    )
    intervals: Annotated[tuple[int, ...], NoDecode] = Field(
        default=DEFAULT_INTERVALS,
        description="Comma-separated beat intervals the server draws from (ms).",
    )
    max_frame_bytes: int = Field(
        default=64 * 1024, ge=1024, description="Largest WebSocket frame accepted."
    )
    open_timeout: float = Field(
        default=10.0,
        gt=0,
        allow_inf_nan=False,
        description="Seconds allowed to open the WebSocket.",
    )
    # Well above the real service's (a few dozen beats, a minute or two): a server that
    # pings for ever must not be answered for ever.
    max_beats: int = Field(
        default=1000, ge=1, description="Pings answered in one conversation before giving up."
    )
    max_seconds: float = Field(
        default=3600.0,
        gt=0,
        allow_inf_nan=False,
        description="Longest conversation in seconds before giving up "
        "(multiplied by the time scale).",
    )

    @field_validator("intervals", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("intervals")
    @classmethod
    def _check_intervals(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if not value:
            raise ValueError("at least one interval is needed")
        if any(ms <= 0 for ms in value):
            raise ValueError(f"intervals must be positive (ms), got {value}")
        if len(set(value)) != len(value):
            raise ValueError(f"intervals must be distinct, got {value}")
        return tuple(sorted(value))


class WebsocketChitChat(Challenge[ChitChatProblem, ChitChatSolution, ChitChatSettings]):
    name = "websocket_chit_chat"
    title = "WebSocket chit chat: answer each ping with the interval before it"
    problem_model = ChitChatProblem
    solution_model = ChitChatSolution
    settings_model = ChitChatSettings
    emulation_class = "hackattic_websocket_chit_chat.emulation:ChitChatEmulation"

    async def solve(
        self, problem: ChitChatProblem, context: Context[ChitChatSettings]
    ) -> ChitChatSolution:
        from .conversation import ConversationLost, converse, ws_url
        from .progress import ConversationProgress, summary_line

        settings = context.plugin_settings
        display = ConversationProgress(context.progress, attempt=context.attempt)
        try:
            result = await converse(
                ws_url(context.ws_base_url, problem.token),
                intervals=settings.intervals,
                time_scale=context.time_scale,
                silence_margin=settings.silence_margin,
                max_size=settings.max_frame_bytes,
                open_timeout=settings.open_timeout,
                max_beats=settings.max_beats,
                max_seconds=settings.max_seconds,
                on_beat=display.on_beat,
                on_open=display.on_open,
            )
        except ConversationLost as exc:
            display.finish(exc.result)
            raise
        display.finish(result)
        context.logger.debug("%s", summary_line(result, context.attempt))
        assert result.secret is not None
        return ChitChatSolution(secret=result.secret)
