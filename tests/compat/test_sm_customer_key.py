"""Secrets Manager with a customer managed KMS key through its lifecycle:
create with every identifier form, disable → denied, enable → readable,
rotate the key, schedule/cancel deletion, UpdateSecret onto another key and
back to the default, unknown keys.

Both clients (secretsmanager and kms) talk to the same endpoint with the
same credentials."""

import pytest

import smharness as h

READ_FAILS = h.SM_READ_KEY_UNUSABLE    # DecryptionFailure [doc]
WRITE_FAILS = h.SM_WRITE_KEY_UNUSABLE  # EncryptionFailure [doc]


def key_ids_by_version(sm, secret_id):
    return {v["VersionId"]: v.get("KmsKeyIds")
            for v in h.list_versions(sm, secret_id, include_deprecated=True)}


def identifier(form, key, alias_name):
    return {
        "key-id": key["KeyId"],
        "key-arn": key["Arn"],
        "alias-name": alias_name,
        "alias-arn": h.alias_arn(h.DEFAULT_REGION, key["AWSAccountId"], alias_name),
    }[form]


# ------------------------------------------------------------ key identifiers


@pytest.mark.parametrize("form", ["key-id", "key-arn", "alias-name", "alias-arn"])
def test_create_secret_with_a_customer_key(sm, kms, key, alias_name, name, form):
    kms.create_alias(AliasName=alias_name, TargetKeyId=key["KeyId"])
    given = identifier(form, key, alias_name)
    created = sm.create_secret(Name=name, SecretString="customer-key value", KmsKeyId=given)
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "customer-key value"

    described = sm.describe_secret(SecretId=name)
    # [doc] DescribeSecret KmsKeyId: "The key ID or alias ARN of the KMS key";
    # AWS keeps the identifier the caller gave (the CLI example shows the
    # key ARN it was created with). For an alias name either that name or
    # its alias ARN is accepted.
    if form == "alias-name":
        assert described["KmsKeyId"] in (
            given, h.alias_arn(h.DEFAULT_REGION, key["AWSAccountId"], alias_name)), described
    else:
        assert described["KmsKeyId"] == given, described
    listed = [s for s in h.list_all_secrets(sm, Filters=[{"Key": "name", "Values": [name]}])
              if s["Name"] == name]
    assert listed and listed[0]["KmsKeyId"] == described["KmsKeyId"]
    # [doc]/[AWS shape] the version's key is reported as the key ARN.
    assert key_ids_by_version(sm, name) == {created["VersionId"]: [key["Arn"]]}


def test_the_default_key_is_reported_as_such(sm, name):
    created = sm.create_secret(Name=name, SecretString="default")
    assert "KmsKeyId" not in sm.describe_secret(SecretId=name)  # [AWS]
    assert key_ids_by_version(sm, name) == {created["VersionId"]: ["DefaultEncryptionKey"]}  # [AWS]


def test_naming_the_default_key_explicitly_is_the_default(sm, name):
    created = sm.create_secret(Name=name, SecretString="explicit default",
                               KmsKeyId=h.DEFAULT_SM_ALIAS)
    assert "KmsKeyId" not in sm.describe_secret(SecretId=name)
    assert key_ids_by_version(sm, name) == {created["VersionId"]: ["DefaultEncryptionKey"]}


# ------------------------------------------------------------- unknown keys


@pytest.mark.parametrize("bad", ["alias/compat-no-such-alias", "no-prefix-alias",
                                 "00000000-0000-4000-8000-000000000000"])
def test_create_secret_with_an_unknown_key(sm, name, bad):
    # [AWS] InvalidParameterException "The operation failed because of an
    # invalid KMS key..." (boto/boto3#1533, terraform-provider-aws#13303); the
    # secret is not created.
    h.expect_error(lambda: sm.create_secret(Name=name, SecretString="v", KmsKeyId=bad),
                   "InvalidParameterException", prefix=h.MSG_SM_INVALID_KMS_KEY_PREFIX)
    h.expect_error(lambda: sm.describe_secret(SecretId=name), "ResourceNotFoundException")


def test_update_secret_with_an_unknown_key(sm, key, name):
    sm.create_secret(Name=name, SecretString="v", KmsKeyId=key["Arn"])
    state = h.state_of(sm, name)
    h.expect_error(lambda: sm.update_secret(SecretId=name, KmsKeyId="alias/compat-no-such-alias"),
                   "InvalidParameterException", prefix=h.MSG_SM_INVALID_KMS_KEY_PREFIX)
    assert h.state_of(sm, name) == state


def test_a_key_of_another_region_is_unknown(sm, kms_for, name):
    eu_key = kms_for("eu-west-1").create_key()["KeyMetadata"]
    h.expect_error(lambda: sm.create_secret(Name=name, SecretString="v", KmsKeyId=eu_key["KeyId"]),
                   "InvalidParameterException", prefix=h.MSG_SM_INVALID_KMS_KEY_PREFIX)


# ---------------------------------------------------------- disable / enable


def test_disabled_key_denies_reads_and_writes_until_enabled(sm, kms, key, name):
    v1 = sm.create_secret(Name=name, SecretString="first", KmsKeyId=key["KeyId"])["VersionId"]
    before = h.state_of(sm, name)
    kms.disable_key(KeyId=key["KeyId"])

    h.expect_error(lambda: sm.get_secret_value(SecretId=name), READ_FAILS)
    h.expect_error(lambda: sm.get_secret_value(SecretId=name, VersionId=v1), READ_FAILS)
    h.expect_error(lambda: sm.put_secret_value(SecretId=name, SecretString="second"), WRITE_FAILS)
    h.expect_error(lambda: sm.update_secret(SecretId=name, SecretString="third"), WRITE_FAILS)
    batch = sm.batch_get_secret_value(SecretIdList=[name])
    assert batch.get("SecretValues", []) == []
    assert [(e["SecretId"], e["ErrorCode"]) for e in batch["Errors"]] == [(name, READ_FAILS)]
    # Metadata stays readable and nothing changed.
    assert h.state_of(sm, name) == before

    kms.enable_key(KeyId=key["KeyId"])
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "first"
    v2 = sm.put_secret_value(SecretId=name, SecretString="second")["VersionId"]
    assert sm.get_secret_value(SecretId=name)["VersionId"] == v2
    assert key_ids_by_version(sm, name)[v2] == [key["Arn"]]


def test_disabling_one_key_leaves_other_secrets_alone(sm, kms, key, name):
    other = kms.create_key()["KeyMetadata"]
    sm.create_secret(Name=name + "/a", SecretString="a", KmsKeyId=key["KeyId"])
    sm.create_secret(Name=name + "/b", SecretString="b", KmsKeyId=other["KeyId"])
    sm.create_secret(Name=name + "/c", SecretString="c")
    kms.disable_key(KeyId=key["KeyId"])
    h.expect_error(lambda: sm.get_secret_value(SecretId=name + "/a"), READ_FAILS)
    assert sm.get_secret_value(SecretId=name + "/b")["SecretString"] == "b"
    assert sm.get_secret_value(SecretId=name + "/c")["SecretString"] == "c"


def test_create_secret_with_a_disabled_key(sm, kms, key, name):
    kms.disable_key(KeyId=key["KeyId"])
    h.expect_error(lambda: sm.create_secret(Name=name, SecretString="v", KmsKeyId=key["KeyId"]),
                   WRITE_FAILS)
    # [inferred] CreateSecret is atomic: no secret without its value.
    h.expect_error(lambda: sm.describe_secret(SecretId=name), "ResourceNotFoundException")


# ----------------------------------------------------------- key rotation


def test_key_rotation_keeps_old_versions_and_writes_new_ones(sm, kms, key, name):
    v1 = sm.create_secret(Name=name, SecretString="v1", KmsKeyId=key["KeyId"])["VersionId"]
    v2 = sm.put_secret_value(SecretId=name, SecretString="v2")["VersionId"]
    kms.rotate_key_on_demand(KeyId=key["KeyId"])
    h.poll(lambda: kms.get_key_rotation_status(KeyId=key["KeyId"]),
           lambda r: "OnDemandRotationStartDate" not in r)
    v3 = sm.put_secret_value(SecretId=name, SecretString="v3")["VersionId"]
    kms.rotate_key_on_demand(KeyId=key["KeyId"])
    h.poll(lambda: kms.get_key_rotation_status(KeyId=key["KeyId"]),
           lambda r: "OnDemandRotationStartDate" not in r)
    assert sm.get_secret_value(SecretId=name, VersionId=v1)["SecretString"] == "v1"
    assert sm.get_secret_value(SecretId=name, VersionStage="AWSPREVIOUS")["SecretString"] == "v2"
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "v3"
    v4 = sm.put_secret_value(SecretId=name, SecretString="v4")["VersionId"]
    assert sm.get_secret_value(SecretId=name, VersionId=v4)["SecretString"] == "v4"
    # Rotation keeps the key's identity.
    assert set(map(tuple, key_ids_by_version(sm, name).values())) == {(key["Arn"],)}
    assert {v1, v2, v3, v4} == set(key_ids_by_version(sm, name))


# -------------------------------------------------------- deletion lifecycle


def test_key_pending_deletion_denies_until_cancelled_and_enabled(sm, kms, key, name):
    sm.create_secret(Name=name, SecretString="guarded", KmsKeyId=key["Arn"])
    kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
    h.expect_error(lambda: sm.get_secret_value(SecretId=name), READ_FAILS)
    h.expect_error(lambda: sm.put_secret_value(SecretId=name, SecretString="x"), WRITE_FAILS)
    assert sm.describe_secret(SecretId=name)["KmsKeyId"] == key["Arn"]

    kms.cancel_key_deletion(KeyId=key["KeyId"])
    # [AWS] cancelled → Disabled: still no access.
    h.expect_error(lambda: sm.get_secret_value(SecretId=name), READ_FAILS)
    kms.enable_key(KeyId=key["KeyId"])
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "guarded"
    sm.put_secret_value(SecretId=name, SecretString="writable again")
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "writable again"


# ------------------------------------------------------ UpdateSecret KmsKeyId


def labelled_and_deprecated(sm, name, key_id):
    """v1..v4 under `key_id`: v3 AWSCURRENT, v2 AWSPREVIOUS, v4 AWSPENDING,
    v1 deprecated (no label)."""
    v1 = sm.create_secret(Name=name, SecretString="v1", KmsKeyId=key_id)["VersionId"]
    v2 = sm.put_secret_value(SecretId=name, SecretString="v2")["VersionId"]
    v3 = sm.put_secret_value(SecretId=name, SecretString="v3")["VersionId"]
    v4 = sm.put_secret_value(SecretId=name, SecretString="v4",
                             VersionStages=["AWSPENDING"])["VersionId"]
    h.assert_labels(sm, name, {v1: [], v2: ["AWSPREVIOUS"], v3: ["AWSCURRENT"],
                               v4: ["AWSPENDING"]})
    return v1, v2, v3, v4


def test_update_secret_to_a_new_key_reencrypts_labelled_versions(sm, kms, key, name):
    new = kms.create_key()["KeyMetadata"]
    v1, v2, v3, v4 = labelled_and_deprecated(sm, name, key["KeyId"])

    resp = sm.update_secret(SecretId=name, KmsKeyId=new["KeyId"])
    assert h.members(resp) == {"ARN", "Name"}  # [AWS] metadata-only update
    assert sm.describe_secret(SecretId=name)["KmsKeyId"] == new["KeyId"]
    # [doc] AWSCURRENT, AWSPENDING and AWSPREVIOUS are re-encrypted under the
    # new key; other versions keep theirs.
    assert key_ids_by_version(sm, name) == {v1: [key["Arn"]], v2: [new["Arn"]],
                                            v3: [new["Arn"]], v4: [new["Arn"]]}
    # Proof: without the old key, the labelled versions still read.
    kms.disable_key(KeyId=key["KeyId"])
    assert sm.get_secret_value(SecretId=name, VersionId=v2)["SecretString"] == "v2"
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "v3"
    assert sm.get_secret_value(SecretId=name, VersionStage="AWSPENDING")["SecretString"] == "v4"
    h.expect_error(lambda: sm.get_secret_value(SecretId=name, VersionId=v1), READ_FAILS)
    # New versions use the new key.
    v5 = sm.put_secret_value(SecretId=name, SecretString="v5")["VersionId"]
    assert key_ids_by_version(sm, name)[v5] == [new["Arn"]]
    kms.enable_key(KeyId=key["KeyId"])
    assert sm.get_secret_value(SecretId=name, VersionId=v1)["SecretString"] == "v1"


def test_update_secret_with_a_new_key_and_a_new_value(sm, kms, key, name):
    new = kms.create_key()["KeyMetadata"]
    v1 = sm.create_secret(Name=name, SecretString="old", KmsKeyId=key["KeyId"])["VersionId"]
    v2 = sm.update_secret(SecretId=name, KmsKeyId=new["Arn"], SecretString="new")["VersionId"]
    assert key_ids_by_version(sm, name) == {v1: [new["Arn"]], v2: [new["Arn"]]}
    kms.disable_key(KeyId=key["KeyId"])
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "new"
    assert sm.get_secret_value(SecretId=name, VersionStage="AWSPREVIOUS")["SecretString"] == "old"


def test_update_secret_back_to_the_default_key_with_an_empty_string(sm, kms, key, name):
    v1 = sm.create_secret(Name=name, SecretString="one", KmsKeyId=key["KeyId"])["VersionId"]
    v2 = sm.put_secret_value(SecretId=name, SecretString="two")["VersionId"]
    sm.update_secret(SecretId=name, KmsKeyId="")
    assert "KmsKeyId" not in sm.describe_secret(SecretId=name)  # [AWS] default key omitted
    assert key_ids_by_version(sm, name) == {v1: ["DefaultEncryptionKey"],
                                            v2: ["DefaultEncryptionKey"]}
    kms.disable_key(KeyId=key["KeyId"])
    assert sm.get_secret_value(SecretId=name, VersionId=v1)["SecretString"] == "one"
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "two"


def test_update_secret_from_the_default_key_to_a_customer_key(sm, kms, key, name):
    v1 = sm.create_secret(Name=name, SecretString="was default")["VersionId"]
    sm.update_secret(SecretId=name, KmsKeyId=key["Arn"])
    assert sm.describe_secret(SecretId=name)["KmsKeyId"] == key["Arn"]
    assert key_ids_by_version(sm, name) == {v1: [key["Arn"]]}
    kms.disable_key(KeyId=key["KeyId"])
    h.expect_error(lambda: sm.get_secret_value(SecretId=name), READ_FAILS)
