"""Personal data, safe by construction: validate, encrypt at rest, index blindly, mask by viewer.

Resident ID numbers follow GB 11643-1999 (18 characters, ISO 7064 MOD 11-2 check digit).
Nothing here logs a value, and no error message repeats the input it rejects, because error
messages end up in logs and API responses.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from typing import Literal

import phonenumbers
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from backend.errors import ValidationFailed

__all__ = [
    "DataVault",
    "DecryptionError",
    "Viewer",
    "find_unmasked",
    "id_birth_date",
    "id_region_code",
    "id_sex",
    "make_id_number",
    "mask_id_number",
    "mask_name",
    "mask_phone",
    "normalise_id_number",
    "normalise_phone",
]

# ---------------------------------------------------------------------------------------------
# Resident ID numbers
# ---------------------------------------------------------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"
_ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")
# GB 11643's own worked example (440524188001010014) is born in 1880, so the floor sits below it;
# it still rejects typos such as 0949 or 1049 for 1949.
_EARLIEST_BIRTH_YEAR = 1800
# Birth dates are judged on the Chinese calendar day; China has no DST, so a fixed offset is exact
# and needs no tz database.
_CHINA_TZ = timezone(timedelta(hours=8))


def _id_error(reason: str) -> ValidationFailed:
    return ValidationFailed(reason, code="invalid_id_number")


def _check_char(body17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(body17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARS[total % 11]


def _parse_birth(digits8: str) -> date | None:
    try:
        return date(int(digits8[:4]), int(digits8[4:6]), int(digits8[6:8]))
    except ValueError:
        return None


def _china_today() -> date:
    return datetime.now(_CHINA_TZ).date()


def normalise_id_number(raw: str) -> str:
    """Return the canonical 18-character ID number, or raise ValidationFailed naming the fault."""
    value = "".join(raw.split()).upper()
    if len(value) != 18:
        raise _id_error(f"身份证号码应为18位，当前为{len(value)}位")
    if not _ID_SHAPE.fullmatch(value):
        raise _id_error("身份证号码前17位应为数字，最后一位为数字或X")
    birth = _parse_birth(value[6:14])
    if birth is None or birth.year < _EARLIEST_BIRTH_YEAR or birth > _china_today():
        raise _id_error("身份证号码中的出生日期无效")
    if value[17] != _check_char(value[:17]):
        raise _id_error("身份证号码校验位错误，请核对后重新输入")
    return value


def id_birth_date(id_number: str) -> date:
    """Birth date encoded in a valid ID number."""
    value = normalise_id_number(id_number)
    return date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


def id_sex(id_number: str) -> Literal["male", "female"]:
    """'male' or 'female', from the parity of the 17th character (the sequence number)."""
    return "male" if int(normalise_id_number(id_number)[16]) % 2 else "female"


def id_region_code(id_number: str) -> str:
    """The six-digit administrative region code at the start of a valid ID number."""
    return normalise_id_number(id_number)[:6]


def make_id_number(region6: str, birth: date, seq3: str) -> str:
    """Build a valid ID number (check digit appended); the demo seeder's fake-ID generator."""
    if not (re.fullmatch(r"[0-9]{6}", region6) and re.fullmatch(r"[0-9]{3}", seq3)):
        raise ValueError("region6 must be 6 digits and seq3 3 digits")
    body = f"{region6}{birth:%Y%m%d}{seq3}"
    return body + _check_char(body)


# ---------------------------------------------------------------------------------------------
# Phone numbers
# ---------------------------------------------------------------------------------------------

# Only what people type around a number; phonenumbers would also read letters (1-800-FLOWERS).
_PHONE_CHARACTERS = re.compile(r"[0-9+\s\-()]{3,30}")
_PHONE_TYPES = {
    phonenumbers.PhoneNumberType.MOBILE: "mobile",
    phonenumbers.PhoneNumberType.FIXED_LINE: "landline",
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE: "landline",
}
_PHONE_ERROR = "电话号码格式不正确，应为11位手机号或带区号的固定电话（如 0371-62345678）"


def normalise_phone(raw: str) -> str:
    """A mainland phone number in its stored form, or raise ValidationFailed(code='invalid_phone').

    Validity (number ranges, area codes, lengths) is Google's libphonenumber metadata, region CN.
    Stored forms: a mobile as its 11 digits (``13812345678``, what older rows and blind indexes
    hold); a landline as trunk 0, area code, hyphen, subscriber number (``0371-62345678``), the
    way it is written and dialled within China. Numbers abroad, service numbers (400/800) and
    short codes are refused: a resident or client is called at a mobile or a home line.
    """
    if not _PHONE_CHARACTERS.fullmatch(raw.strip()):
        raise ValidationFailed(_PHONE_ERROR, code="invalid_phone")
    try:
        number = phonenumbers.parse(raw, "CN")
    except phonenumbers.NumberParseException:
        raise ValidationFailed(_PHONE_ERROR, code="invalid_phone") from None
    kind = _PHONE_TYPES.get(phonenumbers.number_type(number))
    if (kind is None or not phonenumbers.is_valid_number(number)
            or phonenumbers.region_code_for_number(number) != "CN"):
        raise ValidationFailed(_PHONE_ERROR, code="invalid_phone")
    digits = phonenumbers.national_significant_number(number)
    if kind == "mobile":
        return digits
    area = phonenumbers.length_of_geographical_area_code(number)
    return f"0{digits[:area]}-{digits[area:]}"


# ---------------------------------------------------------------------------------------------
# Encryption at rest and blind indexes
# ---------------------------------------------------------------------------------------------


class DecryptionError(Exception):
    """A stored token was tampered with, bound to another context, or made with another key."""


_TOKEN_VERSION = "v1"
_NONCE_BYTES = 12
_KEY_BYTES = 32
_NORMALISERS: dict[str, Callable[[str], str]] = {
    "id_number": normalise_id_number,
    "phone": normalise_phone,
}


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _derive(master: bytes, purpose: str) -> bytes:
    # Separate sub-keys so a leak or misuse of the index key says nothing about the cipher key.
    hkdf = HKDF(algorithm=hashes.SHA256(), length=_KEY_BYTES, salt=None,
                info=f"civil-affairs/pii/{_TOKEN_VERSION}/{purpose}".encode())
    return hkdf.derive(master)


class DataVault:
    """Encrypts personal data bound to its row and field, and computes blind indexes."""

    __slots__ = ("_aead", "_index_key")

    def __init__(self, master_key: bytes) -> None:
        if len(master_key) != _KEY_BYTES:
            raise ValueError(f"DATA_KEY must decode to {_KEY_BYTES} bytes")
        self._aead = AESGCM(_derive(master_key, "encryption"))
        self._index_key = _derive(master_key, "blind-index")

    def __repr__(self) -> str:
        return f"<DataVault {_TOKEN_VERSION}>"

    @classmethod
    def from_key_string(cls, key_string: str) -> DataVault:
        """Build a vault from the DATA_KEY setting (urlsafe base64 of 32 bytes)."""
        try:
            master = _b64decode(key_string.strip())
        except (binascii.Error, ValueError):
            raise ValueError("DATA_KEY is not valid urlsafe base64") from None
        return cls(master)

    @staticmethod
    def generate_key_string() -> str:
        """A fresh random DATA_KEY value."""
        return base64.urlsafe_b64encode(os.urandom(_KEY_BYTES)).decode("ascii")

    def encrypt(self, plaintext: str, *, context: str) -> str:
        """Encrypt under a fresh nonce, bound to ``context`` (e.g. 'client:42:id_number')."""
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode("utf-8"), context.encode("utf-8"))
        return f"{_TOKEN_VERSION}.{_b64encode(nonce + sealed)}"

    def decrypt(self, token: str, *, context: str) -> str:
        """Decrypt a token made by ``encrypt`` with the same context, or raise DecryptionError."""
        version, _, body = token.partition(".")
        if version != _TOKEN_VERSION or not body:
            raise DecryptionError(f"unknown token format for context {context!r}")
        try:
            raw = _b64decode(body)
            plain = self._aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:],
                                       context.encode("utf-8"))
        except (InvalidTag, binascii.Error, ValueError):
            raise DecryptionError(
                f"token does not decrypt for context {context!r}: tampered, moved or wrong key"
            ) from None
        return plain.decode("utf-8")

    def blind_index(self, value: str, *, kind: str) -> str:
        """Keyed HMAC-SHA256 (hex) of the normalised value, so equal values find each other."""
        normalise = _NORMALISERS.get(kind, str.strip)
        # The NUL separator keeps kind and value from running into each other ("a"+"bc" ≠ "ab"+"c").
        message = f"{kind}\x00{normalise(value)}".encode()
        return hmac.new(self._index_key, message, hashlib.sha256).hexdigest()


# ---------------------------------------------------------------------------------------------
# Masking by who looks
# ---------------------------------------------------------------------------------------------

Viewer = Literal["resident", "staff"]


def mask_id_number(value: str, *, viewer: Viewer) -> str:
    """Residents see first and last character; staff also see the region and the last four."""
    if len(value) != 18:
        return "*" * len(value)  # never echo something we can't mask by the rule
    if viewer == "resident":
        return value[0] + "*" * 16 + value[-1]
    if viewer == "staff":
        return value[:6] + "*" * 8 + value[-4:]
    raise ValueError(f"unknown viewer {viewer!r}")


def mask_phone(value: str) -> str:
    """Show a mobile's carrier prefix and last four digits (138****1234), a landline's area code
    and last four (0371-**5678: fits the 11-character masked columns)."""
    area, hyphen, subscriber = value.partition("-")
    if hyphen and len(subscriber) > 4:
        return f"{area}-**{subscriber[-4:]}"
    if len(value) != 11:
        return "*" * len(value)
    return value[:3] + "****" + value[-4:]


def mask_name(value: str) -> str:
    """Keep the first character (usually the surname) and star the rest."""
    return value[:1] + "*" * (len(value) - 1)


def mask_name_for_public(value: str) -> str:
    """A name as a public notice (公示) shows it: 张*明, 李*, 欧**娜 — never the whole name."""
    name = value.strip()
    if len(name) <= 2:
        return name[:1] + "*" * max(len(name) - 1, 1)
    return name[0] + "*" * (len(name) - 2) + name[-1]


# Digit-run boundaries: an ID or phone embedded in a longer number (an order id, a timestamp) is
# not a leak, but one next to letters or punctuation (id=..., "...") is.
_ID_CANDIDATE = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9Xx])")
_PHONE_CANDIDATE = re.compile(
    r"(?<![0-9+])(?:\+86[- ]?)?1[3-9][0-9][- ]?[0-9]{4}[- ]?[0-9]{4}(?![0-9])"
)


def find_unmasked(text: str) -> list[str]:
    """Everything in ``text`` that looks like a full valid ID number or mainland mobile number."""
    found: list[str] = []
    for match in _ID_CANDIDATE.finditer(text):
        try:
            normalise_id_number(match.group())
        except ValidationFailed:
            continue
        found.append(match.group())
    found.extend(match.group() for match in _PHONE_CANDIDATE.finditer(text))
    return found
