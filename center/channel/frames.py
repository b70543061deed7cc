"""The channel's wire format: JSON text frames, client → server and server → client.

Client → server (each stored kind carries a ``client_msg_id``, stored once per case)::

    {"type": "message",  "client_msg_id": "c-1", "body": {"text": "…"}}          text ≤ 4096 bytes
    {"type": "proposal", "client_msg_id": "c-2", "body": {"window": {"start": …, "end": …},
                                                          "place": "…" | null, "remote": false,
                                                          "note": "…"}}
    {"type": "accept" | "decline", "client_msg_id": "c-3", "body": {"proposal": 7, "note": "…"}}
    {"type": "voucher",  "client_msg_id": "c-4", "body": {"token": "<signed token>"}}  holder only
    {"type": "typing"}                                                                 never stored

Server → client: ``hello`` ``{case, head, role, since}`` first; then every stored frame
``{type, seq, from, at, body, client_msg_id?}`` in seq order (``system`` frames included);
``ack`` ``{client_msg_id, seq, duplicate}`` once a send is committed; ``typing`` ``{from}``;
``error`` ``{code, detail, client_msg_id?}`` for a refused frame (the socket stays open).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal, Protocol

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

TEXT_BYTES = 4096
LONGEST_WINDOW = timedelta(days=14)
ClientMsgId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._:\-]{1,64}$")]
Text = Annotated[str, StringConstraints(pattern=r"^[^\x00]*$")]
STORED_KINDS = ("message", "proposal", "accept", "decline", "voucher", "system")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MessageBody(Strict):
    text: Annotated[Text, Field(min_length=1)]

    @field_validator("text")
    @classmethod
    def _at_most_4kb(cls, text: str) -> str:
        if len(text.encode("utf-8", "surrogatepass")) > TEXT_BYTES:
            raise ValueError(f"at most {TEXT_BYTES} bytes of UTF-8")
        return text


class Window(Strict):
    start: AwareDatetime
    end: AwareDatetime

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if not self.start < self.end <= self.start + LONGEST_WINDOW:
            raise ValueError("end must follow start, within 14 days")
        return self


class ProposalBody(Strict):
    window: Window
    place: Annotated[Text, Field(min_length=1, max_length=300)] | None = None
    remote: bool = False
    note: Annotated[Text, Field(max_length=1000)] = ""

    @model_validator(mode="after")
    def _somewhere(self) -> ProposalBody:
        if (self.place is None) == (not self.remote):
            raise ValueError("give a place, or remote: true (not both)")
        return self


class AnswerBody(Strict):
    proposal: Annotated[int, Field(ge=1, le=2**31 - 1)]
    note: Annotated[Text, Field(max_length=1000)] = ""


class VoucherBody(Strict):
    token: Annotated[Text, Field(min_length=1, max_length=4096)]


class MessageIn(Strict):
    type: Literal["message"]
    client_msg_id: ClientMsgId
    body: MessageBody


class ProposalIn(Strict):
    type: Literal["proposal"]
    client_msg_id: ClientMsgId
    body: ProposalBody


class AcceptIn(Strict):
    type: Literal["accept"]
    client_msg_id: ClientMsgId
    body: AnswerBody


class DeclineIn(Strict):
    type: Literal["decline"]
    client_msg_id: ClientMsgId
    body: AnswerBody


class VoucherIn(Strict):
    type: Literal["voucher"]
    client_msg_id: ClientMsgId
    body: VoucherBody


class TypingIn(Strict):
    type: Literal["typing"]


Send = MessageIn | ProposalIn | AcceptIn | DeclineIn | VoucherIn
Incoming = Annotated[Send | TypingIn, Field(discriminator="type")]
INCOMING: TypeAdapter[Send | TypingIn] = TypeAdapter(Incoming)


class FrameRefused(Exception):
    """A client frame the relay will not take: ``code`` (a slug) and ``detail`` go back to it."""

    def __init__(self, code: str, detail: str, client_msg_id: str | None = None) -> None:
        super().__init__(detail)
        self.code, self.detail, self.client_msg_id = code, detail, client_msg_id

    def to_json(self) -> dict[str, Any]:
        answer: dict[str, Any] = {"type": "error", "code": self.code, "detail": self.detail}
        if self.client_msg_id is not None:
            answer["client_msg_id"] = self.client_msg_id
        return answer


def parse_incoming(data: Any) -> Send | TypingIn:
    """A decoded JSON value as a client frame; :class:`FrameRefused` says what is wrong."""
    msg_id = data.get("client_msg_id") if isinstance(data, dict) else None
    msg_id = msg_id if isinstance(msg_id, str) and len(msg_id) <= 64 else None
    kinds = ("message", "proposal", "accept", "decline", "voucher", "typing")
    if not isinstance(data, dict) or data.get("type") not in kinds:
        raise FrameRefused("unknown-type", f"type must be one of {', '.join(kinds)}", msg_id)
    try:
        return INCOMING.validate_python(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False, include_context=False)[0]
        where = ".".join(str(part) for part in first["loc"][1:])
        raise FrameRefused("invalid", f"{where}: {first['msg']}", msg_id) from None


class StoredFrame(Protocol):
    """A frame of the log: a model row, or :class:`center.channel.services.Stored`."""

    @property
    def seq(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def sender(self) -> str: ...
    @property
    def at(self) -> datetime: ...
    @property
    def body(self) -> dict[str, Any]: ...
    @property
    def client_msg_id(self) -> str | None: ...


def frame_json(frame: StoredFrame) -> dict[str, Any]:
    """A stored frame as it goes out (socket and ``GET …/frames`` alike)."""
    out: dict[str, Any] = {
        "type": frame.kind,
        "seq": frame.seq,
        "from": frame.sender,
        "at": iso(frame.at),
        "body": frame.body,
    }
    if frame.client_msg_id is not None:
        out["client_msg_id"] = frame.client_msg_id
    return out


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def encode(frame: dict[str, Any]) -> str:
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))
