"""The awsJson1.1 wire protocol, driven with raw signed requests: routing by
X-Amz-Target, body parsing, model validation with Coral's messages, response
framing. Every rejection is a 400 (never a 5xx: SDKs retry those) and leaves
the state unchanged."""

import json

import pytest

import smharness as h


@pytest.fixture
def before(sm, secret):
    return h.state_of(sm, secret["Name"])


def assert_unchanged(sm, secret, before):
    assert h.state_of(sm, secret["Name"]) == before
    assert sm.get_secret_value(SecretId=secret["Name"])["SecretString"] == secret["Value"]


# ----------------------------------------------------------------- routing


@pytest.mark.parametrize("target", ["secretsmanager.NoSuchOperation", "secretsmanager.",
                                    "NotAService.GetSecretValue"])
def test_unknown_target_is_unknown_operation(raw, target):
    resp = raw.call(target, {})
    h.assert_raw_error(resp, "UnknownOperationException")


def test_missing_target_is_a_client_error(raw, secret):
    req = raw.build("GetSecretValue", {"SecretId": secret["Name"]})
    del req.headers["X-Amz-Target"]
    raw.sign(req)
    resp = raw.send(req)
    assert resp.status == 400, resp
    assert resp.code, resp
    assert resp.request_id


# ------------------------------------------------------------- body parsing


@pytest.mark.parametrize("body", ["{not json", '{"SecretId": ', '{"SecretId": "x"', "[]", '"a string"',
                                  "{'SecretId': 'single quotes'}", "\xff\xfe"])
def test_body_that_is_not_a_json_object_is_a_serialization_error(raw, body):
    data = body.encode("latin-1") if body.startswith("\xff") else body.encode()
    h.assert_raw_error(raw.call("GetSecretValue", data), "SerializationException")


@pytest.mark.parametrize("body", ["", "null"])
def test_empty_or_null_body_is_a_client_error(raw, body):
    resp = raw.call("GetSecretValue", body.encode())
    h.assert_raw_error(resp, None, codes={"SerializationException", "ValidationException"})


WRONG_TYPES = {
    "secret-id-number": ("GetSecretValue", {"SecretId": 123}),
    "secret-id-bool": ("GetSecretValue", {"SecretId": True}),
    "secret-id-list": ("GetSecretValue", {"SecretId": ["x"]}),
    "secret-id-object": ("GetSecretValue", {"SecretId": {"Name": "x"}}),
    "length-string": ("GetRandomPassword", {"PasswordLength": "abc"}),
    "bool-string": ("GetRandomPassword", {"ExcludeNumbers": "yes"}),
    "filters-object": ("ListSecrets", {"Filters": {"Key": "name", "Values": ["x"]}}),
    "filter-values-string": ("ListSecrets", {"Filters": [{"Key": "name", "Values": "x"}]}),
    "max-results-string": ("ListSecrets", {"MaxResults": "ten"}),
}


@pytest.mark.parametrize("kind", sorted(WRONG_TYPES))
def test_wrong_json_types_are_serialization_errors(raw, kind):
    target, body = WRONG_TYPES[kind]
    h.assert_raw_error(raw.call(target, body), "SerializationException")


WRONG_TYPED_WRITES = {
    "tags-string": ("TagResource", {"Tags": "team=a"}),
    "tag-key-number": ("TagResource", {"Tags": [{"Key": 1, "Value": "v"}]}),
    "binary-not-base64": ("PutSecretValue", {"SecretBinary": "!!! not base64 !!!", "ClientRequestToken": None}),
    "binary-number": ("PutSecretValue", {"SecretBinary": 42, "ClientRequestToken": None}),
    "string-object": ("PutSecretValue", {"SecretString": {"user": "a"}, "ClientRequestToken": None}),
    "stages-string": ("PutSecretValue", {"SecretString": "x", "VersionStages": "AWSCURRENT",
                                         "ClientRequestToken": None}),
    "description-number": ("UpdateSecret", {"Description": 7, "ClientRequestToken": None}),
}


@pytest.mark.parametrize("kind", sorted(WRONG_TYPED_WRITES))
def test_wrong_types_in_writes_change_nothing(raw, sm, secret, before, kind):
    target, body = WRONG_TYPED_WRITES[kind]
    body = dict(body, SecretId=secret["Name"])
    if "ClientRequestToken" in body:
        body["ClientRequestToken"] = h.token()
    h.assert_raw_error(raw.call(target, body), "SerializationException")
    assert_unchanged(sm, secret, before)


def test_duplicate_top_level_keys_are_rejected(raw, sm, secret):
    body = '{"SecretId": "%s", "SecretId": "%s"}' % (secret["Name"], secret["Name"] + "-other")
    h.assert_raw_error(raw.call("GetSecretValue", body), "SerializationException")


def test_duplicate_value_keys_in_a_write_are_rejected_and_store_nothing(raw, sm, secret, before):
    tok = h.token()
    body = ('{"SecretId": "%s", "ClientRequestToken": "%s", "SecretString": "first", '
            '"SecretString": "second"}') % (secret["Name"], tok)
    h.assert_raw_error(raw.call("PutSecretValue", body), "SerializationException")
    assert_unchanged(sm, secret, before)
    h.expect_error(lambda: sm.get_secret_value(SecretId=secret["Name"], VersionId=tok),
                   "ResourceNotFoundException")


def test_duplicate_keys_in_nested_objects_are_rejected(raw, sm, secret, before):
    body = ('{"SecretId": "%s", "Tags": [{"Key": "a", "Key": "b", "Value": "v"}]}') % secret["Name"]
    h.assert_raw_error(raw.call("TagResource", body), "SerializationException")
    assert_unchanged(sm, secret, before)


def test_unknown_members_are_ignored(raw, secret):
    resp = raw.call("GetSecretValue", {"SecretId": secret["Name"], "NotAMember": 1,
                                       "AlsoUnknown": {"x": [1, 2]}})
    assert resp.status == 200, resp
    assert resp.json["SecretString"] == secret["Value"]


# ---------------------------------------------------------- model validation


MISSING_REQUIRED = {
    "GetSecretValue": ({}, "secretId"),
    "DescribeSecret": ({}, "secretId"),
    "CreateSecret": ({"SecretString": "x"}, "name"),
    "UpdateSecretVersionStage": ({"SecretId": "{sid}"}, "versionStage"),
    "PutResourcePolicy": ({"SecretId": "{sid}"}, "resourcePolicy"),
    "TagResource": ({"SecretId": "{sid}"}, "tags"),
    "UntagResource": ({"SecretId": "{sid}"}, "tagKeys"),
    "ValidateResourcePolicy": ({}, "resourcePolicy"),
    "ReplicateSecretToRegions": ({"SecretId": "{sid}"}, "addReplicaRegions"),
    "RemoveRegionsFromReplication": ({"SecretId": "{sid}"}, "removeReplicaRegions"),
}


@pytest.mark.parametrize("op", sorted(MISSING_REQUIRED))
def test_missing_required_member(raw, sm, secret, before, op):
    body, member = MISSING_REQUIRED[op]
    body = {k: (v.format(sid=secret["Name"]) if isinstance(v, str) else v) for k, v in body.items()}
    if op == "CreateSecret":
        body["ClientRequestToken"] = h.token()
    resp = raw.call(op, body)
    h.assert_raw_error(resp, "ValidationException",
                       h.validation_message(h.violation(member, h.NOT_NULL, None)))
    assert_unchanged(sm, secret, before)


def test_secret_id_over_2048_characters(raw):
    sid = "a" * 2049
    h.assert_raw_error(raw.call("DescribeSecret", {"SecretId": sid}), "ValidationException",
                       h.validation_message(h.violation("secretId", h.max_len(2048), sid)))


def test_empty_secret_id(raw):
    h.assert_raw_error(raw.call("DescribeSecret", {"SecretId": ""}), "ValidationException",
                       h.validation_message(h.violation("secretId", h.min_len(1), "")))


@pytest.mark.parametrize("member,value,allowed", [
    ("SortOrder", "sideways", {"asc", "desc"}),
    ("SortBy", "size", {"created-date", "last-accessed-date", "last-changed-date", "name"}),
])
def test_bad_enum_value(raw, member, value, allowed):
    resp = raw.call("ListSecrets", {member: value})
    path = member[0].lower() + member[1:]
    h.assert_raw_error(resp, "ValidationException")
    assert resp.message.startswith(
        f"1 validation error detected: Value '{value}' at '{path}' failed to satisfy constraint: "
        + h.ENUM_PREFIX), resp
    assert resp.message.endswith("]"), resp
    assert h.parse_enum_set(resp.message) == allowed


def test_two_violations_are_reported_together(raw):
    chars = "x" * 4097
    resp = raw.call("GetRandomPassword", {"PasswordLength": 5000, "ExcludeCharacters": chars})
    h.assert_raw_error(resp, "ValidationException")
    first = h.violation("passwordLength", h.max_value(4096), 5000)
    second = h.violation("excludeCharacters", h.max_len(4096), chars)
    assert resp.message in {
        "2 validation errors detected: " + first + "; " + second,
        "2 validation errors detected: " + second + "; " + first,
    }, resp


def test_validation_precedes_existence(raw, name):
    # An unknown secret with an invalid member is a ValidationException, not a
    # ResourceNotFoundException.
    resp = raw.call("ListSecretVersionIds", {"SecretId": name, "MaxResults": 1000})
    h.assert_raw_error(resp, "ValidationException",
                       h.validation_message(h.violation("maxResults", h.max_value(100), 1000)))


def test_oversized_body_is_a_client_error(raw):
    body = json.dumps({"SecretId": "x", "Padding": "p" * (2 * 1024 * 1024)})
    resp = raw.call("GetSecretValue", body)
    assert 400 <= resp.status < 500, resp


# ---------------------------------------------------------- response framing


def test_success_response_framing(raw, secret):
    first = raw.call("DescribeSecret", {"SecretId": secret["Name"]})
    second = raw.call("DescribeSecret", {"SecretId": secret["Name"]})
    for resp in (first, second):
        assert resp.status == 200, resp
        assert resp.headers.get("content-type", "").split(";")[0].strip() == h.JSON_CT
        assert resp.request_id
    assert first.request_id != second.request_id


def test_error_response_framing(raw, name):
    resp = raw.call("DescribeSecret", {"SecretId": name})
    h.assert_raw_error(resp, "ResourceNotFoundException", h.MSG_NOT_FOUND)
    assert resp.headers.get("content-type", "").split(";")[0].strip() == h.JSON_CT
    body = resp.json
    assert body["__type"].rsplit("#", 1)[-1] == "ResourceNotFoundException"
    assert body["Message"] == h.MSG_NOT_FOUND  # service errors use capital-M Message


def _walk(value, path="$"):
    if value is None:
        raise AssertionError(f"null at {path}")
    if isinstance(value, dict):
        for k, v in value.items():
            _walk(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _walk(v, f"{path}[{i}]")


def test_no_nulls_and_numeric_timestamps_on_the_wire(raw, sm, secret):
    sid = secret["Name"]
    sm.get_secret_value(SecretId=sid)
    sm.put_secret_value(SecretId=sid, SecretString="v2", VersionStages=["CUSTOM"])
    responses = {
        "DescribeSecret": raw.call("DescribeSecret", {"SecretId": sid}),
        "GetSecretValue": raw.call("GetSecretValue", {"SecretId": sid}),
        "ListSecretVersionIds": raw.call("ListSecretVersionIds", {"SecretId": sid, "IncludeDeprecated": True}),
        "ListSecrets": raw.call("ListSecrets", {"Filters": [{"Key": "name", "Values": [sid]}]}),
        "GetResourcePolicy": raw.call("GetResourcePolicy", {"SecretId": sid}),
    }
    for op, resp in responses.items():
        assert resp.status == 200, (op, resp)
        _walk(resp.json, op)
    described = responses["DescribeSecret"].json
    for member in ("CreatedDate", "LastChangedDate", "LastAccessedDate"):
        assert isinstance(described[member], (int, float)) and not isinstance(described[member], bool), described
    assert isinstance(responses["GetSecretValue"].json["CreatedDate"], (int, float))
    for v in responses["ListSecretVersionIds"].json["Versions"]:
        assert isinstance(v["CreatedDate"], (int, float))
    [entry] = responses["ListSecrets"].json["SecretList"]
    assert isinstance(entry["CreatedDate"], (int, float))
    assert "SecretVersionsToStages" in entry and "VersionIdsToStages" not in entry
    assert "VersionIdsToStages" in described and "SecretVersionsToStages" not in described


def test_get_returns_exactly_one_value_member_on_the_wire(raw, sm, secret):
    resp = raw.call("GetSecretValue", {"SecretId": secret["Name"]})
    assert "SecretString" in resp.json and "SecretBinary" not in resp.json
