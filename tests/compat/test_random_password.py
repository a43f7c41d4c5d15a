"""GetRandomPassword (reference section 4).

Class membership is checked on long passwords (4096 characters), where a
missing character or class would be astronomically unlikely by chance."""

import string

import pytest

import smharness as h

UPPER = set(string.ascii_uppercase)
LOWER = set(string.ascii_lowercase)
DIGITS = set(string.digits)
PUNCT = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
assert PUNCT == set(string.punctuation) and len(PUNCT) == 32
DEFAULT_ALPHABET = UPPER | LOWER | DIGITS | PUNCT


def password(sm, **kwargs):
    resp = sm.get_random_password(**kwargs)
    assert h.members(resp) == {"RandomPassword"}
    return resp["RandomPassword"]


def test_default_is_32_characters_of_all_four_classes_without_space(sm):
    for _ in range(10):
        pw = password(sm)
        assert len(pw) == 32
        assert set(pw) <= DEFAULT_ALPHABET
        assert " " not in pw
        for cls in (UPPER, LOWER, DIGITS, PUNCT):
            assert set(pw) & cls, f"{pw!r} misses a class"


def test_require_each_included_type_is_on_by_default(sm):
    # Four characters, four classes: every password must use each exactly once.
    for _ in range(20):
        pw = password(sm, PasswordLength=4)
        assert [bool(set(pw) & c) for c in (UPPER, LOWER, DIGITS, PUNCT)] == [True] * 4, pw


def test_alphabet_is_exactly_the_94_printable_non_space_characters(sm):
    pw = password(sm, PasswordLength=4096)
    assert len(pw) == 4096
    assert set(pw) == DEFAULT_ALPHABET


def test_punctuation_is_exactly_the_32_ascii_punctuation_characters(sm):
    pw = password(sm, PasswordLength=4096, ExcludeUppercase=True, ExcludeLowercase=True,
                  ExcludeNumbers=True)
    assert set(pw) == PUNCT


@pytest.mark.parametrize("flag,cls", [("ExcludeUppercase", UPPER), ("ExcludeLowercase", LOWER),
                                      ("ExcludeNumbers", DIGITS), ("ExcludePunctuation", PUNCT)])
def test_exclude_a_class(sm, flag, cls):
    pw = password(sm, PasswordLength=4096, **{flag: True})
    assert not set(pw) & cls
    assert set(pw) == DEFAULT_ALPHABET - cls


def test_exclude_characters_including_quotes_and_backslash(sm):
    excluded = "\"'\\`/@ xyzDje?!."
    pw = password(sm, PasswordLength=4096, ExcludeCharacters=excluded)
    assert not set(pw) & set(excluded)
    assert set(pw) == DEFAULT_ALPHABET - set(excluded)


def test_include_space(sm):
    pw = password(sm, PasswordLength=4096, IncludeSpace=True)
    assert " " in pw
    assert set(pw) == DEFAULT_ALPHABET | {" "}


def test_space_is_not_a_required_class(sm):
    # With space included, four characters still satisfy the four classes;
    # a space-requiring generator would have to fail or drop a class.
    for _ in range(10):
        pw = password(sm, PasswordLength=4, IncludeSpace=True)
        assert len(pw) == 4
        assert [bool(set(pw) & c) for c in (UPPER, LOWER, DIGITS, PUNCT)] == [True] * 4, pw


def test_only_digits(sm):
    pw = password(sm, PasswordLength=64, ExcludeUppercase=True, ExcludeLowercase=True,
                  ExcludePunctuation=True)
    assert len(pw) == 64 and set(pw) <= DIGITS


def test_require_each_included_type_false_allows_short_passwords(sm):
    pw = password(sm, PasswordLength=1, RequireEachIncludedType=False)
    assert len(pw) == 1 and pw in DEFAULT_ALPHABET


def test_custom_length(sm):
    assert len(password(sm, PasswordLength=50)) == 50
    assert len(password(sm, PasswordLength=4096)) == 4096


def test_passwords_differ(sm):
    seen = {password(sm) for _ in range(20)}
    assert len(seen) == 20


def test_length_shorter_than_required_classes_is_invalid(sm):
    # [inferred] "Password length is too short based on the required types."
    h.expect_error(lambda: sm.get_random_password(PasswordLength=3), "InvalidParameterException")
    h.expect_error(lambda: sm.get_random_password(PasswordLength=2, ExcludeNumbers=True),
                   "InvalidParameterException")
    assert len(password(sm, PasswordLength=3, ExcludeNumbers=True)) == 3


def test_excluding_every_class_is_invalid(sm):
    h.expect_error(lambda: sm.get_random_password(ExcludeUppercase=True, ExcludeLowercase=True,
                                                  ExcludeNumbers=True, ExcludePunctuation=True),
                   "InvalidParameterException")


def test_excluding_every_remaining_character_is_invalid(sm):
    h.expect_error(lambda: sm.get_random_password(ExcludeCharacters=string.digits,
                                                  ExcludePunctuation=True, ExcludeUppercase=True,
                                                  ExcludeLowercase=True),
                   "InvalidParameterException")


def test_length_over_4096_is_a_validation_error(sm):
    h.expect_error(lambda: sm.get_random_password(PasswordLength=5000), "ValidationException",
                   h.validation_message(h.violation("passwordLength", h.max_value(4096), 5000)))


def test_length_zero_is_a_validation_error(sm_raw_params):
    h.expect_error(lambda: sm_raw_params.get_random_password(PasswordLength=0), "ValidationException",
                   h.validation_message(h.violation("passwordLength", h.min_value(1), 0)))


def test_exclude_characters_over_4096_is_a_validation_error(sm):
    chars = "a" * 4097
    h.expect_error(lambda: sm.get_random_password(ExcludeCharacters=chars), "ValidationException",
                   h.validation_message(h.violation("excludeCharacters", h.max_len(4096), chars)))


def test_raw_response_has_only_the_password(raw):
    resp = raw.call("GetRandomPassword", {"PasswordLength": 16})
    assert resp.status == 200, resp
    assert list(resp.json) == ["RandomPassword"]
    assert resp.request_id
