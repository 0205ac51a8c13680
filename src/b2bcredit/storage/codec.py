"""JSON form of the ledger's attrs records, exact for money and dates.

Money is written as ``"12.30 EUR"``, Decimal as its string, dates and datetimes in ISO
8601, enums by value. Encoding and decoding follow each class's type hints, compiled once
per type, so a record read back equals the record written.
"""

from __future__ import annotations

import enum
import functools
import hashlib
import json
import types
import typing
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

import attrs
import orjson

from b2bcredit.core.money import Money
from b2bcredit.products.catalogue import Product
from b2bcredit.products.terms import TermsSpec, upgrade_stored_terms

__all__ = [
    "decode",
    "dumps",
    "encode",
    "encode_product",
    "encode_record",
    "format_datetime",
    "from_json",
    "loads",
    "product_digest",
    "to_json",
]

T = TypeVar("T")

_Decoder = Callable[[Any], Any]


def encode(value: Any) -> Any:
    """Return the JSON-compatible form of a record or value."""
    if value is None or type(value) is str or isinstance(value, str | bool | int):
        return value
    if isinstance(value, Money):
        return f"{value.amount} {value.currency.code}"
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    kind: Any = type(value)
    if kind is Product:
        # A product snapshot repeats in every authorization; encode each distinct one once.
        return _encode_product(value)
    names = _field_names(kind)
    if names is not None:
        return {name: encode(getattr(value, name)) for name in names}
    if isinstance(value, tuple | list):
        return [encode(item) for item in value]
    if isinstance(value, dict):
        return {str(key): encode(item) for key, item in value.items()}
    raise TypeError(f"cannot encode {type(value).__name__} for storage")


@functools.lru_cache(maxsize=1024)
def _encode_product(product: Product) -> Any:
    # Callers only serialise the result, so sharing one dict between them is safe.
    return {field.name: encode(getattr(product, field.name)) for field in attrs.fields(Product)}


def encode_product(product: Product) -> Any:
    """Return the JSON-compatible form of a product, computed once per distinct product."""
    return _encode_product(product)


@functools.lru_cache(maxsize=1024)
def product_digest(product: Product) -> str:
    """Return the SHA-256 of a product's JSON form: equal products, equal digests."""
    # Stored rows and request fingerprints hold these digests, so the text hashed stays
    # exactly what json.dumps writes.
    return hashlib.sha256(json.dumps(_encode_product(product), separators=(",", ":")).encode()).hexdigest()


@functools.cache
def _field_names(kind: type) -> tuple[str, ...] | None:
    if not attrs.has(kind):
        return None
    return tuple(field.name for field in attrs.fields(kind))


def decode(kind: type[T], data: Any) -> T:
    """Rebuild a value of type ``kind`` from its JSON-compatible form."""
    result: T = _decoder(typing.cast(Any, kind))(data)
    return result


def encode_record(value: Any, *, products_as_digests: bool = False) -> Any:
    """Return the JSON-compatible form of an attrs record with its compiled encoder.

    With ``products_as_digests`` the result may be shared with later calls: do not change it.
    """
    kind: Any = type(value)
    return _encoder(kind, products_as_digests)(value)


def to_json(data: Any) -> str:
    """Return compact JSON text of JSON-compatible data (non-ASCII characters unescaped)."""
    # orjson serialises the records of a ledger call about eight times faster than json.
    return orjson.dumps(data).decode()


def from_json(text: str | bytes) -> Any:
    """Parse JSON text written by :func:`to_json` or by ``json.dumps``."""
    return orjson.loads(text)


def dumps(value: Any, *, products_as_digests: bool = False) -> str:
    """Return compact JSON text of a record.

    With ``products_as_digests`` every product is written as its :func:`product_digest`,
    which the reader resolves itself; the full product is about 1 KB of JSON.
    """
    kind: Any = type(value)
    return to_json(_encoder(kind, products_as_digests)(value))


def loads(kind: type[T], text: str) -> T:
    """Rebuild a record of type ``kind`` from JSON text."""
    return decode(kind, from_json(text))


@functools.cache
def _encoder(kind: Any, products_as_digests: bool = False) -> Callable[[Any], Any]:
    """Compile an encoder for ``kind`` from its type hints; unknown shapes use :func:`encode`."""
    origin = typing.get_origin(kind)
    if origin in (types.UnionType, typing.Union):
        members = [member for member in typing.get_args(kind) if member is not type(None)]
        if len(members) != 1:
            return encode
        inner = _encoder(members[0], products_as_digests)
        return lambda value: None if value is None else inner(value)
    if origin is tuple:
        item = _encoder(typing.get_args(kind)[0], products_as_digests)
        return lambda value: [item(element) for element in value]
    if origin is dict:
        return _encode_mapping
    if kind is Money:
        # Money's str() is the "12.30 EUR" form, read from its fields without properties.
        return str
    if kind is Decimal:
        return str
    if kind is datetime:
        return format_datetime
    if kind is date:
        return lambda value: value.isoformat()
    if kind in (str, int, bool):
        return lambda value: value
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return lambda value: value.value
    if kind is Product:
        return product_digest if products_as_digests else _encode_product
    if isinstance(kind, type) and attrs.has(kind):
        hints = typing.get_type_hints(kind)
        fields = [
            (field.name, _encoder(typing.cast(Any, hints[field.name]), products_as_digests))
            for field in attrs.fields(kind)
        ]
        if not products_as_digests:
            return lambda value: {name: encoder(getattr(value, name)) for name, encoder in fields}
        # A call writes its authorization both as a row and inside its stored result. The
        # record is frozen, so the form encoded last for the same object is still right.
        last: list[Any] = [None, None]

        def encode_once(value: Any) -> Any:
            previous, data = last
            if previous is value:
                return data
            data = {name: encoder(getattr(value, name)) for name, encoder in fields}
            last[:] = [value, data]
            return data

        return encode_once
    return encode


def _encode_mapping(value: dict[Any, Any]) -> Any:
    # Event payloads contain only strings, which orjson writes unchanged.
    if all(type(key) is str and type(item) is str for key, item in value.items()):
        return value
    return {str(key): encode(item) for key, item in value.items()}


_datetime_texts: dict[tuple[datetime, object], str] = {}


def format_datetime(value: datetime) -> str:
    """Return ``value.isoformat()``, remembered because one call writes its time several times."""
    # Equal instants in other time zones format differently, so the zone is part of the key.
    key = (value, value.tzinfo)
    text = _datetime_texts.get(key)
    if text is None:
        if len(_datetime_texts) >= 1024:
            _datetime_texts.clear()
        text = _datetime_texts[key] = value.isoformat()
    return text


@functools.cache
def _decoder(kind: Any) -> _Decoder:
    origin = typing.get_origin(kind)
    if origin in (types.UnionType, typing.Union):
        members = [member for member in typing.get_args(kind) if member is not type(None)]
        if len(members) != 1:
            raise TypeError(f"cannot decode the union {kind}")
        inner = _decoder(members[0])
        return lambda data: None if data is None else inner(data)
    if origin is tuple:
        item = _decoder(typing.get_args(kind)[0])
        return lambda data: tuple(item(element) for element in data)
    if origin is dict:
        value_decoder = _decoder(typing.get_args(kind)[1])
        return lambda data: {str(key): value_decoder(item) for key, item in data.items()}
    if kind is Money:
        return Money.parse
    if kind is Decimal:
        return Decimal
    if kind is datetime:
        return datetime.fromisoformat
    if kind is date:
        return date.fromisoformat
    if kind in (str, int, bool):
        return lambda data: data
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return kind
    if isinstance(kind, type) and attrs.has(kind):
        hints = typing.get_type_hints(kind)
        fields = [(field.name, _decoder(hints[field.name])) for field in attrs.fields(kind)]
        defaulted = {field.name for field in attrs.fields(kind) if field.default is not attrs.NOTHING}

        def build(data: Any) -> Any:
            try:
                return kind(**{name: decoder(data[name]) for name, decoder in fields})
            except KeyError:
                # Records stored before a field with a default was added lack its key and
                # take the default. A missing field without a default still raises.
                return kind(
                    **{name: decoder(data[name]) for name, decoder in fields if name in data or name not in defaulted}
                )

        if kind is Product:
            # A store that keeps products by reference hands back the decoded product.
            return lambda data: data if isinstance(data, Product) else build(data)
        if kind is TermsSpec:
            return lambda data: build(upgrade_stored_terms(data))
        return build
    raise TypeError(f"cannot decode {kind!r}")
