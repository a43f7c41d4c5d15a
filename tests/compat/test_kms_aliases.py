"""KMS aliases: CreateAlias, UpdateAlias, DeleteAlias, ListAliases — names,
the reserved `alias/aws/` prefix, AliasArn/TargetKeyId, filtering and
paging, and aliases as key identifiers."""

import datetime as dt
import uuid

import pytest

import smharness as h

ALIAS_ENTRY = {"AliasName", "AliasArn", "TargetKeyId", "CreationDate", "LastUpdatedDate"}


def aliases_of(kms, key_id):
    return {a["AliasName"]: a for a in h.list_all(kms.list_aliases, "Aliases", KeyId=key_id)}


def all_aliases(kms):
    return {a["AliasName"]: a for a in h.list_all(kms.list_aliases, "Aliases")}


def test_create_alias_and_list_it(kms, key, alias_name):
    before = h.utcnow()
    resp = kms.create_alias(AliasName=alias_name, TargetKeyId=key["KeyId"])
    h.assert_request_id(resp)
    assert h.members(resp) == set()  # [doc] "This operation does not return a response"
    entry = aliases_of(kms, key["KeyId"])[alias_name]
    assert set(entry) == ALIAS_ENTRY, entry
    assert entry["AliasArn"] == h.alias_arn(h.DEFAULT_REGION, key["AWSAccountId"], alias_name)
    assert entry["TargetKeyId"] == key["KeyId"]  # the key id, not its ARN
    slack = dt.timedelta(minutes=5)
    assert before - slack <= entry["CreationDate"] <= h.utcnow() + slack
    assert entry["LastUpdatedDate"] >= entry["CreationDate"]
    assert all_aliases(kms)[alias_name] == entry


def test_create_alias_with_a_key_arn_target(kms, key, alias_name):
    kms.create_alias(AliasName=alias_name, TargetKeyId=key["Arn"])
    assert aliases_of(kms, key["KeyId"])[alias_name]["TargetKeyId"] == key["KeyId"]


def test_a_key_can_have_several_aliases_and_the_filter_keeps_them_apart(kms, key):
    other = kms.create_key()["KeyMetadata"]
    mine = [h.unique_alias(f"mine{i}") for i in range(2)]
    theirs = h.unique_alias("theirs")
    for a in mine:
        kms.create_alias(AliasName=a, TargetKeyId=key["KeyId"])
    kms.create_alias(AliasName=theirs, TargetKeyId=other["KeyId"])
    assert set(aliases_of(kms, key["KeyId"])) == set(mine)
    # The filter accepts the key ARN too.
    assert set(aliases_of(kms, key["Arn"])) == set(mine)
    assert set(aliases_of(kms, other["KeyId"])) == {theirs}
    assert set(mine) | {theirs} <= set(all_aliases(kms))


def test_list_aliases_pages(kms, key):
    names = {h.unique_alias(f"page{i}") for i in range(3)}
    for a in names:
        kms.create_alias(AliasName=a, TargetKeyId=key["KeyId"])
    listed = h.list_all(kms.list_aliases, "Aliases", limit=1, KeyId=key["KeyId"])
    assert sorted(a["AliasName"] for a in listed) == sorted(names)
    everything = h.list_all(kms.list_aliases, "Aliases", limit=2)
    alias_names = [a["AliasName"] for a in everything]
    assert len(alias_names) == len(set(alias_names))
    assert names <= set(alias_names)


def test_list_aliases_of_an_unknown_key(kms):
    h.expect_error(lambda: kms.list_aliases(KeyId=str(uuid.uuid4())), "NotFoundException")


def test_list_aliases_limit_bounds(kms_raw_params):
    h.expect_error(lambda: kms_raw_params.list_aliases(Limit=0), "ValidationException",
                   h.validation_message(h.violation("limit", h.min_value(1), 0)))
    h.expect_error(lambda: kms_raw_params.list_aliases(Limit=1001), "ValidationException",
                   h.validation_message(h.violation("limit", h.max_value(1000), 1001)))


def test_alias_resolves_in_describe_and_crypto(kms, key, alias_name):
    kms.create_alias(AliasName=alias_name, TargetKeyId=key["KeyId"])
    assert kms.describe_key(KeyId=alias_name)["KeyMetadata"]["KeyId"] == key["KeyId"]
    enc = kms.encrypt(KeyId=alias_name, Plaintext=b"via alias")
    assert enc["KeyId"] == key["Arn"]
    dk = kms.generate_data_key(KeyId=alias_name, KeySpec="AES_256")
    assert dk["KeyId"] == key["Arn"]


def test_update_alias_repoints_it(kms, key, alias_name):
    new = kms.create_key()["KeyMetadata"]
    kms.create_alias(AliasName=alias_name, TargetKeyId=key["KeyId"])
    created = aliases_of(kms, key["KeyId"])[alias_name]
    old_blob = kms.encrypt(KeyId=alias_name, Plaintext=b"old")["CiphertextBlob"]

    resp = kms.update_alias(AliasName=alias_name, TargetKeyId=new["KeyId"])
    assert h.members(resp) == set()
    assert alias_name not in aliases_of(kms, key["KeyId"])
    entry = aliases_of(kms, new["KeyId"])[alias_name]
    assert entry["TargetKeyId"] == new["KeyId"]
    assert entry["AliasArn"] == created["AliasArn"]
    assert entry["CreationDate"] == created["CreationDate"]
    assert entry["LastUpdatedDate"] >= created["LastUpdatedDate"]
    assert kms.describe_key(KeyId=alias_name)["KeyMetadata"]["KeyId"] == new["KeyId"]
    assert kms.encrypt(KeyId=alias_name, Plaintext=b"n")["KeyId"] == new["Arn"]
    # A ciphertext names its key, not the alias: the old one still decrypts.
    dec = kms.decrypt(CiphertextBlob=old_blob)
    assert dec["Plaintext"] == b"old" and dec["KeyId"] == key["Arn"]


def test_update_alias_errors(kms, key, alias_name):
    h.expect_error(lambda: kms.update_alias(AliasName=alias_name, TargetKeyId=key["KeyId"]),
                   "NotFoundException")
    kms.create_alias(AliasName=alias_name, TargetKeyId=key["KeyId"])
    missing = h.key_arn(h.DEFAULT_REGION, key["AWSAccountId"],
                        "00000000-0000-4000-8000-000000000000")
    h.expect_error(lambda: kms.update_alias(AliasName=alias_name, TargetKeyId=missing),
                   "NotFoundException")
    assert aliases_of(kms, key["KeyId"])[alias_name]["TargetKeyId"] == key["KeyId"]


def test_update_alias_to_a_key_pending_deletion(kms, key, alias_name):
    # [doc] key-state table: UpdateAlias fails when the new key is
    # PendingDeletion (KMSInvalidStateException).
    doomed = kms.create_key()["KeyMetadata"]
    kms.schedule_key_deletion(KeyId=doomed["KeyId"], PendingWindowInDays=7)
    kms.create_alias(AliasName=alias_name, TargetKeyId=key["KeyId"])
    h.expect_error(lambda: kms.update_alias(AliasName=alias_name, TargetKeyId=doomed["KeyId"]),
                   "KMSInvalidStateException")
    assert aliases_of(kms, key["KeyId"])[alias_name]["TargetKeyId"] == key["KeyId"]


def test_delete_alias(kms, key, alias_name):
    kms.create_alias(AliasName=alias_name, TargetKeyId=key["KeyId"])
    resp = kms.delete_alias(AliasName=alias_name)
    assert h.members(resp) == set()
    assert alias_name not in all_aliases(kms)
    h.expect_error(lambda: kms.describe_key(KeyId=alias_name), "NotFoundException")
    # The key is untouched.
    assert kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] == "Enabled"
    h.expect_error(lambda: kms.delete_alias(AliasName=alias_name), "NotFoundException")
    # The name is free again.
    kms.create_alias(AliasName=alias_name, TargetKeyId=key["KeyId"])
    assert alias_name in aliases_of(kms, key["KeyId"])


def test_duplicate_alias_name(kms, key, alias_name):
    other = kms.create_key()["KeyMetadata"]
    kms.create_alias(AliasName=alias_name, TargetKeyId=key["KeyId"])
    arn = h.alias_arn(h.DEFAULT_REGION, key["AWSAccountId"], alias_name)
    # [AWS] the message names the alias ARN (LocalStack's validated provider).
    h.expect_error(lambda: kms.create_alias(AliasName=alias_name, TargetKeyId=other["KeyId"]),
                   "AlreadyExistsException", f"An alias with the name {arn} already exists")
    assert aliases_of(kms, key["KeyId"])[alias_name]["TargetKeyId"] == key["KeyId"]


def test_alias_names_are_regional(kms_for, key, alias_name):
    eu = kms_for("eu-west-1")
    eu_key = eu.create_key()["KeyMetadata"]
    kms_for(h.DEFAULT_REGION).create_alias(AliasName=alias_name, TargetKeyId=key["KeyId"])
    eu.create_alias(AliasName=alias_name, TargetKeyId=eu_key["KeyId"])
    assert eu.describe_key(KeyId=alias_name)["KeyMetadata"]["KeyId"] == eu_key["KeyId"]
    entry = aliases_of(eu, eu_key["KeyId"])[alias_name]
    assert entry["AliasArn"] == h.alias_arn("eu-west-1", key["AWSAccountId"], alias_name)
    # An alias cannot point across regions.
    h.expect_error(lambda: eu.create_alias(AliasName=h.unique_alias("cross"),
                                           TargetKeyId=key["Arn"]), "NotFoundException")


def test_alias_without_the_prefix(kms, key):
    # [AWS]
    h.expect_error(lambda: kms.create_alias(AliasName="no-prefix-" + key["KeyId"][:8],
                                            TargetKeyId=key["KeyId"]),
                   "ValidationException", h.MSG_ALIAS_PREFIX)


@pytest.mark.parametrize("name", ["alias/aws/secretsmanager", "alias/aws/compat-reserved",
                                  "alias/aws/"])
def test_reserved_alias_prefix(kms, key, name):
    # [doc] "The alias/aws/ prefix is reserved for AWS managed keys." The
    # model's error for a bad alias name is InvalidAliasNameException; AWS has
    # been reported (and moto/LocalStack model it) to answer
    # NotAuthorizedException for reserved names. Either, HTTP 400, nothing
    # created.
    h.expect_error(lambda: kms.create_alias(AliasName=name, TargetKeyId=key["KeyId"]), None,
                   codes={"NotAuthorizedException", "InvalidAliasNameException"})
    assert aliases_of(kms, key["KeyId"]) == {}


def test_reserved_alias_cannot_be_repointed_or_deleted(kms, sm, key, name):
    sm.create_secret(Name=name, SecretString="default key")  # creates aws/secretsmanager
    target = kms.describe_key(KeyId=h.DEFAULT_SM_ALIAS)["KeyMetadata"]["KeyId"]
    reserved = {"NotAuthorizedException", "InvalidAliasNameException"}
    h.expect_error(lambda: kms.update_alias(AliasName=h.DEFAULT_SM_ALIAS,
                                            TargetKeyId=key["KeyId"]), None, codes=reserved)
    h.expect_error(lambda: kms.delete_alias(AliasName=h.DEFAULT_SM_ALIAS), None, codes=reserved)
    assert kms.describe_key(KeyId=h.DEFAULT_SM_ALIAS)["KeyMetadata"]["KeyId"] == target
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "default key"


def test_alias_name_constraints_are_coral_messages(kms_raw_params, key):
    bad = "alias/has space!"
    h.expect_error(lambda: kms_raw_params.create_alias(AliasName=bad, TargetKeyId=key["KeyId"]),
                   "ValidationException",
                   h.validation_message(h.violation(
                       "aliasName", "satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$", bad)))
    long = "alias/" + "a" * 251
    h.expect_error(lambda: kms_raw_params.create_alias(AliasName=long, TargetKeyId=key["KeyId"]),
                   "ValidationException",
                   h.validation_message(h.violation("aliasName", h.max_len(256), long)))


def test_alias_target_must_be_a_key(kms, key, alias_name):
    kms.create_alias(AliasName=alias_name, TargetKeyId=key["KeyId"])
    # [doc] "This value cannot be an alias"; [inferred] error code.
    h.expect_error(lambda: kms.create_alias(AliasName=h.unique_alias("chain"),
                                            TargetKeyId=alias_name), None,
                   codes={"ValidationException", "NotFoundException"})
    h.expect_error(lambda: kms.create_alias(
        AliasName=h.unique_alias("nokey"),
        TargetKeyId=h.key_arn(h.DEFAULT_REGION, key["AWSAccountId"],
                              "00000000-0000-4000-8000-000000000000")),
        "NotFoundException")


def test_alias_of_a_disabled_key_can_be_created(kms, key, alias_name):
    # [doc] key-state table: CreateAlias works on Disabled keys.
    kms.disable_key(KeyId=key["KeyId"])
    kms.create_alias(AliasName=alias_name, TargetKeyId=key["KeyId"])
    h.expect_error(lambda: kms.encrypt(KeyId=alias_name, Plaintext=b"x"), "DisabledException",
                   h.msg_key_disabled(key["Arn"]))
