"""BatchGetSecretValue by SecretIdList and by Filters."""

import datetime as dt

import pytest

import smharness as h

ENTRY_STRING = {"ARN", "Name", "VersionId", "SecretString", "VersionStages", "CreatedDate"}
ENTRY_BINARY = {"ARN", "Name", "VersionId", "SecretBinary", "VersionStages", "CreatedDate"}


@pytest.fixture
def pair(sm, name):
    a = sm.create_secret(Name=f"{name}/a", SecretString="value-a")
    b = sm.create_secret(Name=f"{name}/b", SecretBinary=b"\x00value-b")
    return name, a, b


def test_by_ids_returns_values_and_errors(sm, pair):
    prefix, a, b = pair
    missing = f"{prefix}/missing"
    resp = sm.batch_get_secret_value(SecretIdList=[a["Name"], b["ARN"], missing])
    h.assert_request_id(resp)
    by_arn = {v["ARN"]: v for v in resp["SecretValues"]}
    assert set(by_arn) == {a["ARN"], b["ARN"]}
    va, vb = by_arn[a["ARN"]], by_arn[b["ARN"]]
    assert set(va) == ENTRY_STRING and set(vb) == ENTRY_BINARY
    assert va["SecretString"] == "value-a" and va["VersionId"] == a["VersionId"]
    assert va["VersionStages"] == ["AWSCURRENT"] and va["Name"] == a["Name"]
    assert vb["SecretBinary"] == b"\x00value-b"
    assert isinstance(va["CreatedDate"], dt.datetime)
    assert resp["Errors"] == [{"SecretId": missing, "ErrorCode": "ResourceNotFoundException",
                               "Message": h.MSG_NOT_FOUND}]


def test_by_ids_keeps_request_order(sm, pair):
    prefix, a, b = pair
    resp = sm.batch_get_secret_value(SecretIdList=[b["Name"], a["Name"]])
    assert [v["Name"] for v in resp["SecretValues"]] == [b["Name"], a["Name"]]
    assert resp.get("Errors", []) == []


def test_by_ids_only_missing(sm, name):
    ids = [f"{name}/x", f"{name}/y"]
    resp = sm.batch_get_secret_value(SecretIdList=ids)
    assert resp.get("SecretValues", []) == []
    assert [e["SecretId"] for e in resp["Errors"]] == ids
    assert {e["ErrorCode"] for e in resp["Errors"]} == {"ResourceNotFoundException"}


def test_by_ids_with_scheduled_secret(sm, pair):
    # [doc] scheduled secrets become InvalidRequestException entries.
    prefix, a, b = pair
    sm.delete_secret(SecretId=a["Name"])
    resp = sm.batch_get_secret_value(SecretIdList=[a["Name"], b["Name"]])
    assert [v["Name"] for v in resp["SecretValues"]] == [b["Name"]]
    [err] = resp["Errors"]
    assert err["SecretId"] == a["Name"] and err["ErrorCode"] == "InvalidRequestException"


def test_by_ids_returns_the_current_version(sm, secret):
    v2 = h.token()
    sm.put_secret_value(SecretId=secret["Name"], SecretString="second", ClientRequestToken=v2)
    sm.put_secret_value(SecretId=secret["Name"], SecretString="pending", VersionStages=["AWSPENDING"])
    [value] = sm.batch_get_secret_value(SecretIdList=[secret["Name"]])["SecretValues"]
    assert value["VersionId"] == v2 and value["SecretString"] == "second"


def test_batch_get_sets_last_accessed_date(sm, secret):
    assert "LastAccessedDate" not in sm.describe_secret(SecretId=secret["Name"])
    sm.batch_get_secret_value(SecretIdList=[secret["Name"]])
    assert "LastAccessedDate" in sm.describe_secret(SecretId=secret["Name"])


def test_by_filters_with_pagination(sm, name):
    expected = {}
    for i in range(5):
        n = f"{name}/f{i}"
        sm.create_secret(Name=n, SecretString=f"value-{i}")
        expected[n] = f"value-{i}"
    sm.create_secret(Name=f"{name}/gone", SecretString="gone")
    sm.delete_secret(SecretId=f"{name}/gone")  # scheduled secrets are not returned
    kwargs = {"Filters": [{"Key": "name", "Values": [name + "/"]}], "MaxResults": 2}
    got, pages = {}, 0
    while True:
        resp = sm.batch_get_secret_value(**kwargs)
        pages += 1
        assert len(resp["SecretValues"]) <= 2
        for v in resp["SecretValues"]:
            assert v["Name"] not in got
            got[v["Name"]] = v["SecretString"]
        if not resp.get("NextToken"):
            break
        kwargs["NextToken"] = resp["NextToken"]
        assert pages <= 20
    assert got == expected


def test_by_filters_uses_list_secrets_semantics(sm, name):
    sm.create_secret(Name=f"{name}/tagged", SecretString="t", Tags=[{"Key": "batch", "Value": "yes"}])
    sm.create_secret(Name=f"{name}/untagged", SecretString="u")
    resp = sm.batch_get_secret_value(Filters=[{"Key": "name", "Values": [name + "/"]},
                                              {"Key": "tag-key", "Values": ["batch"]}])
    assert [v["Name"] for v in resp["SecretValues"]] == [f"{name}/tagged"]


def test_ids_and_filters_together_are_invalid(sm, secret):
    h.expect_error(lambda: sm.batch_get_secret_value(SecretIdList=[secret["Name"]],
                                                     Filters=[{"Key": "name", "Values": ["x"]}]),
                   "InvalidParameterException")


def test_neither_ids_nor_filters_is_invalid(sm):
    h.expect_error(lambda: sm.batch_get_secret_value(), "InvalidParameterException")


def test_max_results_with_ids_is_invalid(sm, secret):
    h.expect_error(lambda: sm.batch_get_secret_value(SecretIdList=[secret["Name"]], MaxResults=5),
                   "InvalidParameterException")


def test_more_than_20_ids_is_a_validation_error(sm, name):
    ids = [f"{name}/{i}" for i in range(21)]
    resp = h.expect_error(lambda: sm.batch_get_secret_value(SecretIdList=ids), "ValidationException")
    message = resp["Error"]["Message"]
    assert message.startswith("1 validation error detected: Value "), message
    assert message.endswith("at 'secretIdList' failed to satisfy constraint: "
                            "Member must have length less than or equal to 20"), message


def test_max_results_over_20_is_a_validation_error(sm):
    h.expect_error(lambda: sm.batch_get_secret_value(Filters=[{"Key": "name", "Values": ["x"]}],
                                                     MaxResults=21),
                   "ValidationException",
                   h.validation_message(h.violation("maxResults", h.max_value(20), 21)))


def test_invalid_next_token(sm):
    h.expect_error(lambda: sm.batch_get_secret_value(Filters=[{"Key": "name", "Values": ["x"]}],
                                                     NextToken="not-a-valid-token"),
                   "InvalidNextTokenException")
