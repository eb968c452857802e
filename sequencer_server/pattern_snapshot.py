"""What a message's ``snapshot`` must be when it says it is ours: a ``sequencer.pattern``
as resources/schemas/*/pattern/pattern.json describe it (0.1.0 is 0.0.1 plus optional
per-track fields, so one model takes both), or the ``sequencer.audio`` snapshot the desktop
app sends with a dropped audio file.

The seed's contract types ``snapshot`` as an open map, so a snapshot without one of our
``format`` names (another client's pattern) is stored as sent, bounded like every body;
one that claims our format and is not one (``"bpm": -5``) is refused, because every
client of this server would fail to load it.

The models check; the server stores the snapshot exactly as sent (the check's output is
thrown away), so numbers keep their spelling and unknown keys — what a newer client adds —
are kept. Types are strict: ``"bpm": "120"`` is text, not a tempo.

What the desktop app's loader (``desktop_app.domain.pattern``) insists on is checked too,
since a pattern it refuses is a message nobody can open: every track has exactly
``length`` steps (no version the app reads gives a track a length of its own), at most
``MAX_TRACKS`` tracks, and names, sounds and the kit are not blank. Those names are shown
in other people's windows, so they are held to a thread name's characters too. The schema cannot say
the first, so the OpenAPI document states it in words. A version newer than the app reads
is spared the steps check only: its readers judge what its tracks' lengths mean, and
today's app refuses it as "newer" anyway. ``sample_sha256`` is checked by
``routes.samples.referenced_samples``, against the samples the server holds.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    MISSING,
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WithJsonSchema,
    WrapValidator,
    field_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from sequencer_common.visible_text import NAME_PATTERN, name_problem

_OPEN = ConfigDict(extra="allow", strict=True)
# Unknown keys pass the body parser like every other value (sequencer_server.openapi).
_ANY_JSON = {"$ref": "#/components/schemas/JsonValue"}
Velocity = Annotated[int, Field(ge=0, le=127)]
# The desktop app's limits (desktop_app.domain.pattern): the newest format version it
# reads, and the most tracks it opens.
READ_VERSION = (0, 1, 0)
MAX_TRACKS = 256
MAX_STEPS = 64


def _visible_name(value: str) -> str:
    """Track names, sounds and the kit are shown in other people's windows, as a thread's
    name is: held to the same characters (no controls, line breaks or bidi overrides,
    ``sequencer_common.visible_text``) and not blank — which covers what the app refuses,
    a name of spaces (``str.strip``'s blanks), and names only of invisible characters."""
    if problem := name_problem(value):
        raise PydanticCustomError("name_unsafe", problem)
    return value


Text = Annotated[
    str,
    Field(min_length=1, json_schema_extra={"pattern": NAME_PATTERN}),
    AfterValidator(_visible_name),
]


def _version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


class TrackSnapshot(BaseModel):
    model_config = _OPEN

    name: Text
    sample: Text = Field(description="The kit's sound the track plays")
    steps: list[Velocity] = Field(
        min_length=1,
        max_length=MAX_STEPS,
        description="One velocity per step (0 = off): exactly the pattern's length of them",
    )
    volume: float | MISSING = Field(default=MISSING, ge=0, le=1)
    pan: float | MISSING = Field(default=MISSING, ge=-1, le=1)
    mute: bool | MISSING = MISSING
    solo: bool | MISSING = MISSING
    sample_name: Text | MISSING = MISSING
    pitch: float | MISSING = Field(default=MISSING, ge=-24, le=24, description="Semitones")
    decay: float | MISSING = Field(default=MISSING, ge=0.01, le=30, description="Seconds")
    choke: int | MISSING = Field(default=MISSING, ge=0, le=16, description="Choke group")


class PatternSnapshot(BaseModel):
    model_config = _OPEN

    format: Literal["sequencer.pattern"]
    version: str = Field(
        pattern=r"^[0-9]+\.[0-9]+\.[0-9]+$",
        description="0.0.1 or 0.1.0; a newer one is stored too (its readers judge it)",
    )
    bpm: float = Field(ge=20, le=300)
    swing: float | MISSING = Field(default=MISSING, ge=0, le=0.75)
    steps_per_beat: int | MISSING = Field(default=MISSING, ge=1, le=16)
    length: int = Field(ge=1, le=MAX_STEPS, description="Steps in the pattern")
    kit: Text | MISSING = MISSING
    tracks: list[TrackSnapshot] = Field(
        max_length=MAX_TRACKS,
        description="Every track has exactly length steps (in the versions up to 0.1.0)",
    )

    @field_validator("tracks")
    @classmethod
    def _steps_fill_the_length(
        cls, tracks: list[TrackSnapshot], info: ValidationInfo
    ) -> list[TrackSnapshot]:
        """Each track's ``steps`` has ``length`` entries, in every version the app reads
        (``length`` and ``version`` come first, so they are checked already; when either
        was refused there is nothing to compare with)."""
        length, version = info.data.get("length"), info.data.get("version")
        if length is None or version is None or _version_tuple(version) > READ_VERSION:
            return tracks
        wrong = [
            InitErrorDetails(
                type=PydanticCustomError(
                    "steps_length",
                    "has {steps} steps, but the pattern is {length} steps long (its "
                    '"length"): every track has one velocity per step',
                    {"steps": len(track.steps), "length": length},
                ),
                loc=(index, "steps"),
                input=track.steps,
            )
            for index, track in enumerate(tracks)
            if len(track.steps) != length
        ]
        if wrong:
            raise ValidationError.from_exception_data("tracks", wrong)
        return tracks


class AudioSnapshot(BaseModel):
    """What the desktop app sends with an audio file dropped on a thread: no pattern, the
    file's name (the render carries the sound)."""

    model_config = _OPEN

    format: Literal["sequencer.audio"]
    version: str = Field(pattern=r"^[0-9]+\.[0-9]+\.[0-9]+$")
    filename: Text | MISSING = MISSING


AUDIO_FORMAT = "sequencer.audio"
PATTERN_FORMAT = "sequencer.pattern"


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    """The model's JSON Schema with its ``$defs`` put in place (a field's schema in the
    OpenAPI document cannot carry definitions of its own), unknown keys as JsonValue."""
    definitions = schema.pop("$defs", {})

    def walk(node: object) -> object:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return walk(definitions[ref.rsplit("/", 1)[-1]])
            if node.get("additionalProperties") is True:
                node = {**node, "additionalProperties": _ANY_JSON}
            return {key: walk(value) for key, value in node.items()}
        if isinstance(node, list):
            return [walk(value) for value in node]
        return node

    inlined = walk(schema)
    assert isinstance(inlined, dict)
    return inlined


def _checked_as_sent(value: object, handler: ValidatorFunctionWrapHandler) -> object:
    """Refuse what claims our format and is not it (the errors name the field:
    ``snapshot.bpm``); keep the value itself, and any other object as the seed does."""
    kind = value.get("format") if isinstance(value, dict) else None
    if kind == AUDIO_FORMAT:
        AudioSnapshot.model_validate(value)
    elif kind == PATTERN_FORMAT:
        PatternSnapshot.model_validate(value)
    else:
        return handler(value)  # the seed's open map: any JSON object
    return value


Snapshot = Annotated[
    dict[str, Any],
    WrapValidator(_checked_as_sent),
    WithJsonSchema(
        {
            "anyOf": [
                _inline(PatternSnapshot.model_json_schema()),
                _inline(AudioSnapshot.model_json_schema()),
                {
                    "type": "object",
                    "additionalProperties": _ANY_JSON,
                    "description": "Another client's snapshot (the seed's open map): "
                    "stored as sent unless its format is one of the two above",
                },
            ]
        }
    ),
]
