"""TagResource / UntagResource."""

import smharness as h


def tags_of(sm, sid):
    return {t["Key"]: t["Value"] for t in sm.describe_secret(SecretId=sid).get("Tags", [])}


def test_fresh_secret_has_no_tags_member(sm, secret):
    assert "Tags" not in sm.describe_secret(SecretId=secret["Name"])


def test_tag_resource_returns_empty_output(sm, secret):
    resp = sm.tag_resource(SecretId=secret["Name"], Tags=[{"Key": "a", "Value": "1"}])
    assert h.members(resp) == set()
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 200
    h.assert_request_id(resp)


def test_tag_resource_raw_body_is_empty_or_empty_object(raw, secret):
    resp = raw.call("TagResource", {"SecretId": secret["Name"], "Tags": [{"Key": "a", "Value": "1"}]})
    assert resp.status == 200, resp
    assert resp.json == {}
    resp = raw.call("UntagResource", {"SecretId": secret["Name"], "TagKeys": ["a"]})
    assert resp.status == 200, resp
    assert resp.json == {}


def test_tags_merge_and_overwrite(sm, secret):
    sid = secret["Name"]
    sm.tag_resource(SecretId=sid, Tags=[{"Key": "FirstTag", "Value": "SomeValue"}])
    sm.tag_resource(SecretId=sid, Tags=[{"Key": "FirstTag", "Value": "SomeOtherValue"}])
    sm.tag_resource(SecretId=secret["ARN"], Tags=[{"Key": "SecondTag", "Value": "AnotherValue"}])
    assert tags_of(sm, sid) == {"FirstTag": "SomeOtherValue", "SecondTag": "AnotherValue"}


def test_tag_keys_are_case_sensitive_and_values_may_be_empty(sm, secret):
    sid = secret["Name"]
    sm.tag_resource(SecretId=sid, Tags=[{"Key": "ABC", "Value": "upper"},
                                        {"Key": "abc", "Value": ""}])
    assert tags_of(sm, sid) == {"ABC": "upper", "abc": ""}


def test_untag_removes_keys_and_ignores_unknown_ones(sm, secret):
    sid = secret["Name"]
    sm.tag_resource(SecretId=sid, Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
    resp = sm.untag_resource(SecretId=sid, TagKeys=["a", "does-not-exist"])
    assert h.members(resp) == set()
    assert tags_of(sm, sid) == {"b": "2"}


def test_removing_all_tags_leaves_an_empty_list(sm, secret):
    """[AWS] test_secret_tags: after removing the last tag, "Tags": []."""
    sid = secret["Name"]
    sm.tag_resource(SecretId=sid, Tags=[{"Key": "tag1", "Value": "value1"}])
    sm.untag_resource(SecretId=sid, TagKeys=["tag1"])
    described = sm.describe_secret(SecretId=sid)
    assert described["Tags"] == []


def test_tags_do_not_create_versions_but_change_last_changed_date(sm, secret):
    sid = secret["Name"]
    before = sm.describe_secret(SecretId=sid)
    sm.tag_resource(SecretId=sid, Tags=[{"Key": "k", "Value": "v"}])
    after = sm.describe_secret(SecretId=sid)
    assert after["VersionIdsToStages"] == before["VersionIdsToStages"]
    assert after["LastChangedDate"] >= before["LastChangedDate"]


def test_tags_appear_in_list_secrets(sm, secret):
    sm.tag_resource(SecretId=secret["Name"], Tags=[{"Key": "listed", "Value": "yes"}])
    [entry] = h.list_all_secrets(sm, Filters=[{"Key": "name", "Values": [secret["Name"]]}])
    assert entry["Tags"] == [{"Key": "listed", "Value": "yes"}]


def test_fifty_tags_are_allowed(sm, secret):
    tags = [{"Key": f"k{i:02d}", "Value": f"v{i}"} for i in range(50)]
    sm.tag_resource(SecretId=secret["Name"], Tags=tags)
    assert len(tags_of(sm, secret["Name"])) == 50


def test_more_than_fifty_tags_are_rejected(sm, secret):
    # Quota: 50 tags per secret; AWS's exact code for this case is not recorded.
    sm.tag_resource(SecretId=secret["Name"], Tags=[{"Key": f"k{i:02d}", "Value": "v"} for i in range(50)])
    before = h.state_of(sm, secret["Name"])
    h.expect_error(lambda: sm.tag_resource(SecretId=secret["Name"], Tags=[{"Key": "one-more", "Value": "v"}]),
                   None, codes={"ValidationException", "InvalidParameterException", "LimitExceededException"})
    assert h.state_of(sm, secret["Name"]) == before


def test_tag_key_of_128_is_allowed_and_129_is_a_validation_error(sm, secret):
    sm.tag_resource(SecretId=secret["Name"], Tags=[{"Key": "K" * 128, "Value": "v"}])
    key = "K" * 129
    h.expect_error(lambda: sm.tag_resource(SecretId=secret["Name"], Tags=[{"Key": key, "Value": "v"}]),
                   "ValidationException",
                   h.validation_message(h.violation("tags.1.member.key", h.max_len(128), key)))
    assert key not in tags_of(sm, secret["Name"])


def test_tag_value_over_256_is_a_validation_error(sm, secret):
    value = "V" * 257
    h.expect_error(lambda: sm.tag_resource(SecretId=secret["Name"],
                                           Tags=[{"Key": "ok", "Value": "fine"}, {"Key": "k", "Value": value}]),
                   "ValidationException",
                   h.validation_message(h.violation("tags.2.member.value", h.max_len(256), value)))
    assert tags_of(sm, secret["Name"]) == {}


def test_untag_key_over_128_is_a_validation_error(sm, secret):
    key = "K" * 129
    h.expect_error(lambda: sm.untag_resource(SecretId=secret["Name"], TagKeys=[key]),
                   "ValidationException")


def test_aws_prefixed_tag_keys_are_reserved(sm, secret):
    # [inferred] code; the key must not be stored.
    h.expect_error(lambda: sm.tag_resource(SecretId=secret["Name"], Tags=[{"Key": "aws:reserved", "Value": "v"}]),
                   None, codes={"ValidationException", "InvalidParameterException"})
    assert "aws:reserved" not in tags_of(sm, secret["Name"])


def test_tag_resource_without_tags_member(sm_raw_params, secret):
    h.expect_error(lambda: sm_raw_params.tag_resource(SecretId=secret["Name"]),
                   "ValidationException",
                   h.validation_message(h.violation("tags", h.NOT_NULL, None)))
