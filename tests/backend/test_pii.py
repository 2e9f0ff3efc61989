"""Behaviour of backend.pii: ID and phone validation, encryption at rest, masking, leak scanning."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.errors import ValidationFailed
from backend.pii import (
    DataVault,
    DecryptionError,
    find_unmasked,
    id_birth_date,
    id_region_code,
    id_sex,
    make_id_number,
    mask_id_number,
    mask_name,
    mask_name_for_public,
    mask_phone,
    normalise_id_number,
    normalise_phone,
)

VALID_IDS = ["11010519491231002X", "440524188001010014"]


@pytest.fixture
def vault() -> DataVault:
    return DataVault.from_key_string(DataVault.generate_key_string())


# --- ID numbers -------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", VALID_IDS)
def test_valid_id_numbers_are_accepted(raw: str) -> None:
    assert normalise_id_number(raw) == raw


def test_id_number_is_normalised_from_spaces_and_lower_x() -> None:
    assert normalise_id_number(" 110105 19491231 002x ") == "11010519491231002X"


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("110105194912310028", "校验位"),  # the check digit for this body is X, not 8
        ("11010519491231002", "18位"),
        ("11010519491231002X1", "18位"),
        ("11010519490231002X", "出生日期"),  # 1949-02-31 does not exist
        ("11010517991231002X", "出生日期"),  # implausibly early
        ("1101051949123100AX", "数字"),
    ],
)
def test_invalid_id_numbers_say_what_is_wrong(raw: str, says: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        normalise_id_number(raw)
    assert caught.value.code == "invalid_id_number"
    assert says in caught.value.message
    assert raw not in caught.value.message


def test_future_birth_date_is_rejected() -> None:
    tomorrow = date.today() + timedelta(days=2)
    with pytest.raises(ValidationFailed, match="出生日期"):
        normalise_id_number(make_id_number("110105", tomorrow, "001"))


def test_id_number_parts() -> None:
    assert id_birth_date("11010519491231002X") == date(1949, 12, 31)
    assert id_sex("11010519491231002X") == "female"  # 17th digit 2 is even
    assert id_sex("440524188001010014") == "male"  # 17th digit 1 is odd
    assert id_region_code("440524188001010014") == "440524"


def test_make_id_number_reproduces_known_numbers() -> None:
    assert make_id_number("110105", date(1949, 12, 31), "002") == "11010519491231002X"
    assert make_id_number("440524", date(1880, 1, 1), "001") == "440524188001010014"


id_numbers = st.builds(
    make_id_number,
    st.from_regex(r"[1-9][0-9]{5}", fullmatch=True),
    st.dates(min_value=date(1800, 1, 1), max_value=date(2020, 12, 31)),
    st.from_regex(r"[0-9]{3}", fullmatch=True),
)


@given(id_numbers)
def test_every_generated_id_number_validates(id_number: str) -> None:
    assert normalise_id_number(id_number) == id_number


@given(id_numbers, st.integers(0, 17), st.sampled_from("0123456789X"))
def test_changing_any_single_character_breaks_validation(
    id_number: str, position: int, replacement: str
) -> None:
    changed = id_number[:position] + replacement + id_number[position + 1 :]
    if changed == id_number:
        return
    # MOD 11-2 catches every single substitution; a date change may fail earlier, also fine.
    with pytest.raises(ValidationFailed):
        normalise_id_number(changed)


# --- phones -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw", ["13812345678", "138 1234 5678", "138-1234-5678", "+86 138 1234 5678", "8613812345678",
            "0086-13812345678"]
)
def test_mainland_mobiles_are_normalised(raw: str) -> None:
    assert normalise_phone(raw) == "13812345678"


@pytest.mark.parametrize(("raw", "stored"), [
    ("0371-62345678", "0371-62345678"), ("(0371) 6234 5678", "0371-62345678"),
    ("037162345678", "0371-62345678"), ("010-12345678", "010-12345678"),
    ("+86 10 1234 5678", "010-12345678"),
])
def test_landlines_with_their_area_code_are_stored_hyphenated(raw: str, stored: str) -> None:
    assert normalise_phone(raw) == stored


@pytest.mark.parametrize("raw", ["12812345678", "1381234567", "138123456789", "14012345678",
                                 "62345678", "400-123-4567", "+1 650 253 0000", "12345",
                                 "1-800-FLOWERS", "电话13812345678", "", "0371-6234567890123"])
def test_bad_phones_are_rejected(raw: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        normalise_phone(raw)
    assert caught.value.code == "invalid_phone"


# --- encryption at rest -----------------------------------------------------------------------


def test_encrypt_round_trips_with_versioned_token(vault: DataVault) -> None:
    token = vault.encrypt("11010519491231002X", context="client:42:id_number")
    assert token.startswith("v1.")
    assert "11010519491231002X" not in token
    assert vault.decrypt(token, context="client:42:id_number") == "11010519491231002X"


def test_same_plaintext_encrypts_differently_each_time(vault: DataVault) -> None:
    context = "client:42:id_number"
    assert vault.encrypt("张三", context=context) != vault.encrypt("张三", context=context)


def test_ciphertext_moved_to_another_row_fails(vault: DataVault) -> None:
    token = vault.encrypt("13812345678", context="client:42:phone")
    with pytest.raises(DecryptionError):
        vault.decrypt(token, context="client:43:phone")


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-2] + ("A" if t[-2] != "A" else "B") + t[-1],
        lambda t: "v2." + t[3:],
        lambda t: t[:10],
        lambda t: "v1.%%%",
    ],
)
def test_tampered_tokens_fail(vault: DataVault, mangle: Callable[[str], str]) -> None:
    token = vault.encrypt("13812345678", context="client:42:phone")
    with pytest.raises(DecryptionError):
        vault.decrypt(mangle(token), context="client:42:phone")


def test_another_key_cannot_decrypt(vault: DataVault) -> None:
    other = DataVault.from_key_string(DataVault.generate_key_string())
    with pytest.raises(DecryptionError):
        other.decrypt(vault.encrypt("x", context="c"), context="c")


def test_bad_key_strings_are_refused() -> None:
    with pytest.raises(ValueError):
        DataVault.from_key_string("too-short")


def test_blind_index_matches_normalised_values_and_separates_kinds(vault: DataVault) -> None:
    index = vault.blind_index("11010519491231002X", kind="id_number")
    assert vault.blind_index(" 11010519491231002x", kind="id_number") == index
    assert vault.blind_index("138-1234-5678", kind="phone") == vault.blind_index(
        "13812345678", kind="phone"
    )
    assert vault.blind_index("11010519491231002X", kind="other") != index
    assert len(index) == 64 and "11010519491231002X" not in index


def test_blind_index_depends_on_the_key(vault: DataVault) -> None:
    other = DataVault.from_key_string(DataVault.generate_key_string())
    assert vault.blind_index("13812345678", kind="phone") != other.blind_index(
        "13812345678", kind="phone"
    )


def test_vault_repr_hides_keys(vault: DataVault) -> None:
    assert repr(vault) == "<DataVault v1>"


# --- masking and leak scanning ----------------------------------------------------------------


def test_id_number_masked_by_viewer() -> None:
    assert mask_id_number("11010519491231002X", viewer="resident") == "1" + "*" * 16 + "X"
    assert mask_id_number("11010519491231002X", viewer="staff") == "110105********002X"
    with pytest.raises(ValueError):
        mask_id_number("11010519491231002X", viewer="public")  # type: ignore[arg-type]


def test_phone_and_name_masks() -> None:
    assert mask_phone("13812341234") == "138****1234"
    assert mask_phone("0371-62345678") == "0371-**5678"
    assert mask_phone("010-12345678") == "010-**5678"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_name("张三") == "张*"
    assert mask_name("") == ""


def test_a_public_notice_shows_the_first_and_last_character_of_a_name() -> None:
    assert mask_name_for_public("张三明") == "张*明"
    assert mask_name_for_public("欧阳娜娜") == "欧**娜"
    assert mask_name_for_public("李四") == "李*"
    assert mask_name_for_public("王") == "王*"  # never the whole name, however short


def test_masked_values_are_not_reported_as_leaks() -> None:
    text = (
        f'{{"id": "{mask_id_number("11010519491231002X", viewer="staff")}", '
        f'"phone": "{mask_phone("13812345678")}"}}'
    )
    assert find_unmasked(text) == []


def test_find_unmasked_reports_full_ids_and_phones() -> None:
    text = 'resident id=11010519491231002X phone:"138-1234-5678" alt +8613912345678'
    assert find_unmasked(text) == ["11010519491231002X", "138-1234-5678", "+8613912345678"]


def test_find_unmasked_ignores_longer_digit_runs_and_invalid_ids() -> None:
    text = "order 2138123456789 ts 1764071370123 bad 110105194912310028 id 4405241880010100141"
    assert find_unmasked(text) == []
