"""KMS keys through boto3's `kms` client on the Secrets Manager endpoint:
CreateKey, DescribeKey (every identifier form), ListKeys paging,
EnableKey/DisableKey, ScheduleKeyDeletion/CancelKeyDeletion,
UpdateKeyDescription, the key-state rules, the AWS managed key of Secrets
Manager, key types and operations Tresor does not serve, and the KMS error
framing on the wire.

Sources: LocalStack's AWS-validated KMS snapshots ([AWS]), the KMS API
reference and botocore's model ([doc]); see tests/compat/README.md."""

import datetime as dt
import json
import uuid

import pytest

import smharness as h

# [AWS] DescribeKey of a fresh symmetric key (LocalStack test_create_key
# snapshot, validated against AWS). CurrentKeyMaterialId is a 2025 addition
# for symmetric keys and may be present.
SYMMETRIC_METADATA = {
    "AWSAccountId", "KeyId", "Arn", "CreationDate", "Enabled", "Description",
    "KeyUsage", "KeyState", "Origin", "KeyManager", "CustomerMasterKeySpec",
    "KeySpec", "EncryptionAlgorithms", "MultiRegion",
}
OPTIONAL_METADATA = {"CurrentKeyMaterialId"}


def assert_symmetric_metadata(md, *, region=h.DEFAULT_REGION, description="",
                              state="Enabled", manager="CUSTOMER"):
    assert SYMMETRIC_METADATA <= set(md) <= SYMMETRIC_METADATA | OPTIONAL_METADATA | {
        "DeletionDate"}, sorted(md)
    assert h.KEY_ID_RE.match(md["KeyId"]), md["KeyId"]
    m = h.KEY_ARN_RE.match(md["Arn"])
    assert m, md["Arn"]
    assert m["region"] == region
    assert m["account"] == md["AWSAccountId"]
    assert m["key_id"] == md["KeyId"]
    assert md["Description"] == description
    assert md["KeyState"] == state
    assert md["Enabled"] is (state == "Enabled")
    assert md["KeyUsage"] == "ENCRYPT_DECRYPT"
    assert md["Origin"] == "AWS_KMS"
    assert md["KeyManager"] == manager
    assert md["KeySpec"] == "SYMMETRIC_DEFAULT"
    assert md["CustomerMasterKeySpec"] == "SYMMETRIC_DEFAULT"
    assert md["EncryptionAlgorithms"] == ["SYMMETRIC_DEFAULT"]
    assert md["MultiRegion"] is False
    assert ("DeletionDate" in md) is (state == "PendingDeletion")


def key_count(kms) -> int:
    return len(h.list_all(kms.list_keys, "Keys"))


# ------------------------------------------------------------------- CreateKey


def test_create_key_without_parameters_is_a_symmetric_customer_key(kms):
    before = h.utcnow()
    resp = kms.create_key()
    h.assert_request_id(resp)
    assert h.members(resp) == {"KeyMetadata"}
    md = resp["KeyMetadata"]
    assert_symmetric_metadata(md)
    assert before - dt.timedelta(minutes=5) <= md["CreationDate"] <= h.utcnow() + dt.timedelta(minutes=5)
    described = kms.describe_key(KeyId=md["KeyId"])
    assert h.members(described) == {"KeyMetadata"}
    assert described["KeyMetadata"] == md


def test_create_key_with_explicit_symmetric_parameters(kms):
    md = kms.create_key(Description="explicit", KeySpec="SYMMETRIC_DEFAULT",
                        KeyUsage="ENCRYPT_DECRYPT", Origin="AWS_KMS",
                        MultiRegion=False)["KeyMetadata"]
    assert_symmetric_metadata(md, description="explicit")
    # The deprecated spelling of KeySpec works the same way [doc].
    md = kms.create_key(CustomerMasterKeySpec="SYMMETRIC_DEFAULT")["KeyMetadata"]
    assert_symmetric_metadata(md)


def test_key_ids_are_unique(kms):
    ids = {kms.create_key()["KeyMetadata"]["KeyId"] for _ in range(3)}
    assert len(ids) == 3


def test_keys_are_regional(kms_for):
    eu = kms_for("eu-west-1")
    md = eu.create_key(Description="eu")["KeyMetadata"]
    assert h.KEY_ARN_RE.match(md["Arn"])["region"] == "eu-west-1"
    us = kms_for(h.DEFAULT_REGION)
    # [AWS] by key id: NotFound naming the ARN in the caller's region.
    h.expect_error(lambda: us.describe_key(KeyId=md["KeyId"]), "NotFoundException",
                   h.msg_key_not_found(h.key_arn(h.DEFAULT_REGION, md["AWSAccountId"], md["KeyId"])))
    # [AWS] by the ARN of another region: "Invalid arn <region>".
    h.expect_error(lambda: us.describe_key(KeyId=md["Arn"]), "NotFoundException",
                   "Invalid arn eu-west-1")
    assert eu.describe_key(KeyId=md["Arn"])["KeyMetadata"]["KeyId"] == md["KeyId"]


@pytest.mark.parametrize("spec,usage", [
    ("RSA_2048", "ENCRYPT_DECRYPT"),
    ("RSA_4096", "SIGN_VERIFY"),
    ("ECC_NIST_P256", "SIGN_VERIFY"),
    ("ECC_NIST_P256", "KEY_AGREEMENT"),
    ("HMAC_256", "GENERATE_VERIFY_MAC"),
])
def test_create_key_of_a_type_tresor_does_not_serve(kms, spec, usage):
    # AWS accepts these; Tresor serves only symmetric encryption keys, so it
    # answers UnsupportedOperationException (a modelled CreateKey error: "a
    # specified parameter is not supported") and creates nothing.
    before = key_count(kms)
    h.expect_error(lambda: kms.create_key(KeySpec=spec, KeyUsage=usage),
                   "UnsupportedOperationException")
    assert key_count(kms) == before


@pytest.mark.parametrize("kwargs", [
    {"Origin": "EXTERNAL"},
    {"Origin": "AWS_CLOUDHSM"},
    {"MultiRegion": True},
], ids=["imported-material", "cloudhsm", "multi-region"])
def test_create_key_with_a_feature_tresor_does_not_serve(kms, kwargs):
    before = key_count(kms)
    h.expect_error(lambda: kms.create_key(**kwargs), "UnsupportedOperationException")
    assert key_count(kms) == before


def test_create_key_parameter_combinations_aws_itself_rejects(kms):
    # [AWS] an HMAC spec without KeyUsage.
    h.expect_error(lambda: kms.create_key(KeySpec="HMAC_256"), "ValidationException",
                   "You must specify a KeyUsage value for all KMS keys except for symmetric "
                   "encryption keys.")
    # [inferred] a symmetric encryption spec with another usage: rejected as
    # invalid input (ValidationException), not as unsupported.
    h.expect_error(lambda: kms.create_key(KeySpec="SYMMETRIC_DEFAULT", KeyUsage="SIGN_VERIFY"),
                   "ValidationException")


def test_create_key_enum_violations_are_coral_messages(kms_raw_params):
    # [AWS] "1 validation error detected: Value 'HMAC_random' at 'keySpec' failed
    # to satisfy constraint: Member must satisfy enum value set: [...]"
    resp = h.expect_error(lambda: kms_raw_params.create_key(KeySpec="HMAC_random"),
                          "ValidationException",
                          prefix="1 validation error detected: Value 'HMAC_random' at 'keySpec' "
                                 "failed to satisfy constraint: " + h.ENUM_PREFIX)
    assert {"SYMMETRIC_DEFAULT", "RSA_2048", "HMAC_256"} <= h.parse_enum_set(resp["Error"]["Message"])
    resp = h.expect_error(lambda: kms_raw_params.create_key(KeyUsage="RANDOM"),
                          "ValidationException",
                          prefix="1 validation error detected: Value 'RANDOM' at 'keyUsage' "
                                 "failed to satisfy constraint: " + h.ENUM_PREFIX)
    assert {"ENCRYPT_DECRYPT", "SIGN_VERIFY", "GENERATE_VERIFY_MAC"} <= h.parse_enum_set(
        resp["Error"]["Message"])


def test_create_key_description_too_long(kms_raw_params):
    long = "d" * 8193
    h.expect_error(lambda: kms_raw_params.create_key(Description=long), "ValidationException",
                   h.validation_message(h.violation("description", h.max_len(8192), long)))


# ----------------------------------------------------------------- DescribeKey


def test_describe_key_by_key_id_key_arn_alias_name_and_alias_arn(kms, key, alias_name):
    kms.create_alias(AliasName=alias_name, TargetKeyId=key["KeyId"])
    arn_of_alias = h.alias_arn(h.DEFAULT_REGION, key["AWSAccountId"], alias_name)
    for identifier in (key["KeyId"], key["Arn"], alias_name, arn_of_alias):
        md = kms.describe_key(KeyId=identifier)["KeyMetadata"]
        assert md == key, identifier


def test_describe_unknown_keys(kms, key):
    account = key["AWSAccountId"]
    missing = str(uuid.uuid4())
    missing_arn = h.key_arn(h.DEFAULT_REGION, account, missing)
    # [AWS] a well-formed key id and key ARN that do not exist.
    h.expect_error(lambda: kms.describe_key(KeyId=missing), "NotFoundException",
                   h.msg_key_not_found(missing_arn))
    h.expect_error(lambda: kms.describe_key(KeyId=missing_arn), "NotFoundException",
                   h.msg_key_not_found(missing_arn))
    # [AWS] something that is no key id at all.
    h.expect_error(lambda: kms.describe_key(KeyId="fake-key-id"), "NotFoundException",
                   h.msg_invalid_key_id("fake-key-id"))
    h.expect_error(lambda: kms.describe_key(KeyId=missing.replace("-", "")), "NotFoundException",
                   h.msg_invalid_key_id(missing.replace("-", "")))
    # Unknown alias name and alias ARN.
    alias = h.unique_alias("missing")
    h.expect_error(lambda: kms.describe_key(KeyId=alias), "NotFoundException")
    h.expect_error(lambda: kms.describe_key(
        KeyId=h.alias_arn(h.DEFAULT_REGION, account, alias)), "NotFoundException")


# -------------------------------------------------------------------- ListKeys


def test_list_keys_pages_with_limit_and_marker(kms):
    mine = {kms.create_key()["KeyMetadata"]["KeyId"] for _ in range(3)}
    listed = h.list_all(kms.list_keys, "Keys", limit=2)
    ids = [k["KeyId"] for k in listed]
    assert len(ids) == len(set(ids)), "a key listed twice across pages"
    assert mine <= set(ids)
    for entry in listed:
        assert set(entry) == {"KeyId", "KeyArn"}, entry  # [doc] only these two
        assert h.KEY_ARN_RE.match(entry["KeyArn"])["key_id"] == entry["KeyId"]
    # Without a Limit: the same keys (default page 100).
    assert {k["KeyId"] for k in h.list_all(kms.list_keys, "Keys")} == set(ids)


def test_list_keys_first_page_of_one(kms):
    kms.create_key()
    kms.create_key()
    resp = kms.list_keys(Limit=1)
    assert len(resp["Keys"]) == 1
    assert resp["Truncated"] is True
    assert resp["NextMarker"]
    nxt = kms.list_keys(Limit=1, Marker=resp["NextMarker"])
    assert nxt["Keys"][0]["KeyId"] != resp["Keys"][0]["KeyId"]


def test_list_keys_limit_bounds_and_bad_marker(kms, kms_raw_params):
    h.expect_error(lambda: kms_raw_params.list_keys(Limit=0), "ValidationException",
                   h.validation_message(h.violation("limit", h.min_value(1), 0)))
    h.expect_error(lambda: kms_raw_params.list_keys(Limit=1001), "ValidationException",
                   h.validation_message(h.violation("limit", h.max_value(1000), 1001)))
    # [inferred] a marker this server never issued.
    h.expect_error(lambda: kms.list_keys(Marker="not-a-marker-from-this-server"),
                   "InvalidMarkerException")


# ----------------------------------------------------------- Enable / Disable


def test_disabled_key_refuses_cryptography_until_enabled(kms, key):
    kid, arn = key["KeyId"], key["Arn"]
    blob = kms.encrypt(KeyId=kid, Plaintext=b"before")["CiphertextBlob"]
    other = kms.create_key()["KeyMetadata"]
    other_blob = kms.encrypt(KeyId=other["KeyId"], Plaintext=b"x")["CiphertextBlob"]

    assert h.members(kms.disable_key(KeyId=kid)) == set()
    md = kms.describe_key(KeyId=kid)["KeyMetadata"]
    assert_symmetric_metadata(md, description=key["Description"], state="Disabled")

    disabled = h.msg_key_disabled(arn)  # [AWS]
    h.expect_error(lambda: kms.encrypt(KeyId=kid, Plaintext=b"x"), "DisabledException", disabled)
    h.expect_error(lambda: kms.decrypt(CiphertextBlob=blob), "DisabledException", disabled)
    h.expect_error(lambda: kms.generate_data_key(KeyId=kid, KeySpec="AES_256"),
                   "DisabledException", disabled)
    h.expect_error(lambda: kms.generate_data_key_without_plaintext(KeyId=kid, KeySpec="AES_256"),
                   "DisabledException", disabled)
    h.expect_error(lambda: kms.re_encrypt(CiphertextBlob=blob, DestinationKeyId=other["KeyId"]),
                   "DisabledException", disabled)
    h.expect_error(lambda: kms.re_encrypt(CiphertextBlob=other_blob, DestinationKeyId=kid),
                   "DisabledException", disabled)
    # DisableKey on a disabled key is allowed [doc key-state table].
    kms.disable_key(KeyId=kid)

    assert h.members(kms.enable_key(KeyId=kid)) == set()
    assert_symmetric_metadata(kms.describe_key(KeyId=kid)["KeyMetadata"],
                              description=key["Description"])
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"before"
    kms.enable_key(KeyId=kid)  # enabling an enabled key is allowed


def test_enable_and_disable_accept_a_key_arn(kms, key):
    kms.disable_key(KeyId=key["Arn"])
    assert kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] == "Disabled"
    kms.enable_key(KeyId=key["Arn"])
    assert kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] == "Enabled"


# ------------------------------------------------------ Schedule / Cancel deletion


def test_schedule_key_deletion_default_window_is_30_days(kms, key):
    before = h.utcnow()
    resp = kms.schedule_key_deletion(KeyId=key["KeyId"])
    h.assert_request_id(resp)
    assert h.members(resp) == {"KeyId", "DeletionDate", "KeyState", "PendingWindowInDays"}
    assert resp["KeyId"] == key["Arn"]  # [doc] "The Amazon Resource Name (key ARN)"
    assert resp["KeyState"] == "PendingDeletion"
    assert resp["PendingWindowInDays"] == 30
    window = resp["DeletionDate"] - before
    assert dt.timedelta(days=29) < window < dt.timedelta(days=31), window
    md = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
    assert_symmetric_metadata(md, description=key["Description"], state="PendingDeletion")
    assert md["DeletionDate"] == resp["DeletionDate"]


@pytest.mark.parametrize("days", [7, 30])
def test_schedule_key_deletion_window_bounds_are_accepted(kms, key, days):
    resp = kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=days)
    assert resp["PendingWindowInDays"] == days
    window = resp["DeletionDate"] - h.utcnow()
    assert dt.timedelta(days=days - 1) < window < dt.timedelta(days=days + 1), window


@pytest.mark.parametrize("days", [1, 6, 31, 365])
def test_schedule_key_deletion_window_outside_7_to_30(kms, key, days):
    # The model allows 1-365; the 7-30 rule is the service's [AWS].
    h.expect_error(lambda: kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=days),
                   "ValidationException", h.MSG_PENDING_WINDOW)
    assert kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] == "Enabled"


def test_schedule_key_deletion_model_bounds(kms_raw_params, key):
    h.expect_error(lambda: kms_raw_params.schedule_key_deletion(KeyId=key["KeyId"],
                                                                PendingWindowInDays=0),
                   "ValidationException",
                   h.validation_message(h.violation("pendingWindowInDays", h.min_value(1), 0)))


def test_schedule_key_deletion_of_a_disabled_key(kms, key):
    kms.disable_key(KeyId=key["KeyId"])
    assert kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)[
        "KeyState"] == "PendingDeletion"


def test_cancel_key_deletion_leaves_the_key_disabled(kms, key):
    kid = key["KeyId"]
    blob = kms.encrypt(KeyId=kid, Plaintext=b"kept")["CiphertextBlob"]
    kms.schedule_key_deletion(KeyId=kid, PendingWindowInDays=7)
    resp = kms.cancel_key_deletion(KeyId=kid)
    assert h.members(resp) == {"KeyId"}
    assert resp["KeyId"] == key["Arn"]  # [doc]
    md = kms.describe_key(KeyId=kid)["KeyMetadata"]
    # [AWS] after CancelKeyDeletion: Disabled, no DeletionDate.
    assert_symmetric_metadata(md, description=key["Description"], state="Disabled")
    h.expect_error(lambda: kms.decrypt(CiphertextBlob=blob), "DisabledException",
                   h.msg_key_disabled(key["Arn"]))
    kms.enable_key(KeyId=kid)
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"kept"


@pytest.mark.parametrize("disable_first", [False, True], ids=["enabled", "disabled"])
def test_cancel_key_deletion_of_a_key_not_pending_deletion(kms, key, disable_first):
    if disable_first:
        kms.disable_key(KeyId=key["KeyId"])
    h.expect_error(lambda: kms.cancel_key_deletion(KeyId=key["KeyId"]),
                   "KMSInvalidStateException")
    state = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"]
    assert state == ("Disabled" if disable_first else "Enabled")


def _pending(kms, key):
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"p")["CiphertextBlob"]
    kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
    return blob


PENDING_DELETION_REFUSES = {
    # operation -> call(kms, key, blob, other_key_id, alias)
    "Encrypt": lambda k, key, blob, other, a: k.encrypt(KeyId=key["KeyId"], Plaintext=b"x"),
    "Decrypt": lambda k, key, blob, other, a: k.decrypt(CiphertextBlob=blob),
    "GenerateDataKey": lambda k, key, blob, other, a: k.generate_data_key(
        KeyId=key["KeyId"], NumberOfBytes=32),
    "GenerateDataKeyWithoutPlaintext": lambda k, key, blob, other, a:
        k.generate_data_key_without_plaintext(KeyId=key["KeyId"], KeySpec="AES_128"),
    "ReEncrypt": lambda k, key, blob, other, a: k.re_encrypt(CiphertextBlob=blob,
                                                             DestinationKeyId=other),
    "EnableKey": lambda k, key, blob, other, a: k.enable_key(KeyId=key["KeyId"]),
    "DisableKey": lambda k, key, blob, other, a: k.disable_key(KeyId=key["KeyId"]),
    "ScheduleKeyDeletion": lambda k, key, blob, other, a: k.schedule_key_deletion(
        KeyId=key["KeyId"], PendingWindowInDays=7),
    "UpdateKeyDescription": lambda k, key, blob, other, a: k.update_key_description(
        KeyId=key["KeyId"], Description="x"),
    "CreateAlias": lambda k, key, blob, other, a: k.create_alias(AliasName=a,
                                                                 TargetKeyId=key["KeyId"]),
    "TagResource": lambda k, key, blob, other, a: k.tag_resource(
        KeyId=key["KeyId"], Tags=[{"TagKey": "k", "TagValue": "v"}]),
    "UntagResource": lambda k, key, blob, other, a: k.untag_resource(KeyId=key["KeyId"],
                                                                     TagKeys=["k"]),
    "EnableKeyRotation": lambda k, key, blob, other, a: k.enable_key_rotation(KeyId=key["KeyId"]),
    "DisableKeyRotation": lambda k, key, blob, other, a: k.disable_key_rotation(
        KeyId=key["KeyId"]),
    "RotateKeyOnDemand": lambda k, key, blob, other, a: k.rotate_key_on_demand(
        KeyId=key["KeyId"]),
}


@pytest.mark.parametrize("operation", sorted(PENDING_DELETION_REFUSES))
def test_a_key_pending_deletion_refuses(kms, key, alias_name, operation):
    # [doc] key-state table: X (KMSInvalidStateException) for PendingDeletion;
    # [AWS] message "<key ARN> is pending deletion." (recorded for
    # ScheduleKeyDeletion; the state check is common to all of them).
    other = kms.create_key()["KeyMetadata"]["KeyId"]
    blob = _pending(kms, key)
    resp = h.expect_error(lambda: PENDING_DELETION_REFUSES[operation](
        kms, key, blob, other, alias_name), "KMSInvalidStateException")
    if operation in {"Encrypt", "Decrypt", "GenerateDataKey", "ScheduleKeyDeletion"}:
        assert resp["Error"]["Message"] == h.msg_key_pending_deletion(key["Arn"]), resp
    md = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
    assert md["KeyState"] == "PendingDeletion" and md["Description"] == key["Description"]


def test_a_key_pending_deletion_can_still_be_read_about(kms, key):
    _pending(kms, key)
    kid = key["KeyId"]
    assert kms.describe_key(KeyId=kid)["KeyMetadata"]["KeyState"] == "PendingDeletion"
    assert kms.list_resource_tags(KeyId=kid)["Tags"] == []
    assert kms.list_key_policies(KeyId=kid)["PolicyNames"] == ["default"]
    json.loads(kms.get_key_policy(KeyId=kid, PolicyName="default")["Policy"])
    assert kms.get_key_rotation_status(KeyId=kid)["KeyRotationEnabled"] is False
    assert kms.list_aliases(KeyId=kid)["Aliases"] == []
    assert kid in {k["KeyId"] for k in h.list_all(kms.list_keys, "Keys")}


# ---------------------------------------------------------- UpdateKeyDescription


def test_update_key_description(kms, key):
    resp = kms.update_key_description(KeyId=key["KeyId"], Description="new description")
    assert h.members(resp) == set()
    assert kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["Description"] == "new description"
    kms.update_key_description(KeyId=key["Arn"], Description="")
    assert kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["Description"] == ""
    kms.disable_key(KeyId=key["KeyId"])
    kms.update_key_description(KeyId=key["KeyId"], Description="while disabled")
    assert kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["Description"] == "while disabled"


# ------------------------------------------------------- unknown key, everywhere

UNKNOWN_KEY_CALLS = {
    "DescribeKey": lambda k, kid: k.describe_key(KeyId=kid),
    "EnableKey": lambda k, kid: k.enable_key(KeyId=kid),
    "DisableKey": lambda k, kid: k.disable_key(KeyId=kid),
    "ScheduleKeyDeletion": lambda k, kid: k.schedule_key_deletion(KeyId=kid),
    "CancelKeyDeletion": lambda k, kid: k.cancel_key_deletion(KeyId=kid),
    "UpdateKeyDescription": lambda k, kid: k.update_key_description(KeyId=kid, Description="d"),
    "Encrypt": lambda k, kid: k.encrypt(KeyId=kid, Plaintext=b"x"),
    "GenerateDataKey": lambda k, kid: k.generate_data_key(KeyId=kid, KeySpec="AES_256"),
    "GenerateDataKeyWithoutPlaintext": lambda k, kid: k.generate_data_key_without_plaintext(
        KeyId=kid, KeySpec="AES_256"),
    "EnableKeyRotation": lambda k, kid: k.enable_key_rotation(KeyId=kid),
    "DisableKeyRotation": lambda k, kid: k.disable_key_rotation(KeyId=kid),
    "GetKeyRotationStatus": lambda k, kid: k.get_key_rotation_status(KeyId=kid),
    "RotateKeyOnDemand": lambda k, kid: k.rotate_key_on_demand(KeyId=kid),
    "ListKeyRotations": lambda k, kid: k.list_key_rotations(KeyId=kid),
    "TagResource": lambda k, kid: k.tag_resource(KeyId=kid, Tags=[{"TagKey": "a",
                                                                   "TagValue": "b"}]),
    "UntagResource": lambda k, kid: k.untag_resource(KeyId=kid, TagKeys=["a"]),
    "ListResourceTags": lambda k, kid: k.list_resource_tags(KeyId=kid),
    "GetKeyPolicy": lambda k, kid: k.get_key_policy(KeyId=kid, PolicyName="default"),
    "PutKeyPolicy": lambda k, kid: k.put_key_policy(
        KeyId=kid, PolicyName="default", Policy=json.dumps(h.default_key_policy("123456789012"))),
    "ListKeyPolicies": lambda k, kid: k.list_key_policies(KeyId=kid),
    "CreateAlias": lambda k, kid: k.create_alias(AliasName=h.unique_alias("nokey"),
                                                 TargetKeyId=kid),
    "ListAliases": lambda k, kid: k.list_aliases(KeyId=kid),
}


@pytest.mark.parametrize("operation", sorted(UNKNOWN_KEY_CALLS))
@pytest.mark.parametrize("form", ["key-id", "key-arn"])
def test_unknown_key_is_not_found_for_every_operation(kms, key, operation, form):
    missing = str(uuid.uuid4())
    arn = h.key_arn(h.DEFAULT_REGION, key["AWSAccountId"], missing)
    kid = missing if form == "key-id" else arn
    resp = h.expect_error(lambda: UNKNOWN_KEY_CALLS[operation](kms, kid), "NotFoundException")
    if operation in {"DescribeKey", "Encrypt", "GenerateDataKey"}:
        assert resp["Error"]["Message"] == h.msg_key_not_found(arn), resp


# ------------------------------------------------ the AWS managed key of SM


def test_aws_managed_secretsmanager_key_appears_once_a_secret_exists(kms, sm, name):
    sm.create_secret(Name=name, SecretString="uses the default key")
    aliases = {a["AliasName"]: a for a in h.list_all(kms.list_aliases, "Aliases")}
    assert h.DEFAULT_SM_ALIAS in aliases
    entry = aliases[h.DEFAULT_SM_ALIAS]
    assert h.KEY_ID_RE.match(entry["TargetKeyId"]), entry
    md = kms.describe_key(KeyId=h.DEFAULT_SM_ALIAS)["KeyMetadata"]
    assert md["KeyId"] == entry["TargetKeyId"]
    assert entry["AliasArn"] == h.alias_arn(h.DEFAULT_REGION, md["AWSAccountId"],
                                           h.DEFAULT_SM_ALIAS)
    assert_symmetric_metadata(md, description=md["Description"], manager="AWS")
    # Listed with the other keys, and filtered by its own key id.
    assert md["KeyId"] in {k["KeyId"] for k in h.list_all(kms.list_keys, "Keys")}
    assert [a["AliasName"] for a in kms.list_aliases(KeyId=md["KeyId"])["Aliases"]] == [
        h.DEFAULT_SM_ALIAS]


@pytest.mark.parametrize("operation", ["DisableKey", "ScheduleKeyDeletion"])
def test_aws_managed_key_cannot_be_disabled_or_deleted(kms, sm, name, operation):
    # [doc] "You cannot enable or disable AWS managed keys"; the key policy of
    # an AWS managed key grants no such action, so AWS answers
    # AccessDeniedException "User: ... is not authorized to perform:
    # kms:<Action> on resource: <key ARN> because no resource-based policy
    # allows the kms:<Action> action" (shape recorded for keys whose policy
    # does not allow the action: aws-ia/terraform-aws-eks-blueprints#485,
    # elastic/cloudbeat#1749).
    sm.create_secret(Name=name, SecretString="still readable")
    md = kms.describe_key(KeyId=h.DEFAULT_SM_ALIAS)["KeyMetadata"]
    call = {"DisableKey": lambda: kms.disable_key(KeyId=md["KeyId"]),
            "ScheduleKeyDeletion": lambda: kms.schedule_key_deletion(KeyId=md["KeyId"],
                                                                     PendingWindowInDays=7)}
    resp = h.expect_error(call[operation], "AccessDeniedException")
    assert f"kms:{operation}" in resp["Error"]["Message"], resp
    assert kms.describe_key(KeyId=md["KeyId"])["KeyMetadata"]["KeyState"] == "Enabled"
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "still readable"


# -------------------------------------------- operations Tresor does not serve

UNSERVED = {
    "Sign": lambda k, kid: k.sign(KeyId=kid, Message=b"m", SigningAlgorithm="ECDSA_SHA_256"),
    "Verify": lambda k, kid: k.verify(KeyId=kid, Message=b"m", Signature=b"s",
                                      SigningAlgorithm="ECDSA_SHA_256"),
    "GetPublicKey": lambda k, kid: k.get_public_key(KeyId=kid),
    "CreateGrant": lambda k, kid: k.create_grant(
        KeyId=kid, GranteePrincipal="arn:aws:iam::123456789012:root", Operations=["Decrypt"]),
    "ListGrants": lambda k, kid: k.list_grants(KeyId=kid),
    "GenerateDataKeyPair": lambda k, kid: k.generate_data_key_pair(KeyId=kid,
                                                                   KeyPairSpec="RSA_2048"),
    "GenerateDataKeyPairWithoutPlaintext": lambda k, kid:
        k.generate_data_key_pair_without_plaintext(KeyId=kid, KeyPairSpec="RSA_2048"),
    "GenerateMac": lambda k, kid: k.generate_mac(KeyId=kid, Message=b"m",
                                                 MacAlgorithm="HMAC_SHA_256"),
    "ReplicateKey": lambda k, kid: k.replicate_key(KeyId=kid, ReplicaRegion="eu-west-1"),
    "GetParametersForImport": lambda k, kid: k.get_parameters_for_import(
        KeyId=kid, WrappingAlgorithm="RSAES_OAEP_SHA_256", WrappingKeySpec="RSA_2048"),
    "DescribeCustomKeyStores": lambda k, kid: k.describe_custom_key_stores(),
}


@pytest.mark.parametrize("operation", sorted(UNSERVED))
def test_operations_tresor_does_not_serve(kms, key, operation):
    h.expect_error(lambda: UNSERVED[operation](kms, key["KeyId"]),
                   "UnsupportedOperationException", status=400)
    assert kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] == "Enabled"


# ------------------------------------------------------------- wire framing


def test_kms_error_body_has_lowercase_message(raw, key):
    # [AWS] KMS errors carry `message` (botocore shows it at the top level of
    # the parsed error, as recorded), on HTTP 400 with a request id.
    missing = str(uuid.uuid4())
    resp = raw.kms("DescribeKey", {"KeyId": missing})
    h.assert_raw_error(resp, "NotFoundException",
                       h.msg_key_not_found(h.key_arn(h.DEFAULT_REGION, key["AWSAccountId"],
                                                     missing)))
    assert "message" in resp.json and "Message" not in resp.json, resp
    assert resp.headers.get("content-type", "").startswith(h.JSON_CT), resp


def test_unserved_operation_framing(raw, key):
    resp = raw.kms("CreateGrant", {"KeyId": key["KeyId"], "Operations": ["Decrypt"],
                                   "GranteePrincipal": "arn:aws:iam::123456789012:root"})
    h.assert_raw_error(resp, "UnsupportedOperationException")
    assert resp.message, resp


def test_kms_success_framing(raw, key):
    resp = raw.kms("DescribeKey", {"KeyId": key["KeyId"]})
    assert resp.status == 200, resp
    assert resp.request_id, resp
    assert resp.headers.get("content-type", "").startswith(h.JSON_CT), resp
    body = resp.json
    # Timestamps are epoch seconds on the wire.
    assert isinstance(body["KeyMetadata"]["CreationDate"], (int, float)), body


def test_kms_request_signed_for_secretsmanager_is_refused(raw, kms, key):
    resp = raw.call("TrentService.DisableKey", {"KeyId": key["KeyId"]}, service="secretsmanager")
    h.assert_raw_error(resp, "InvalidSignatureException",
                       prefix="Credential should be scoped to correct service: 'kms'.")
    assert kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] == "Enabled"
