"""CreateSecret, DescribeSecret, GetSecretValue, UpdateSecret: shapes, SecretId
resolution (reference 3.1-3.3, 3.7) and their error paths."""

import base64
import datetime as dt

import pytest

import smharness as h

FRESH_DESCRIBE = {"ARN", "Name", "CreatedDate", "LastChangedDate", "VersionIdsToStages"}
GET_VALUE_STRING = {"ARN", "Name", "VersionId", "SecretString", "VersionStages", "CreatedDate"}
GET_VALUE_BINARY = {"ARN", "Name", "VersionId", "SecretBinary", "VersionStages", "CreatedDate"}


# ---------------------------------------------------------------- CreateSecret


def test_create_secret_with_string_returns_arn_name_version(sm, name):
    tok = h.token()
    resp = sm.create_secret(Name=name, SecretString="s3cr3t", ClientRequestToken=tok)
    h.assert_request_id(resp)
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert h.members(resp) == {"ARN", "Name", "VersionId"}
    assert resp["Name"] == name
    assert resp["VersionId"] == tok
    assert h.arn_pattern(name).match(resp["ARN"]), resp["ARN"]
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "s3cr3t"


def test_arn_suffix_is_six_mixed_alphanumerics_and_differs_per_secret(sm, name):
    arns = [sm.create_secret(Name=f"{name}/{i}", SecretString="v")["ARN"] for i in range(3)]
    suffixes = [a.rsplit("-", 1)[1] for a in arns]
    for s in suffixes:
        assert len(s) == 6 and s.isalnum() and s.isascii()
    assert len(set(suffixes)) == 3


def test_create_secret_without_value_has_no_version(sm, name):
    resp = sm.create_secret(Name=name)
    assert h.members(resp) == {"ARN", "Name"}  # [AWS] no VersionId
    described = sm.describe_secret(SecretId=name)
    assert h.members(described) == {"ARN", "Name", "CreatedDate", "LastChangedDate"}
    h.expect_error(lambda: sm.get_secret_value(SecretId=name),
                   "ResourceNotFoundException", h.msg_no_stage("AWSCURRENT"))
    versions = sm.list_secret_version_ids(SecretId=name)
    assert versions["Versions"] == []


def test_first_put_on_empty_secret_gets_awscurrent(sm, name):
    sm.create_secret(Name=name)
    tok = h.token()
    resp = sm.put_secret_value(SecretId=name, SecretString="first", ClientRequestToken=tok)
    assert h.members(resp) == {"ARN", "Name", "VersionId", "VersionStages"}
    assert resp["VersionStages"] == ["AWSCURRENT"]  # [AWS]
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "first"


def test_first_put_with_custom_stage_on_empty_secret_also_gets_awscurrent(sm, name):
    # [doc] "If this operation creates the first version for the secret, then
    # Secrets Manager automatically attaches the staging label AWSCURRENT".
    sm.create_secret(Name=name)
    tok = h.token()
    resp = sm.put_secret_value(SecretId=name, SecretString="first", ClientRequestToken=tok,
                               VersionStages=["CUSTOM"])
    assert sorted(resp["VersionStages"]) == ["AWSCURRENT", "CUSTOM"]
    h.assert_labels(sm, name, {tok: ["AWSCURRENT", "CUSTOM"]})


def test_create_secret_with_binary_value(sm, name):
    data = bytes(range(256)) * 4
    sm.create_secret(Name=name, SecretBinary=data)
    value = sm.get_secret_value(SecretId=name)
    assert h.members(value) == GET_VALUE_BINARY
    assert value["SecretBinary"] == data


def test_binary_travels_as_base64_on_the_wire(raw, sm, name):
    # [AWS] raw GetSecretValue returned "SecretBinary": "Zm9vdGVzdA==" for b"footest".
    sm.create_secret(Name=name, SecretBinary=b"footest")
    resp = raw.call("GetSecretValue", {"SecretId": name})
    assert resp.status == 200, resp
    assert resp.json["SecretBinary"] == "Zm9vdGVzdA=="
    assert "SecretString" not in resp.json


def test_create_secret_with_description_and_tags(sm, name):
    tags = [{"Key": "team", "Value": "payments"}, {"Key": "env", "Value": ""}]
    sm.create_secret(Name=name, SecretString="v", Description="db creds", Tags=tags)
    described = sm.describe_secret(SecretId=name)
    assert described["Description"] == "db creds"
    assert sorted(described["Tags"], key=lambda t: t["Key"]) == sorted(tags, key=lambda t: t["Key"])
    assert h.members(described) == FRESH_DESCRIBE | {"Description", "Tags"}


def test_empty_description_is_no_description(sm, name):
    sm.create_secret(Name=name, SecretString="v", Description="")
    assert "Description" not in sm.describe_secret(SecretId=name)  # [AWS]


def test_duplicate_name_is_resource_exists(sm, secret):
    h.expect_error(lambda: sm.create_secret(Name=secret["Name"], SecretString="other"),
                   "ResourceExistsException", h.msg_exists(secret["Name"]))
    assert sm.get_secret_value(SecretId=secret["Name"])["SecretString"] == secret["Value"]


def test_names_are_case_sensitive(sm, name):
    upper = name + "/Abc"
    sm.create_secret(Name=upper, SecretString="upper")
    h.expect_error(lambda: sm.describe_secret(SecretId=name + "/abc"),
                   "ResourceNotFoundException", h.MSG_NOT_FOUND)
    sm.create_secret(Name=name + "/abc", SecretString="lower")
    assert sm.get_secret_value(SecretId=upper)["SecretString"] == "upper"
    assert sm.get_secret_value(SecretId=name + "/abc")["SecretString"] == "lower"


@pytest.mark.parametrize("suffix", ["Valid/_+=.@-Name", "ends-with-slash/", "double//slash",
                                    "Name-a1b2", "Name-a1b2c3-"])
def test_names_with_every_allowed_character(sm, name, suffix):
    full = f"{name}/{suffix}"
    resp = sm.create_secret(Name=full, SecretString="v")
    assert resp["Name"] == full
    assert h.arn_pattern(full).match(resp["ARN"])
    for sid in (full, resp["ARN"], resp["ARN"][:-7]):
        assert sm.get_secret_value(SecretId=sid)["Name"] == full


def test_name_of_512_characters_is_accepted(sm):
    base = h.unique_name("long")
    full = base + "/" + "x" * (512 - len(base) - 1)
    assert len(full) == 512
    assert sm.create_secret(Name=full, SecretString="v")["Name"] == full


def test_name_of_513_characters_is_a_validation_error(sm):
    base = h.unique_name("long")
    full = base + "/" + "x" * (513 - len(base) - 1)
    h.expect_error(lambda: sm.create_secret(Name=full, SecretString="v"),
                   "ValidationException",
                   h.validation_message(h.violation("name", h.max_len(512), full)))


INVALID_NAMES = ["Inv Name", " Inv*Name? ", "Inv#Name"]


@pytest.mark.parametrize("bad", INVALID_NAMES)
def test_create_secret_rejects_invalid_name(sm, bad):
    h.expect_error(lambda: sm.create_secret(Name=bad, SecretString="v"),
                   "ValidationException", h.MSG_INVALID_NAME)


# [AWS] recorded for all of these operations with such SecretIds.
SECRET_ID_OPS = {
    "DeleteSecret": lambda sm, sid: sm.delete_secret(SecretId=sid),
    "DescribeSecret": lambda sm, sid: sm.describe_secret(SecretId=sid),
    "GetSecretValue": lambda sm, sid: sm.get_secret_value(SecretId=sid),
    "ListSecretVersionIds": lambda sm, sid: sm.list_secret_version_ids(SecretId=sid),
    "PutSecretValue": lambda sm, sid: sm.put_secret_value(SecretId=sid, SecretString="v"),
    "TagResource": lambda sm, sid: sm.tag_resource(SecretId=sid, Tags=[{"Key": "k", "Value": "v"}]),
    "UntagResource": lambda sm, sid: sm.untag_resource(SecretId=sid, TagKeys=["k"]),
    "UpdateSecret": lambda sm, sid: sm.update_secret(SecretId=sid, SecretString="v"),
    "ValidateResourcePolicy": lambda sm, sid: sm.validate_resource_policy(
        SecretId=sid,
        ResourcePolicy='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":'
                       '{"AWS":"arn:aws:iam::123456789012:root"},"Action":"secretsmanager:*",'
                       '"Resource":"*"}]}'),
}


@pytest.mark.parametrize("op", sorted(SECRET_ID_OPS))
@pytest.mark.parametrize("bad", ["Inv Name", " Inv*Name? "])
def test_invalid_secret_id_is_a_validation_error(sm, op, bad):
    h.expect_error(lambda: SECRET_ID_OPS[op](sm, bad), "ValidationException", h.MSG_INVALID_NAME)


# ----------------------------------------------------------- SecretId lookup


def test_secret_id_resolves_name_full_arn_and_partial_arn(sm, secret):
    arn = secret["ARN"]
    for sid in (secret["Name"], arn, arn[:-7]):
        value = sm.get_secret_value(SecretId=sid)
        assert value["ARN"] == arn and value["Name"] == secret["Name"]
        assert sm.describe_secret(SecretId=sid)["ARN"] == arn


def test_partial_arn_of_name_that_looks_like_suffix_is_not_found(sm, name):
    # [AWS] a name ending in -XXXXXX is not found through its partial ARN.
    full = name + "/Invalid/_+=.@-Name-a1b2c3"
    arn = sm.create_secret(Name=full, SecretString="v")["ARN"]
    assert sm.get_secret_value(SecretId=full)["ARN"] == arn
    assert sm.get_secret_value(SecretId=arn)["ARN"] == arn
    h.expect_error(lambda: sm.get_secret_value(SecretId=arn[:-7]),
                   "ResourceNotFoundException", h.MSG_NOT_FOUND)


def test_full_arn_with_wrong_suffix_is_not_found(sm, secret):
    arn = secret["ARN"]
    other = "ZZZZZZ" if not arn.endswith("ZZZZZZ") else "YYYYYY"
    h.expect_error(lambda: sm.describe_secret(SecretId=arn[:-6] + other),
                   "ResourceNotFoundException", h.MSG_NOT_FOUND)


def test_regions_are_isolated(client_for, secret):
    other = client_for("ap-southeast-2")
    h.expect_error(lambda: other.describe_secret(SecretId=secret["Name"]),
                   "ResourceNotFoundException", h.MSG_NOT_FOUND)
    name_in_other = secret["Name"]
    resp = other.create_secret(Name=name_in_other, SecretString="same name, other region")
    assert h.arn_pattern(name_in_other, "ap-southeast-2").match(resp["ARN"])
    assert other.get_secret_value(SecretId=name_in_other)["SecretString"] == "same name, other region"


# Every operation that takes a SecretId answers an unknown one the same way.
NOT_FOUND_OPS = {
    "CancelRotateSecret": lambda sm, sid: sm.cancel_rotate_secret(SecretId=sid),
    "DeleteResourcePolicy": lambda sm, sid: sm.delete_resource_policy(SecretId=sid),
    "DeleteSecret": lambda sm, sid: sm.delete_secret(SecretId=sid),
    "DescribeSecret": lambda sm, sid: sm.describe_secret(SecretId=sid),
    "GetResourcePolicy": lambda sm, sid: sm.get_resource_policy(SecretId=sid),
    "GetSecretValue": lambda sm, sid: sm.get_secret_value(SecretId=sid),
    "ListSecretVersionIds": lambda sm, sid: sm.list_secret_version_ids(SecretId=sid),
    "PutResourcePolicy": lambda sm, sid: sm.put_resource_policy(
        SecretId=sid, ResourcePolicy='{"Version":"2012-10-17","Statement":[]}'),
    "PutSecretValue": lambda sm, sid: sm.put_secret_value(SecretId=sid, SecretString="v"),
    "RemoveRegionsFromReplication": lambda sm, sid: sm.remove_regions_from_replication(
        SecretId=sid, RemoveReplicaRegions=["eu-west-1"]),
    "ReplicateSecretToRegions": lambda sm, sid: sm.replicate_secret_to_regions(
        SecretId=sid, AddReplicaRegions=[{"Region": "eu-west-1"}]),
    "RestoreSecret": lambda sm, sid: sm.restore_secret(SecretId=sid),
    "RotateSecret": lambda sm, sid: sm.rotate_secret(SecretId=sid),
    "StopReplicationToReplica": lambda sm, sid: sm.stop_replication_to_replica(SecretId=sid),
    "TagResource": lambda sm, sid: sm.tag_resource(SecretId=sid, Tags=[{"Key": "k", "Value": "v"}]),
    "UntagResource": lambda sm, sid: sm.untag_resource(SecretId=sid, TagKeys=["k"]),
    "UpdateSecret": lambda sm, sid: sm.update_secret(SecretId=sid, SecretString="v"),
    "UpdateSecretVersionStage": lambda sm, sid: sm.update_secret_version_stage(
        SecretId=sid, VersionStage="CUSTOM", MoveToVersionId=h.token()),
}


@pytest.mark.parametrize("op", sorted(NOT_FOUND_OPS))
def test_unknown_secret_is_resource_not_found_with_400(sm, name, op):
    h.expect_error(lambda: NOT_FOUND_OPS[op](sm, name), "ResourceNotFoundException", h.MSG_NOT_FOUND)


@pytest.mark.parametrize("op", ["DescribeSecret", "GetSecretValue", "PutSecretValue"])
def test_unknown_full_arn_is_resource_not_found(sm, account_id, name, op):
    arn = f"arn:aws:secretsmanager:us-east-1:{account_id}:secret:{name}/missing-AbCdEf"
    h.expect_error(lambda: NOT_FOUND_OPS[op](sm, arn), "ResourceNotFoundException", h.MSG_NOT_FOUND)


# ------------------------------------------------------------ DescribeSecret


def test_fresh_describe_has_exactly_the_recorded_members(sm, secret):
    described = sm.describe_secret(SecretId=secret["Name"])
    assert h.members(described) == FRESH_DESCRIBE  # [AWS]
    assert described["ARN"] == secret["ARN"]
    assert described["Name"] == secret["Name"]
    assert described["VersionIdsToStages"] == {secret["VersionId"]: ["AWSCURRENT"]}
    assert isinstance(described["CreatedDate"], dt.datetime)
    assert isinstance(described["LastChangedDate"], dt.datetime)
    assert described["LastChangedDate"] >= described["CreatedDate"]


def test_describe_never_returns_the_value(raw, secret):
    resp = raw.call("DescribeSecret", {"SecretId": secret["Name"]})
    assert resp.status == 200
    assert b"initial-value" not in resp.body


def test_last_accessed_date_has_day_resolution(sm, secret):
    before = h.utcnow()
    sm.get_secret_value(SecretId=secret["Name"])
    after = h.utcnow()
    described = sm.describe_secret(SecretId=secret["Name"])
    accessed = described["LastAccessedDate"].astimezone(dt.timezone.utc)
    assert (accessed.hour, accessed.minute, accessed.second, accessed.microsecond) == (0, 0, 0, 0)
    assert accessed.date() in {before.date(), after.date()}
    versions = sm.list_secret_version_ids(SecretId=secret["Name"])["Versions"]
    assert versions[0]["LastAccessedDate"].astimezone(dt.timezone.utc) == accessed


def test_describe_omits_last_accessed_date_until_read(sm, secret):
    assert "LastAccessedDate" not in sm.describe_secret(SecretId=secret["Name"])
    assert "LastAccessedDate" not in sm.list_secret_version_ids(SecretId=secret["Name"])["Versions"][0]


# ------------------------------------------------------------ GetSecretValue


def test_get_secret_value_shape(sm, secret):
    value = sm.get_secret_value(SecretId=secret["Name"])
    h.assert_request_id(value)
    assert h.members(value) == GET_VALUE_STRING
    assert value["VersionId"] == secret["VersionId"]
    assert value["VersionStages"] == ["AWSCURRENT"]
    assert value["SecretString"] == secret["Value"]


def test_get_secret_value_by_version_id_and_stage(sm, secret):
    v2 = h.token()
    sm.put_secret_value(SecretId=secret["Name"], SecretString="second", ClientRequestToken=v2)
    assert sm.get_secret_value(SecretId=secret["Name"], VersionId=secret["VersionId"])["SecretString"] == secret["Value"]
    assert sm.get_secret_value(SecretId=secret["Name"], VersionStage="AWSPREVIOUS")["VersionId"] == secret["VersionId"]
    both = sm.get_secret_value(SecretId=secret["Name"], VersionId=v2, VersionStage="AWSCURRENT")
    assert both["SecretString"] == "second"


def test_get_secret_value_unknown_version_id(sm, secret):
    missing = "00000000-0000-0000-0000-000000000000"
    h.expect_error(lambda: sm.get_secret_value(SecretId=secret["Name"], VersionId=missing),
                   "ResourceNotFoundException", h.msg_no_version(missing))


def test_get_secret_value_unknown_stage(sm, secret):
    h.expect_error(lambda: sm.get_secret_value(SecretId=secret["Name"], VersionStage="AWSPREVIOUS"),
                   "ResourceNotFoundException", h.msg_no_stage("AWSPREVIOUS"))
    h.expect_error(lambda: sm.get_secret_value(SecretId=secret["Name"], VersionStage="AWSPENDING"),
                   "ResourceNotFoundException", h.msg_no_stage("AWSPENDING"))


def test_get_secret_value_version_and_stage_mismatch(sm, secret):
    h.expect_error(lambda: sm.get_secret_value(SecretId=secret["Name"], VersionId=secret["VersionId"],
                                               VersionStage="AWSPENDING"),
                   "InvalidRequestException", h.MSG_STAGE_NOT_ON_VERSION)


# -------------------------------------------------------------- UpdateSecret


def test_update_secret_metadata_only_creates_no_version(sm, secret):
    resp = sm.update_secret(SecretId=secret["Name"], Description="new description")
    assert h.members(resp) == {"ARN", "Name"}  # [AWS] no VersionId
    described = sm.describe_secret(SecretId=secret["Name"])
    assert described["Description"] == "new description"
    assert described["VersionIdsToStages"] == {secret["VersionId"]: ["AWSCURRENT"]}


def test_update_secret_without_description_keeps_it(sm, secret):
    sm.update_secret(SecretId=secret["Name"], Description="keep me")
    sm.update_secret(SecretId=secret["Name"], SecretString="new value")
    assert sm.describe_secret(SecretId=secret["Name"])["Description"] == "keep me"


def test_update_secret_with_value_moves_current_and_previous(sm, secret):
    tok = h.token()
    resp = sm.update_secret(SecretId=secret["Name"], SecretString="v2", ClientRequestToken=tok)
    assert h.members(resp) == {"ARN", "Name", "VersionId"}
    assert resp["VersionId"] == tok
    h.assert_labels(sm, secret["Name"], {secret["VersionId"]: ["AWSPREVIOUS"], tok: ["AWSCURRENT"]})
    assert sm.get_secret_value(SecretId=secret["Name"])["SecretString"] == "v2"


def test_update_secret_value_on_empty_secret(sm, name):
    sm.create_secret(Name=name)
    tok = h.token()
    sm.update_secret(SecretId=name, SecretString="first", ClientRequestToken=tok)
    h.assert_labels(sm, name, {tok: ["AWSCURRENT"]})


def test_update_secret_changes_last_changed_date_not_created_date(sm, secret):
    before = sm.describe_secret(SecretId=secret["Name"])
    sm.update_secret(SecretId=secret["Name"], Description="changed")
    after = sm.describe_secret(SecretId=secret["Name"])
    assert after["CreatedDate"] == before["CreatedDate"]
    assert after["LastChangedDate"] >= before["LastChangedDate"]


def test_update_secret_can_switch_string_to_binary(sm, secret):
    sm.update_secret(SecretId=secret["Name"], SecretBinary=b"\x00\x01binary")
    value = sm.get_secret_value(SecretId=secret["Name"])
    assert value["SecretBinary"] == b"\x00\x01binary"
    assert "SecretString" not in value


# ---------------------------------------------------------- value validation


def test_string_and_binary_together_are_rejected(sm, name, secret):
    # [inferred] InvalidParameterException.
    new = name + "/new"
    h.expect_error(lambda: sm.create_secret(Name=new, SecretString="a", SecretBinary=b"b"),
                   "InvalidParameterException")
    h.expect_error(lambda: sm.describe_secret(SecretId=new), "ResourceNotFoundException")
    before = h.state_of(sm, secret["Name"])
    h.expect_error(lambda: sm.put_secret_value(SecretId=secret["Name"], SecretString="a",
                                               SecretBinary=b"b"),
                   "InvalidParameterException")
    assert h.state_of(sm, secret["Name"]) == before


def test_put_secret_value_without_value_is_rejected(sm, secret):
    # [inferred] InvalidRequestException "You must provide either SecretString or SecretBinary."
    before = h.state_of(sm, secret["Name"])
    h.expect_error(lambda: sm.put_secret_value(SecretId=secret["Name"]), "InvalidRequestException")
    assert h.state_of(sm, secret["Name"]) == before


def test_value_of_65536_bytes_is_accepted(sm, name):
    sm.create_secret(Name=name, SecretString="x" * 65536)
    assert len(sm.get_secret_value(SecretId=name)["SecretString"]) == 65536
    sm.put_secret_value(SecretId=name, SecretBinary=b"\xff" * 65536)
    assert sm.get_secret_value(SecretId=name)["SecretBinary"] == b"\xff" * 65536


def test_binary_over_65536_bytes_is_a_validation_error_without_echo(sm, secret):
    # [AWS] sensitive members are named without their value.
    before = h.state_of(sm, secret["Name"])
    h.expect_error(lambda: sm.put_secret_value(SecretId=secret["Name"], SecretBinary=b"\x00" * 65537),
                   "ValidationException",
                   h.validation_message(h.violation("secretBinary", h.max_len(65536))))
    assert h.state_of(sm, secret["Name"]) == before


def test_string_over_65536_characters_is_a_validation_error_without_echo(sm, name):
    h.expect_error(lambda: sm.create_secret(Name=name, SecretString="y" * 65537),
                   "ValidationException",
                   h.validation_message(h.violation("secretString", h.max_len(65536))))
    h.expect_error(lambda: sm.describe_secret(SecretId=name), "ResourceNotFoundException")


def test_empty_secret_string_is_a_validation_error(sm_raw_params, name):
    h.expect_error(lambda: sm_raw_params.create_secret(Name=name, SecretString=""),
                   "ValidationException",
                   h.validation_message(h.violation("secretString", h.min_len(1))))


def test_description_over_2048_characters_is_a_validation_error(sm, secret):
    long = "d" * 2049
    h.expect_error(lambda: sm.update_secret(SecretId=secret["Name"], Description=long),
                   "ValidationException",
                   h.validation_message(h.violation("description", h.max_len(2048), long)))
    assert "Description" not in sm.describe_secret(SecretId=secret["Name"])


def test_unicode_string_value_round_trips(sm, name):
    value = 'pässwörd "quoted" \\ \u2603 \U0001F512 {"json": [1, 2]}\n\t'
    sm.create_secret(Name=name, SecretString=value)
    assert sm.get_secret_value(SecretId=name)["SecretString"] == value


def test_binary_round_trips_through_base64_exactly(raw, sm, name):
    data = b"\x00\xff\x10 binary \x80"
    sm.create_secret(Name=name, SecretString="x")
    resp = raw.call("PutSecretValue", {"SecretId": name, "ClientRequestToken": h.token(),
                                        "SecretBinary": base64.b64encode(data).decode()})
    assert resp.status == 200, resp
    assert sm.get_secret_value(SecretId=name)["SecretBinary"] == data
