"""KMS tags (TagResource / UntagResource / ListResourceTags, TagKey/TagValue)
and key policies (GetKeyPolicy / PutKeyPolicy / ListKeyPolicies, the single
policy "default")."""

import json

import pytest

import smharness as h


def tags(**kv):
    return [{"TagKey": k, "TagValue": v} for k, v in kv.items()]


def tag_map(kms, key_id):
    listed = h.list_all(kms.list_resource_tags, "Tags", KeyId=key_id)
    keys = [t["TagKey"] for t in listed]
    assert len(keys) == len(set(keys)), listed
    for t in listed:
        assert set(t) == {"TagKey", "TagValue"}, t
    return {t["TagKey"]: t["TagValue"] for t in listed}


# ---------------------------------------------------------------------- tags


def test_a_new_key_has_no_tags(kms, key):
    resp = kms.list_resource_tags(KeyId=key["KeyId"])
    assert resp["Tags"] == []
    assert resp["Truncated"] is False
    assert "NextMarker" not in resp


def test_create_key_with_tags(kms):
    md = kms.create_key(Tags=tags(tag1="value1", tag2="value2"))["KeyMetadata"]
    assert tag_map(kms, md["KeyId"]) == {"tag1": "value1", "tag2": "value2"}


def test_tag_update_and_untag(kms, key):
    kid = key["KeyId"]
    resp = kms.tag_resource(KeyId=kid, Tags=tags(tag1="value1", tag2="value2", tag3="value3"))
    assert h.members(resp) == set()
    assert tag_map(kms, kid) == {"tag1": "value1", "tag2": "value2", "tag3": "value3"}
    # [AWS] re-tagging overwrites values and adds new keys.
    kms.tag_resource(KeyId=key["Arn"], Tags=tags(tag2="updated_value2", tag4="value4"))
    assert tag_map(kms, kid) == {"tag1": "value1", "tag2": "updated_value2", "tag3": "value3",
                                 "tag4": "value4"}
    # [AWS] partial untag; unknown tag keys are ignored.
    resp = kms.untag_resource(KeyId=kid, TagKeys=["tag2", "never-set"])
    assert h.members(resp) == set()
    assert tag_map(kms, kid) == {"tag1": "value1", "tag3": "value3", "tag4": "value4"}
    kms.untag_resource(KeyId=kid, TagKeys=["tag1", "tag3", "tag4"])
    assert tag_map(kms, kid) == {}


def test_tag_values_may_be_empty_and_keys_are_case_sensitive(kms, key):
    kms.tag_resource(KeyId=key["KeyId"], Tags=tags(Env="", env="x"))
    assert tag_map(kms, key["KeyId"]) == {"Env": "", "env": "x"}


def test_tags_of_a_disabled_key(kms, key):
    kms.disable_key(KeyId=key["KeyId"])
    kms.tag_resource(KeyId=key["KeyId"], Tags=tags(state="disabled"))
    assert tag_map(kms, key["KeyId"]) == {"state": "disabled"}


def test_list_resource_tags_pages(kms, key):
    kms.tag_resource(KeyId=key["KeyId"], Tags=tags(a="1", b="2", c="3"))
    listed = h.list_all(kms.list_resource_tags, "Tags", limit=1, KeyId=key["KeyId"])
    assert sorted((t["TagKey"], t["TagValue"]) for t in listed) == [("a", "1"), ("b", "2"),
                                                                  ("c", "3")]


@pytest.mark.parametrize("reserved", ["aws:key1", "AWS:key1", "Aws:x"])
def test_reserved_tag_prefix(kms, key, reserved):
    # [AWS] TagException "Tags beginning with aws: are reserved" (LocalStack,
    # validated), whatever the case of the prefix.
    h.expect_error(lambda: kms.tag_resource(KeyId=key["KeyId"],
                                            Tags=[{"TagKey": reserved, "TagValue": "v"}]),
                   "TagException", "Tags beginning with aws: are reserved")
    assert tag_map(kms, key["KeyId"]) == {}
    h.expect_error(lambda: kms.create_key(Tags=[{"TagKey": reserved, "TagValue": "v"}]),
                   "TagException", "Tags beginning with aws: are reserved")


def test_duplicate_tag_keys_in_one_request(kms, key):
    # [AWS] TagException.
    h.expect_error(lambda: kms.tag_resource(KeyId=key["KeyId"], Tags=[
        {"TagKey": "tag1", "TagValue": "value1"},
        {"TagKey": "tag1", "TagValue": "another-value1"}]), "TagException")
    assert tag_map(kms, key["KeyId"]) == {}


def test_too_many_tags_at_creation(kms):
    # [AWS] 51 tags → TagException; no key is created.
    before = len(h.list_all(kms.list_keys, "Keys"))
    h.expect_error(lambda: kms.create_key(Tags=[{"TagKey": f"key{i}", "TagValue": f"v{i}"}
                                                for i in range(51)]), "TagException")
    assert len(h.list_all(kms.list_keys, "Keys")) == before


def test_fifty_tags_are_fine(kms, key):
    kms.tag_resource(KeyId=key["KeyId"], Tags=[{"TagKey": f"key{i}", "TagValue": f"v{i}"}
                                               for i in range(50)])
    assert len(tag_map(kms, key["KeyId"])) == 50


def test_tag_length_limits_are_coral_messages(kms_raw_params, key):
    # [AWS] shapes of both messages.
    long_key = "a" * 129
    h.expect_error(lambda: kms_raw_params.tag_resource(
        KeyId=key["KeyId"], Tags=[{"TagKey": long_key, "TagValue": "v"}]), "ValidationException",
        h.validation_message(h.violation("tags.1.member.tagKey", h.max_len(128), long_key)))
    long_value = "v" * 257
    h.expect_error(lambda: kms_raw_params.tag_resource(
        KeyId=key["KeyId"], Tags=[{"TagKey": "k", "TagValue": long_value}]), "ValidationException",
        h.validation_message(h.violation("tags.1.member.tagValue", h.max_len(256), long_value)))
    h.expect_error(lambda: kms_raw_params.tag_resource(
        KeyId=key["KeyId"], Tags=[{"TagKey": "", "TagValue": "v"}]), "ValidationException",
        h.validation_message(h.violation("tags.1.member.tagKey", h.min_len(1), "")))


# ------------------------------------------------------------------ policies


def test_a_new_key_has_the_default_policy(kms, key):
    resp = kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")
    assert {"Policy"} <= h.members(resp) <= {"Policy", "PolicyName"}
    assert resp.get("PolicyName", "default") == "default"
    # [AWS] the default key policy.
    assert json.loads(resp["Policy"]) == h.default_key_policy(key["AWSAccountId"])
    # PolicyName is optional and defaults to "default" [doc].
    assert json.loads(kms.get_key_policy(KeyId=key["Arn"])["Policy"]) == json.loads(resp["Policy"])


def test_list_key_policies(kms, key):
    resp = kms.list_key_policies(KeyId=key["KeyId"])
    assert h.members(resp) == {"PolicyNames", "Truncated"}
    assert resp["PolicyNames"] == ["default"]  # [AWS]
    assert resp["Truncated"] is False


def custom_policy(account: str, extra_action: str) -> dict:
    policy = h.default_key_policy(account)
    policy["Statement"].append({
        "Sid": "Compat extra",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
        "Action": extra_action,
        "Resource": "*",
    })
    return policy


def test_put_key_policy_then_get(kms, key):
    policy = custom_policy(key["AWSAccountId"], "kms:ListGrants")
    resp = kms.put_key_policy(KeyId=key["KeyId"], PolicyName="default", Policy=json.dumps(policy))
    assert h.members(resp) == set()
    # [AWS] the stored text may be reformatted; compare as JSON.
    got = kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"]
    assert json.loads(got) == policy
    assert kms.list_key_policies(KeyId=key["KeyId"])["PolicyNames"] == ["default"]


def test_create_key_with_a_policy(kms):
    account = kms.create_key()["KeyMetadata"]["AWSAccountId"]
    policy = custom_policy(account, "kms:ListAliases")
    md = kms.create_key(Policy=json.dumps(policy))["KeyMetadata"]
    assert json.loads(kms.get_key_policy(KeyId=md["KeyId"], PolicyName="default")["Policy"]) == policy


@pytest.mark.parametrize("document", [
    "{not json",
    "[]",
    '{"Version": "2012-10-17"}',
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Maybe", "Action": "kms:*", '
    '"Resource": "*", "Principal": "*"}]}',
], ids=["not-json", "array", "no-statement", "bad-effect"])
def test_malformed_key_policy(kms, key, document):
    h.expect_error(lambda: kms.put_key_policy(KeyId=key["KeyId"], PolicyName="default",
                                              Policy=document),
                   "MalformedPolicyDocumentException")
    assert json.loads(kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"]) == \
        h.default_key_policy(key["AWSAccountId"])


def test_create_key_with_a_malformed_policy_creates_nothing(kms):
    before = len(h.list_all(kms.list_keys, "Keys"))
    h.expect_error(lambda: kms.create_key(Policy="{not json"), "MalformedPolicyDocumentException")
    assert len(h.list_all(kms.list_keys, "Keys")) == before


def test_only_the_default_policy_exists(kms, key):
    # [inferred] NotFoundException for any other policy name.
    h.expect_error(lambda: kms.get_key_policy(KeyId=key["KeyId"], PolicyName="other"),
                   "NotFoundException")


def test_policy_name_pattern_is_a_coral_message(kms_raw_params, key):
    h.expect_error(lambda: kms_raw_params.get_key_policy(KeyId=key["KeyId"], PolicyName="no-dash"),
                   "ValidationException",
                   h.validation_message(h.violation("policyName",
                                                    "satisfy regular expression pattern: [\\w]+",
                                                    "no-dash")))
