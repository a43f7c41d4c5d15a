"""KMS cryptographic operations: Encrypt, Decrypt, ReEncrypt,
GenerateDataKey(WithoutPlaintext) and GenerateRandom — ciphertext semantics
(the blob names its key, Decrypt needs no KeyId), the encryption context,
tampering, size limits.

Sources: LocalStack's AWS-validated KMS snapshots ([AWS]), the KMS API
reference and botocore's model ([doc])."""

import base64
import os

import pytest

import smharness as h

CIPHERTEXT_MAX = 6144  # [doc] CiphertextType max
# Members the 2025 API added for imported key material; optional here.
KEY_MATERIAL_MEMBERS = {"KeyMaterialId", "SourceKeyMaterialId", "DestinationKeyMaterialId"}


def assert_members(resp, expected):
    got = h.members(resp)
    assert expected <= got <= expected | KEY_MATERIAL_MEMBERS, sorted(got)


def assert_invalid_ciphertext(call, *, recorded_shape=True):
    """InvalidCiphertextException. [AWS] for a context mismatch the answer has
    no message at all (recorded: Decrypt without the encryption context used
    to encrypt, for Encrypt and GenerateDataKey ciphertexts); for other
    causes only the code is asserted."""
    resp = h.expect_error(call, "InvalidCiphertextException")
    if recorded_shape:
        assert resp["Error"].get("Message", "") == "", resp
    return resp


# ------------------------------------------------------------ Encrypt/Decrypt


def test_encrypt_then_decrypt_without_key_id(kms, key):
    plaintext = b"attack at dawn \x00\xff"
    enc = kms.encrypt(KeyId=key["KeyId"], Plaintext=plaintext)
    h.assert_request_id(enc)
    assert_members(enc, {"CiphertextBlob", "KeyId", "EncryptionAlgorithm"})
    assert enc["KeyId"] == key["Arn"]  # [doc] key ARN, whatever identifier was given
    assert enc["EncryptionAlgorithm"] == "SYMMETRIC_DEFAULT"
    blob = enc["CiphertextBlob"]
    assert isinstance(blob, bytes) and 0 < len(blob) <= CIPHERTEXT_MAX
    assert plaintext not in blob
    # [doc] symmetric ciphertext carries its key: Decrypt needs no KeyId.
    dec = kms.decrypt(CiphertextBlob=blob)
    assert_members(dec, {"Plaintext", "KeyId", "EncryptionAlgorithm"})
    assert dec["Plaintext"] == plaintext
    assert dec["KeyId"] == key["Arn"]
    assert dec["EncryptionAlgorithm"] == "SYMMETRIC_DEFAULT"


def test_encrypt_with_every_key_identifier(kms, key, alias_name):
    kms.create_alias(AliasName=alias_name, TargetKeyId=key["KeyId"])
    arn_of_alias = h.alias_arn(h.DEFAULT_REGION, key["AWSAccountId"], alias_name)
    for identifier in (key["KeyId"], key["Arn"], alias_name, arn_of_alias):
        enc = kms.encrypt(KeyId=identifier, Plaintext=identifier.encode())
        assert enc["KeyId"] == key["Arn"], identifier
        assert kms.decrypt(CiphertextBlob=enc["CiphertextBlob"])["Plaintext"] == identifier.encode()


def test_decrypt_with_the_right_key_id_in_any_form(kms, key, alias_name):
    kms.create_alias(AliasName=alias_name, TargetKeyId=key["KeyId"])
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"p")["CiphertextBlob"]
    for identifier in (key["KeyId"], key["Arn"], alias_name,
                       h.alias_arn(h.DEFAULT_REGION, key["AWSAccountId"], alias_name)):
        assert kms.decrypt(CiphertextBlob=blob, KeyId=identifier,
                           EncryptionAlgorithm="SYMMETRIC_DEFAULT")["Plaintext"] == b"p"


def test_decrypt_with_another_key_id_is_incorrect_key(kms, key):
    other = kms.create_key()["KeyMetadata"]
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"p")["CiphertextBlob"]
    # [AWS] IncorrectKeyException with this message.
    h.expect_error(lambda: kms.decrypt(CiphertextBlob=blob, KeyId=other["KeyId"]),
                   "IncorrectKeyException", h.MSG_INCORRECT_KEY)
    h.expect_error(lambda: kms.decrypt(CiphertextBlob=blob, KeyId=other["Arn"]),
                   "IncorrectKeyException", h.MSG_INCORRECT_KEY)


def test_same_plaintext_encrypts_differently_each_time(kms, key):
    blobs = {kms.encrypt(KeyId=key["KeyId"], Plaintext=b"same")["CiphertextBlob"]
             for _ in range(3)}
    assert len(blobs) == 3


def test_ciphertexts_of_different_keys_do_not_cross(kms, key):
    other = kms.create_key()["KeyMetadata"]
    a = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"a")["CiphertextBlob"]
    b = kms.encrypt(KeyId=other["KeyId"], Plaintext=b"b")["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=a)["KeyId"] == key["Arn"]
    assert kms.decrypt(CiphertextBlob=b)["KeyId"] == other["Arn"]


@pytest.mark.parametrize("size", [1, 4096])
def test_plaintext_size_bounds_accepted(kms, key, size):
    plaintext = os.urandom(size)
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=plaintext)["CiphertextBlob"]
    assert len(blob) <= CIPHERTEXT_MAX
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == plaintext


def test_plaintext_too_long(kms_raw_params, key):
    # [AWS] the plaintext is sensitive: the violation omits its value.
    h.expect_error(lambda: kms_raw_params.encrypt(KeyId=key["KeyId"], Plaintext=b"x" * 4097),
                   "ValidationException",
                   h.validation_message(h.violation("plaintext", h.max_len(4096))))


def test_plaintext_empty(kms_raw_params, key):
    h.expect_error(lambda: kms_raw_params.encrypt(KeyId=key["KeyId"], Plaintext=b""),
                   "ValidationException",
                   h.validation_message(h.violation("plaintext", h.min_len(1))))


def test_plaintext_is_base64_on_the_wire(raw, key):
    plaintext = bytes(range(256))
    resp = raw.kms("Encrypt", {"KeyId": key["KeyId"], "Plaintext": h.b64(plaintext)})
    assert resp.status == 200, resp
    blob_b64 = resp.json["CiphertextBlob"]
    assert isinstance(blob_b64, str)
    dec = raw.kms("Decrypt", {"CiphertextBlob": blob_b64})
    assert dec.status == 200, dec
    assert base64.b64decode(dec.json["Plaintext"]) == plaintext


# ---------------------------------------------------------- encryption context

CONTEXT = {"SecretARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:x-AbCdEf",
           "SecretVersionId": "v1"}


def test_decrypt_needs_the_exact_encryption_context(kms, key):
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"bound",
                       EncryptionContext=CONTEXT)["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=blob, EncryptionContext=CONTEXT)["Plaintext"] == b"bound"
    # Order of the pairs does not matter.
    reordered = dict(reversed(list(CONTEXT.items())))
    assert kms.decrypt(CiphertextBlob=blob, EncryptionContext=reordered)["Plaintext"] == b"bound"
    wrong = [
        None,                                              # [AWS] missing
        {},                                                # empty
        {"SecretARN": CONTEXT["SecretARN"]},               # subset
        dict(CONTEXT, Extra="x"),                          # superset
        dict(CONTEXT, SecretVersionId="v2"),               # other value
        {"secretarn": CONTEXT["SecretARN"], "SecretVersionId": "v1"},  # key case
        dict(CONTEXT, SecretVersionId="V1"),               # value case
    ]
    for ctx in wrong:
        kwargs = {} if ctx is None else {"EncryptionContext": ctx}
        assert_invalid_ciphertext(lambda: kms.decrypt(CiphertextBlob=blob, **kwargs))


def test_context_given_only_on_decrypt_is_refused(kms, key):
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"free")["CiphertextBlob"]
    assert_invalid_ciphertext(lambda: kms.decrypt(CiphertextBlob=blob, EncryptionContext=CONTEXT))
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"free"


def test_generate_data_key_context_binds_too(kms, key):
    # [AWS] recorded for GenerateDataKey and ...WithoutPlaintext.
    dk = kms.generate_data_key(KeyId=key["KeyId"], KeySpec="AES_256", EncryptionContext=CONTEXT)
    assert_invalid_ciphertext(lambda: kms.decrypt(CiphertextBlob=dk["CiphertextBlob"]))
    assert kms.decrypt(CiphertextBlob=dk["CiphertextBlob"],
                       EncryptionContext=CONTEXT)["Plaintext"] == dk["Plaintext"]
    wp = kms.generate_data_key_without_plaintext(KeyId=key["KeyId"], NumberOfBytes=16,
                                                 EncryptionContext=CONTEXT)
    assert_invalid_ciphertext(lambda: kms.decrypt(CiphertextBlob=wp["CiphertextBlob"]))


# ------------------------------------------------------------------ tampering


def test_every_flipped_byte_is_refused_never_wrong_plaintext(kms, key):
    plaintext = b"integrity matters"
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=plaintext,
                       EncryptionContext={"k": "v"})["CiphertextBlob"]
    # The format is Tresor's; whichever field a flip lands in (version, key
    # id, nonce, ciphertext, tag), the answer is a client error, never a
    # plaintext. A flip inside the embedded key id may name another (absent)
    # key, hence the small set of codes.
    allowed = {"InvalidCiphertextException", "NotFoundException", "IncorrectKeyException"}
    codes = {}
    for i in range(len(blob)):
        tampered = h.flip_byte(blob, i)
        with pytest.raises(h.ClientError) as info:
            kms.decrypt(CiphertextBlob=tampered, EncryptionContext={"k": "v"})
        err = info.value.response
        assert err["ResponseMetadata"]["HTTPStatusCode"] == 400, (i, err)
        codes.setdefault(err["Error"]["Code"], []).append(i)
        assert err["Error"]["Code"] in allowed, (i, err)
    assert "InvalidCiphertextException" in codes, codes
    assert kms.decrypt(CiphertextBlob=blob, EncryptionContext={"k": "v"})["Plaintext"] == plaintext


@pytest.mark.parametrize("mangle", ["truncated", "half", "appended", "random", "one-byte"])
def test_malformed_ciphertext_is_invalid(kms, key, mangle):
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"p" * 40)["CiphertextBlob"]
    bad = {
        "truncated": blob[:-1],
        "half": blob[: len(blob) // 2],
        "appended": blob + b"bad_data",
        "random": os.urandom(len(blob)),
        "one-byte": b"\x01",
    }[mangle]
    assert_invalid_ciphertext(lambda: kms.decrypt(CiphertextBlob=bad), recorded_shape=False)


def test_empty_ciphertext_is_a_validation_error(kms_raw_params):
    h.expect_error(lambda: kms_raw_params.decrypt(CiphertextBlob=b""), "ValidationException",
                   h.validation_message(h.violation("ciphertextBlob", h.min_len(1))))


# ------------------------------------------------------------------ ReEncrypt


def test_re_encrypt_moves_a_ciphertext_to_another_key_and_context(kms, key):
    dest = kms.create_key()["KeyMetadata"]
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"moving",
                       EncryptionContext={"from": "a"})["CiphertextBlob"]
    resp = kms.re_encrypt(CiphertextBlob=blob, SourceEncryptionContext={"from": "a"},
                          DestinationKeyId=dest["KeyId"],
                          DestinationEncryptionContext={"to": "b"})
    assert_members(resp, {"CiphertextBlob", "SourceKeyId", "KeyId",
                          "SourceEncryptionAlgorithm", "DestinationEncryptionAlgorithm"})
    assert resp["SourceKeyId"] == key["Arn"]
    assert resp["KeyId"] == dest["Arn"]
    assert resp["SourceEncryptionAlgorithm"] == "SYMMETRIC_DEFAULT"
    assert resp["DestinationEncryptionAlgorithm"] == "SYMMETRIC_DEFAULT"
    moved = resp["CiphertextBlob"]
    dec = kms.decrypt(CiphertextBlob=moved, EncryptionContext={"to": "b"})
    assert dec["Plaintext"] == b"moving" and dec["KeyId"] == dest["Arn"]
    assert_invalid_ciphertext(lambda: kms.decrypt(CiphertextBlob=moved,
                                                  EncryptionContext={"from": "a"}))
    # The source ciphertext is unchanged and still valid.
    assert kms.decrypt(CiphertextBlob=blob, EncryptionContext={"from": "a"})["Plaintext"] == b"moving"


def test_re_encrypt_to_the_same_key(kms, key):
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"same key")["CiphertextBlob"]
    resp = kms.re_encrypt(CiphertextBlob=blob, DestinationKeyId=key["Arn"])
    assert resp["KeyId"] == key["Arn"] and resp["SourceKeyId"] == key["Arn"]
    assert resp["CiphertextBlob"] != blob
    assert kms.decrypt(CiphertextBlob=resp["CiphertextBlob"])["Plaintext"] == b"same key"


def test_re_encrypt_errors(kms, key):
    dest = kms.create_key()["KeyMetadata"]
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"p",
                       EncryptionContext={"c": "1"})["CiphertextBlob"]
    # Wrong source context.
    assert_invalid_ciphertext(lambda: kms.re_encrypt(CiphertextBlob=blob,
                                                     DestinationKeyId=dest["KeyId"]))
    # [doc] a SourceKeyId that did not encrypt the blob.
    h.expect_error(lambda: kms.re_encrypt(CiphertextBlob=blob, SourceEncryptionContext={"c": "1"},
                                          SourceKeyId=dest["KeyId"],
                                          DestinationKeyId=dest["KeyId"]),
                   "IncorrectKeyException")
    # Unknown destination.
    h.expect_error(lambda: kms.re_encrypt(CiphertextBlob=blob, SourceEncryptionContext={"c": "1"},
                                          DestinationKeyId=h.unique_alias("nowhere")),
                   "NotFoundException")
    assert_invalid_ciphertext(lambda: kms.re_encrypt(CiphertextBlob=h.flip_byte(blob, len(blob) - 1),
                                                     SourceEncryptionContext={"c": "1"},
                                                     DestinationKeyId=dest["KeyId"]),
                              recorded_shape=False)


# ------------------------------------------------------------ GenerateDataKey


@pytest.mark.parametrize("kwargs,length", [
    ({"KeySpec": "AES_256"}, 32),
    ({"KeySpec": "AES_128"}, 16),
    ({"NumberOfBytes": 1}, 1),
    ({"NumberOfBytes": 64}, 64),
    ({"NumberOfBytes": 1024}, 1024),
])
def test_generate_data_key(kms, key, kwargs, length):
    resp = kms.generate_data_key(KeyId=key["KeyId"], **kwargs)
    assert_members(resp, {"CiphertextBlob", "Plaintext", "KeyId"})  # [AWS]
    assert resp["KeyId"] == key["Arn"]
    assert len(resp["Plaintext"]) == length
    if length >= 16:  # a 1-byte key is found by chance in most blobs
        assert resp["Plaintext"] not in resp["CiphertextBlob"]
    dec = kms.decrypt(CiphertextBlob=resp["CiphertextBlob"])
    assert dec["Plaintext"] == resp["Plaintext"] and dec["KeyId"] == key["Arn"]


def test_generate_data_key_is_fresh_each_time(kms, key):
    keys = {kms.generate_data_key(KeyId=key["KeyId"], KeySpec="AES_256")["Plaintext"]
            for _ in range(4)}
    assert len(keys) == 4


def test_generate_data_key_without_plaintext_then_decrypt(kms, key, alias_name):
    kms.create_alias(AliasName=alias_name, TargetKeyId=key["KeyId"])
    resp = kms.generate_data_key_without_plaintext(KeyId=alias_name, KeySpec="AES_256")
    assert_members(resp, {"CiphertextBlob", "KeyId"})  # [AWS] no Plaintext
    assert resp["KeyId"] == key["Arn"]
    dec = kms.decrypt(CiphertextBlob=resp["CiphertextBlob"])
    assert len(dec["Plaintext"]) == 32 and dec["KeyId"] == key["Arn"]


@pytest.mark.parametrize("op", ["generate_data_key", "generate_data_key_without_plaintext"])
def test_generate_data_key_needs_exactly_one_of_key_spec_and_number_of_bytes(kms, key, op):
    # [doc] "You must specify either the KeySpec or the NumberOfBytes parameter
    # (but not both)"; [inferred] ValidationException.
    call = getattr(kms, op)
    h.expect_error(lambda: call(KeyId=key["KeyId"]), "ValidationException")
    h.expect_error(lambda: call(KeyId=key["KeyId"], KeySpec="AES_256", NumberOfBytes=32),
                   "ValidationException")


def test_generate_data_key_bounds(kms_raw_params, key):
    h.expect_error(lambda: kms_raw_params.generate_data_key(KeyId=key["KeyId"], NumberOfBytes=0),
                   "ValidationException",
                   h.validation_message(h.violation("numberOfBytes", h.min_value(1), 0)))
    h.expect_error(lambda: kms_raw_params.generate_data_key(KeyId=key["KeyId"],
                                                            NumberOfBytes=1025),
                   "ValidationException",
                   h.validation_message(h.violation("numberOfBytes", h.max_value(1024), 1025)))
    resp = h.expect_error(lambda: kms_raw_params.generate_data_key(KeyId=key["KeyId"],
                                                                   KeySpec="AES_512"),
                          "ValidationException",
                          prefix="1 validation error detected: Value 'AES_512' at 'keySpec' "
                                 "failed to satisfy constraint: " + h.ENUM_PREFIX)
    assert h.parse_enum_set(resp["Error"]["Message"]) == {"AES_256", "AES_128"}


# ------------------------------------------------------------- GenerateRandom


@pytest.mark.parametrize("n", [1, 12, 1024])
def test_generate_random(kms, n):
    resp = kms.generate_random(NumberOfBytes=n)
    assert h.members(resp) == {"Plaintext"}
    assert isinstance(resp["Plaintext"], bytes) and len(resp["Plaintext"]) == n


def test_generate_random_is_random(kms):
    values = {kms.generate_random(NumberOfBytes=32)["Plaintext"] for _ in range(5)}
    assert len(values) == 5
    # Not constant bytes either.
    assert all(len(set(v)) > 4 for v in values)


def test_generate_random_bounds(kms_raw_params):
    # [AWS] all three messages.
    h.expect_error(lambda: kms_raw_params.generate_random(), "ValidationException",
                   h.MSG_NUMBER_OF_BYTES_REQUIRED)
    h.expect_error(lambda: kms_raw_params.generate_random(NumberOfBytes=0), "ValidationException",
                   h.validation_message(h.violation("numberOfBytes", h.min_value(1), 0)))
    h.expect_error(lambda: kms_raw_params.generate_random(NumberOfBytes=1025),
                   "ValidationException",
                   h.validation_message(h.violation("numberOfBytes", h.max_value(1024), 1025)))
