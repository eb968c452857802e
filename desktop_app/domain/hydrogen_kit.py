"""Reading a Hydrogen drumkit's ``drumkit.xml``, so a musician plays a kit they already own.

Hydrogen (hydrogen-music.org) has written three layouts over the years, and the kits people
own come in all of them (Debian's ``hydrogen-drumkits`` has each):

- 0.9.3: the instrument names its sample directly (``<instrument><filename>``);
- 0.9.4 – 0.9.6: ``<instrument><layer><filename>`` with velocity layers;
- 0.9.7 and later: ``<instrument><instrumentComponent><layer>``, and since 1.1 a single
  ``<pan>`` in -1..1 instead of the ``<pan_L>``/``<pan_R>`` pair.

A sound here is the layer Hydrogen plays for a hit at full velocity (a step sequencer
plays one sample per track, and a step's velocity scales it): of velocity layers
(``<min>``/``<max>``, 0..1) the one reaching 1, the hardest. The first layer is the
softest in most kits (GMRockKit's "Kick-Softest.wav"), so a kit imported from it played
every hit as a ghost note. It comes at the loudness Hydrogen plays it with: instrument
``volume`` × instrument ``gain`` × component ``gain`` × layer ``gain``; the pitch is
``pitchOffset`` + the layer's ``pitch`` in semitones; ``muteGroup`` (-1: none) is
Hydrogen's choke group.

The pan pair is converted the way Hydrogen converts it when it loads an old kit
(``Sampler::getRatioPan``): the louder side is 1, the other is 1 - |pan|, so
``pan = R/L - 1`` when L ≥ R (towards the left) and ``1 - L/R`` otherwise.

The file is someone else's XML: it is parsed with ``defusedxml`` and any DTD is refused,
so an entity-expansion bomb or an external entity is an error, not a hang or a file read.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import defusedxml
import defusedxml.ElementTree as SafeET

DRUMKIT_XML = "drumkit.xml"
MAX_XML_BYTES = 4 * 1024 * 1024
MAX_INSTRUMENTS = 1000  # Hydrogen's own limit
_NAMESPACE_END = "}"


class HydrogenKitError(ValueError):
    """A ``drumkit.xml`` that cannot be read as a Hydrogen kit; the message says where."""


@dataclass(frozen=True)
class HydrogenInstrument:
    """One instrument, as the sound a track will play."""

    name: str
    file: str | None  # the full-velocity layer's sample, relative to the kit's folder
    volume: float  # linear gain, Hydrogen's product of volume and gains (may exceed 1)
    pan: float  # -1 (left) … 1 (right)
    pitch: float  # semitones
    mute_group: int  # -1: none


@dataclass(frozen=True)
class HydrogenKit:
    name: str
    instruments: tuple[HydrogenInstrument, ...]


def parse_drumkit_xml(raw: bytes, fallback_name: str = "Hydrogen kit") -> HydrogenKit:
    """Read ``drumkit.xml``'s bytes. ``fallback_name``: the kit's name when the file has
    none (its folder's name)."""
    if len(raw) > MAX_XML_BYTES:
        raise HydrogenKitError(
            f"{DRUMKIT_XML} is {len(raw) // (1024 * 1024)} MB; a drumkit description is at"
            f" most {MAX_XML_BYTES // (1024 * 1024)} MB."
        )
    try:
        root = SafeET.fromstring(raw, forbid_dtd=True, forbid_entities=True)
    except defusedxml.DTDForbidden:
        raise HydrogenKitError(
            f"{DRUMKIT_XML} declares a DTD (<!DOCTYPE …>); Hydrogen kits have none, and"
            " one can hide an entity-expansion attack, so it is refused."
        ) from None
    except (defusedxml.EntitiesForbidden, defusedxml.ExternalReferenceForbidden):
        raise HydrogenKitError(f"{DRUMKIT_XML} declares entities; refused.") from None
    except ET.ParseError as exc:
        raise HydrogenKitError(f"{DRUMKIT_XML} is not well-formed XML ({exc}).") from None
    if _local(root.tag) != "drumkit_info":
        raise HydrogenKitError(
            f"{DRUMKIT_XML} is not a Hydrogen drumkit: its root element is"
            f" <{_local(root.tag)}>, not <drumkit_info>."
        )
    name = _text(_child(root, "name")) or fallback_name
    listing = _child(root, "instrumentList")
    elements = [] if listing is None else _children(listing, "instrument")
    if not elements:
        raise HydrogenKitError(f"{DRUMKIT_XML} has no instruments (<instrumentList>).")
    if len(elements) > MAX_INSTRUMENTS:
        raise HydrogenKitError(
            f"{DRUMKIT_XML} has {len(elements)} instruments; Hydrogen itself stops at"
            f" {MAX_INSTRUMENTS}."
        )
    return HydrogenKit(name, tuple(_instrument(i, e) for i, e in enumerate(elements)))


def ratio_pan(pan_l: float, pan_r: float) -> float:
    """Hydrogen's conversion of an old (pan_L, pan_R) pair to one pan in -1..1; an invalid
    pair (negative, or both 0) is centre, as in Hydrogen."""
    if pan_l < 0 or pan_r < 0 or (pan_l == 0 and pan_r == 0):
        return 0.0
    if pan_l >= pan_r:
        return pan_r / pan_l - 1.0
    return 1.0 - pan_l / pan_r


def _instrument(index: int, element: ET.Element) -> HydrogenInstrument:
    name = _text(_child(element, "name")) or f"Instrument {index + 1}"
    where = f'Instrument {index + 1} ("{name}")'

    def number(parent: ET.Element, tag: str, default: float) -> float:
        return _float(where, parent, tag, default)

    volume = number(element, "volume", 1.0) * number(element, "gain", 1.0)
    if _child(element, "pan") is not None:
        pan = max(-1.0, min(1.0, number(element, "pan", 0.0)))
    else:
        pan = ratio_pan(number(element, "pan_L", 1.0), number(element, "pan_R", 1.0))
    pitch = number(element, "pitchOffset", 0.0)
    group_value = number(element, "muteGroup", -1.0)
    if not group_value.is_integer():
        raise HydrogenKitError(f"{where}'s muteGroup {group_value:g} is not a whole number.")
    file = None
    layer = _full_velocity_layer(element, where)
    if layer is not None:
        file = _text(_child(layer, "filename")) or None
        volume *= number(layer, "gain", 1.0)
        pitch += number(layer, "pitch", 0.0)
        component = _child(element, "instrumentComponent")
        if component is not None and layer in list(component):
            volume *= number(component, "gain", 1.0)
    else:
        file = _text(_child(element, "filename")) or None  # the 0.9.3 layout
    return HydrogenInstrument(name, file, volume, pan, pitch, int(group_value))


def _full_velocity_layer(instrument: ET.Element, where: str) -> ET.Element | None:
    """The layer whose velocity range reaches highest (the later one of equals: layers
    are listed softest first)."""
    layers = _children(instrument, "layer")
    if not layers:
        component = _child(instrument, "instrumentComponent")
        layers = [] if component is None else _children(component, "layer")
    best: ET.Element | None = None
    top = (-math.inf, -math.inf)
    for layer in layers:
        reach = (_float(where, layer, "max", 1.0), _float(where, layer, "min", 0.0))
        if reach >= top:
            best, top = layer, reach
    return best


def _float(where: str, parent: ET.Element, tag: str, default: float) -> float:
    text = _text(_child(parent, tag))
    if not text:
        return default
    try:
        value = float(text.replace(",", "."))  # kits saved under a comma locale
    except ValueError:
        raise HydrogenKitError(f"{where}'s <{tag}> is {text!r}, not a number.") from None
    if not math.isfinite(value):
        raise HydrogenKitError(f"{where}'s <{tag}> is {text!r}, not a finite number.")
    return value


def _local(tag: str) -> str:
    return tag.rsplit(_NAMESPACE_END, 1)[-1]


def _child(parent: ET.Element, tag: str) -> ET.Element | None:
    for element in parent:
        if _local(element.tag) == tag:
            return element
    return None


def _children(parent: ET.Element, tag: str) -> list[ET.Element]:
    return [e for e in parent if _local(e.tag) == tag]


def _text(element: ET.Element | None) -> str:
    return "" if element is None or element.text is None else element.text.strip()
