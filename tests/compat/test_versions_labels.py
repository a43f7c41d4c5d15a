"""Versions and staging labels (reference 3.4): the five recorded AWS label
sequences, the label traps of checklist section 9, UpdateSecretVersionStage
and ListSecretVersionIds."""

import pytest

import smharness as h


def put(sm, sid, value, stages=None):
    tok = h.token()
    kwargs = {"SecretId": sid, "SecretString": value, "ClientRequestToken": tok}
    if stages is not None:
        kwargs["VersionStages"] = stages
    resp = sm.put_secret_value(**kwargs)
    assert resp["VersionId"] == tok
    return tok, resp


def move(sm, sid, stage, to=None, remove_from=None):
    kwargs = {"SecretId": sid, "VersionStage": stage}
    if to is not None:
        kwargs["MoveToVersionId"] = to
    if remove_from is not None:
        kwargs["RemoveFromVersionId"] = remove_from
    resp = sm.update_secret_version_stage(**kwargs)
    assert h.members(resp) == {"ARN", "Name"}  # [AWS]
    return resp


def value_at(sm, sid, **kwargs):
    return sm.get_secret_value(SecretId=sid, **kwargs)["SecretString"]


# ------------------------------------------------ recorded golden sequences


def test_sequence_1_current_drags_previous_and_deprecates(sm, secret):
    """[AWS] create v1; put v2; put v3 -> v1 deprecated, v2 AWSPREVIOUS, v3 AWSCURRENT."""
    sid, v1 = secret["Name"], secret["VersionId"]
    h.assert_labels(sm, sid, {v1: ["AWSCURRENT"]})
    v2, resp = put(sm, sid, "v2")
    assert resp["VersionStages"] == ["AWSCURRENT"]
    h.assert_labels(sm, sid, {v1: ["AWSPREVIOUS"], v2: ["AWSCURRENT"]})
    v3, _ = put(sm, sid, "v3")
    h.assert_labels(sm, sid, {v1: [], v2: ["AWSPREVIOUS"], v3: ["AWSCURRENT"]})
    # A deprecated version stays readable by VersionId, without stages.
    old = sm.get_secret_value(SecretId=sid, VersionId=v1)
    assert old["SecretString"] == secret["Value"]
    assert old.get("VersionStages", []) == []
    assert value_at(sm, sid, VersionStage="AWSPREVIOUS") == "v2"


def test_sequence_2_pending_cycle(sm, name):
    """[AWS] test_update_secret_version_stages_current_pending_cycle."""
    v1 = h.token()
    sm.create_secret(Name=name, SecretString="S1", ClientRequestToken=v1)
    v2, resp = put(sm, name, "S2", ["AWSPENDING"])
    assert resp["VersionStages"] == ["AWSPENDING"]
    h.assert_labels(sm, name, {v1: ["AWSCURRENT"], v2: ["AWSPENDING"]})
    assert value_at(sm, name) == "S1"

    move(sm, name, "AWSCURRENT", to=v2, remove_from=v1)
    h.assert_labels(sm, name, {v1: ["AWSPREVIOUS"], v2: ["AWSCURRENT", "AWSPENDING"]})
    assert value_at(sm, name) == "S2"

    v3, resp = put(sm, name, "S3", ["AWSPENDING"])
    assert resp["VersionStages"] == ["AWSPENDING"]
    h.assert_labels(sm, name, {v1: ["AWSPREVIOUS"], v2: ["AWSCURRENT"], v3: ["AWSPENDING"]})
    assert value_at(sm, name) == "S2"

    move(sm, name, "AWSCURRENT", to=v3, remove_from=v2)
    h.assert_labels(sm, name, {v1: [], v2: ["AWSPREVIOUS"], v3: ["AWSCURRENT", "AWSPENDING"]})
    assert value_at(sm, name) == "S3"


def test_sequence_3_custom_labels_move_only_when_named(sm, secret):
    """[AWS] test_non_versioning_version_stages_no_replacement."""
    sid, v1 = secret["Name"], secret["VersionId"]
    v2, resp = put(sm, sid, "v2", ["one", "two", "three"])
    assert sorted(resp["VersionStages"]) == ["one", "three", "two"]
    h.assert_labels(sm, sid, {v1: ["AWSCURRENT"], v2: ["one", "three", "two"]})
    v3, resp = put(sm, sid, "v3", ["one", "two", "four"])
    assert sorted(resp["VersionStages"]) == ["four", "one", "two"]
    h.assert_labels(sm, sid, {v1: ["AWSCURRENT"], v2: ["three"], v3: ["four", "one", "two"]})
    assert value_at(sm, sid) == secret["Value"]
    assert value_at(sm, sid, VersionStage="three") == "v2"
    assert value_at(sm, sid, VersionStage="one") == "v3"


def test_sequence_3b_taking_every_label_deprecates(sm, secret):
    """[AWS] test_non_versioning_version_stages_replacement."""
    sid, v1 = secret["Name"], secret["VersionId"]
    v2, _ = put(sm, sid, "v2", ["one", "two", "three"])
    v3, resp = put(sm, sid, "v3", ["one", "two", "three", "four"])
    assert sorted(resp["VersionStages"]) == ["four", "one", "three", "two"]
    h.assert_labels(sm, sid, {v1: ["AWSCURRENT"], v2: [], v3: ["four", "one", "three", "two"]})


def test_sequence_4_custom_labels_through_rotation_cycles(sm, secret):
    """[AWS] test_update_secret_version_stages_current_pending_cycle_custom_stages_2."""
    sid, v1 = secret["Name"], secret["VersionId"]
    v2, resp = put(sm, sid, "S1", ["AWSCURRENT", "PUT0"])
    assert sorted(resp["VersionStages"]) == ["AWSCURRENT", "PUT0"]
    h.assert_labels(sm, sid, {v1: ["AWSPREVIOUS"], v2: ["AWSCURRENT", "PUT0"]})

    v3, _ = put(sm, sid, "S2", ["AWSPENDING", "PUT1"])
    h.assert_labels(sm, sid, {v1: ["AWSPREVIOUS"], v2: ["AWSCURRENT", "PUT0"], v3: ["AWSPENDING", "PUT1"]})
    assert value_at(sm, sid) == "S1"

    move(sm, sid, "AWSCURRENT", to=v3, remove_from=v2)
    h.assert_labels(sm, sid, {v1: [], v2: ["AWSPREVIOUS", "PUT0"], v3: ["AWSCURRENT", "AWSPENDING", "PUT1"]})
    assert value_at(sm, sid) == "S2"

    v4, _ = put(sm, sid, "S3", ["AWSPENDING", "PUT2"])
    h.assert_labels(sm, sid, {v1: [], v2: ["AWSPREVIOUS", "PUT0"], v3: ["AWSCURRENT", "PUT1"],
                              v4: ["AWSPENDING", "PUT2"]})

    move(sm, sid, "AWSCURRENT", to=v4, remove_from=v3)
    h.assert_labels(sm, sid, {v1: [], v2: ["PUT0"], v3: ["AWSPREVIOUS", "PUT1"],
                              v4: ["AWSCURRENT", "AWSPENDING", "PUT2"]})
    assert value_at(sm, sid) == "S3"


def test_sequence_4b_reserved_looking_custom_labels(sm, secret):
    """[AWS] ..._custom_stages_1: AWSSOMETHING is an ordinary custom label."""
    sid, v1 = secret["Name"], secret["VersionId"]
    v2, resp = put(sm, sid, "S2", ["AWSPENDING", "AWSSOMETHING", "PUT1"])
    assert sorted(resp["VersionStages"]) == ["AWSPENDING", "AWSSOMETHING", "PUT1"]
    move(sm, sid, "AWSCURRENT", to=v2, remove_from=v1)
    h.assert_labels(sm, sid, {v1: ["AWSPREVIOUS"], v2: ["AWSCURRENT", "AWSPENDING", "AWSSOMETHING", "PUT1"]})
    v3, _ = put(sm, sid, "S3", ["AWSPENDING", "PUT2"])
    h.assert_labels(sm, sid, {v1: ["AWSPREVIOUS"], v2: ["AWSCURRENT", "AWSSOMETHING", "PUT1"],
                              v3: ["AWSPENDING", "PUT2"]})
    move(sm, sid, "AWSCURRENT", to=v3, remove_from=v2)
    h.assert_labels(sm, sid, {v1: [], v2: ["AWSPREVIOUS", "AWSSOMETHING", "PUT1"],
                              v3: ["AWSCURRENT", "AWSPENDING", "PUT2"]})


def test_sequence_5_custom_pending_label(sm, secret):
    """[AWS] ..._custom_stages_3."""
    sid, v1 = secret["Name"], secret["VersionId"]
    v2, resp = put(sm, sid, "S1", ["PENDING"])
    assert resp["VersionStages"] == ["PENDING"]
    h.assert_labels(sm, sid, {v1: ["AWSCURRENT"], v2: ["PENDING"]})
    assert value_at(sm, sid, VersionId=v2) == "S1"
    move(sm, sid, "AWSCURRENT", to=v2, remove_from=v1)
    h.assert_labels(sm, sid, {v1: ["AWSPREVIOUS"], v2: ["AWSCURRENT", "PENDING"]})
    move(sm, sid, "PENDING", remove_from=v2)
    h.assert_labels(sm, sid, {v1: ["AWSPREVIOUS"], v2: ["AWSCURRENT"]})
    assert value_at(sm, sid) == "S1"


def test_put_with_custom_stages_leaves_current_alone(sm, secret):
    """[AWS] test_put_secret_value_with_version_stages."""
    sid, v1 = secret["Name"], secret["VersionId"]
    v2, resp = put(sm, sid, "v1-stage", ["SAMPLESTAGE0", "SAMPLESTAGE1"])
    assert sorted(resp["VersionStages"]) == ["SAMPLESTAGE0", "SAMPLESTAGE1"]
    assert sm.get_secret_value(SecretId=sid)["VersionId"] == v1
    v3, _ = put(sm, sid, "v3", ["SAMPLESTAGE0", "SAMPLESTAGE1"])
    assert sm.get_secret_value(SecretId=sid)["VersionId"] == v1
    v4, resp = put(sm, sid, "v4", ["AWSPENDING"])
    assert resp["VersionStages"] == ["AWSPENDING"]
    assert sm.get_secret_value(SecretId=sid)["VersionId"] == v1
    v5, resp = put(sm, sid, "v5")
    assert resp["VersionStages"] == ["AWSCURRENT"]
    h.assert_labels(sm, sid, {v1: ["AWSPREVIOUS"], v2: [], v3: ["SAMPLESTAGE0", "SAMPLESTAGE1"],
                              v4: ["AWSPENDING"], v5: ["AWSCURRENT"]})
    assert value_at(sm, sid) == "v5"


# --------------------------------------------------------------- the traps


@pytest.mark.parametrize("via", ["PutSecretValue", "UpdateSecret"])
def test_trap5_new_current_clears_pending_from_old_current(sm, secret, via):
    """[AWS] test_update_secret_version_stages_current_pending: v2 [AWSCURRENT,
    AWSPENDING] -> new value without stages -> v2 [AWSPREVIOUS], v3 [AWSCURRENT]."""
    sid, v1 = secret["Name"], secret["VersionId"]
    v2, _ = put(sm, sid, "S2", ["AWSPENDING"])
    move(sm, sid, "AWSCURRENT", to=v2, remove_from=v1)
    h.assert_labels(sm, sid, {v1: ["AWSPREVIOUS"], v2: ["AWSCURRENT", "AWSPENDING"]})
    v3 = h.token()
    if via == "PutSecretValue":
        resp = sm.put_secret_value(SecretId=sid, SecretString="S3", ClientRequestToken=v3)
        assert resp["VersionStages"] == ["AWSCURRENT"]
    else:
        sm.update_secret(SecretId=sid, SecretString="S3", ClientRequestToken=v3)
    h.assert_labels(sm, sid, {v1: [], v2: ["AWSPREVIOUS"], v3: ["AWSCURRENT"]})


def test_trap6_moving_current_requires_remove_from(sm, secret):
    """[AWS] InvalidParameterException with the exact message; nothing moves."""
    sid, v1 = secret["Name"], secret["VersionId"]
    v2, _ = put(sm, sid, "new", ["AWSPENDING"])
    before = h.state_of(sm, sid)
    h.expect_error(lambda: sm.update_secret_version_stage(SecretId=sid, VersionStage="AWSCURRENT",
                                                          MoveToVersionId=v2),
                   "InvalidParameterException", h.msg_remove_from_required(v1))
    assert h.state_of(sm, sid) == before
    move(sm, sid, "AWSCURRENT", to=v2, remove_from=v1)
    # GetSecretValue follows AWSCURRENT (moto keeps answering the old version).
    current = sm.get_secret_value(SecretId=sid)
    assert current["VersionId"] == v2 and current["SecretString"] == "new"
    assert sorted(current["VersionStages"]) == ["AWSCURRENT", "AWSPENDING"]
    previous = sm.get_secret_value(SecretId=sid, VersionStage="AWSPREVIOUS")
    assert previous["VersionId"] == v1 and previous["VersionStages"] == ["AWSPREVIOUS"]


def test_trap4_rollback_to_previous_takes_previous_away(sm, secret):
    """Moving AWSCURRENT onto the AWSPREVIOUS holder: it loses AWSPREVIOUS,
    which moves to the version that lost AWSCURRENT."""
    sid, v1 = secret["Name"], secret["VersionId"]
    v2, _ = put(sm, sid, "v2")
    h.assert_labels(sm, sid, {v1: ["AWSPREVIOUS"], v2: ["AWSCURRENT"]})
    move(sm, sid, "AWSCURRENT", to=v1, remove_from=v2)
    h.assert_labels(sm, sid, {v1: ["AWSCURRENT"], v2: ["AWSPREVIOUS"]})
    assert value_at(sm, sid) == secret["Value"]


def test_trap4_every_label_is_on_at_most_one_version(sm, secret):
    sid = secret["Name"]
    versions = [secret["VersionId"]]
    for i in range(4):
        tok, _ = put(sm, sid, f"v{i}", ["AWSCURRENT", "SHARED"] if i % 2 else ["SHARED"])
        versions.append(tok)
    described = sm.describe_secret(SecretId=sid)["VersionIdsToStages"]
    seen = {}
    for vid, stages in described.items():
        assert stages, f"{vid} listed without stages"
        for stage in stages:
            assert stage not in seen, f"{stage} on {seen.get(stage)} and {vid}"
            seen[stage] = vid
    # v1 -> p1 -> p3 carry AWSCURRENT in turn; SHARED ends on p3.
    assert seen == {"SHARED": versions[4], "AWSCURRENT": versions[4], "AWSPREVIOUS": versions[2]}


# --------------------------------------------------- UpdateSecretVersionStage


def test_attach_unattached_custom_label_with_move_only(sm, secret):
    sid, v1 = secret["Name"], secret["VersionId"]
    v2, _ = put(sm, sid, "v2", ["X"])
    move(sm, sid, "Y", to=v2)
    h.assert_labels(sm, sid, {v1: ["AWSCURRENT"], v2: ["X", "Y"]})


def test_remove_last_label_deprecates_version(sm, secret):
    sid, v1 = secret["Name"], secret["VersionId"]
    v2, _ = put(sm, sid, "v2", ["ONLY"])
    move(sm, sid, "ONLY", remove_from=v2)
    h.assert_labels(sm, sid, {v1: ["AWSCURRENT"], v2: []})
    assert value_at(sm, sid, VersionId=v2) == "v2"


def test_move_custom_label_between_versions(sm, secret):
    sid, v1 = secret["Name"], secret["VersionId"]
    v2, _ = put(sm, sid, "v2", ["BLUE"])
    v3, _ = put(sm, sid, "v3", ["GREEN"])
    move(sm, sid, "BLUE", to=v3, remove_from=v2)
    h.assert_labels(sm, sid, {v1: ["AWSCURRENT"], v2: [], v3: ["BLUE", "GREEN"]})


def test_move_custom_label_without_remove_from_is_rejected(sm, secret):
    # [inferred] InvalidParameterException (the AWSCURRENT text is [AWS]).
    sid = secret["Name"]
    v2, _ = put(sm, sid, "v2", ["BLUE"])
    v3, _ = put(sm, sid, "v3", ["GREEN"])
    before = h.state_of(sm, sid)
    h.expect_error(lambda: sm.update_secret_version_stage(SecretId=sid, VersionStage="BLUE",
                                                          MoveToVersionId=v3),
                   "InvalidParameterException")
    assert h.state_of(sm, sid) == before


def test_remove_from_version_without_the_label_is_rejected(sm, secret):
    sid, v1 = secret["Name"], secret["VersionId"]
    v2, _ = put(sm, sid, "v2", ["BLUE"])
    before = h.state_of(sm, sid)
    h.expect_error(lambda: sm.update_secret_version_stage(SecretId=sid, VersionStage="BLUE",
                                                          RemoveFromVersionId=v1),
                   "InvalidParameterException")
    assert h.state_of(sm, sid) == before


def test_move_to_unknown_version_is_rejected(sm, secret):
    sid = secret["Name"]
    before = h.state_of(sm, sid)
    h.expect_error(lambda: sm.update_secret_version_stage(SecretId=sid, VersionStage="X",
                                                          MoveToVersionId=h.token()),
                   "InvalidParameterException")
    assert h.state_of(sm, sid) == before


def test_more_than_20_labels_per_version_is_a_validation_error(sm, secret):
    sid = secret["Name"]
    before = h.state_of(sm, sid)
    stages = [f"L{i}" for i in range(21)]
    resp = h.expect_error(
        lambda: sm.put_secret_value(SecretId=sid, SecretString="x", VersionStages=stages),
        "ValidationException")
    # Coral renders the list value itself; only the frame is pinned here.
    message = resp["Error"]["Message"]
    assert message.startswith("1 validation error detected: Value "), message
    assert message.endswith(" at 'versionStages' failed to satisfy constraint: "
                            "Member must have length less than or equal to 20"), message
    assert h.state_of(sm, sid) == before


def test_more_than_20_labels_per_secret_is_limit_exceeded(sm, secret):
    sid = secret["Name"]
    put(sm, sid, "ten", [f"A{i}" for i in range(10)])
    before = h.state_of(sm, sid)
    # AWSCURRENT + 10 + 10 = 21 labels across the secret.
    h.expect_error(lambda: sm.put_secret_value(SecretId=sid, SecretString="x",
                                               VersionStages=[f"B{i}" for i in range(10)]),
                   "LimitExceededException")
    assert h.state_of(sm, sid) == before
    # Exactly 20 is fine; a 21st label through UpdateSecretVersionStage is not.
    put(sm, sid, "nine", [f"B{i}" for i in range(9)])
    before = h.state_of(sm, sid)
    h.expect_error(lambda: sm.update_secret_version_stage(
        SecretId=sid, VersionStage="Z", MoveToVersionId=secret["VersionId"]),
        "LimitExceededException")
    assert h.state_of(sm, sid) == before


def test_twenty_labels_per_secret_are_allowed(sm, secret):
    sid, v1 = secret["Name"], secret["VersionId"]
    labels = [f"C{i}" for i in range(19)]
    v2, _ = put(sm, sid, "nineteen", labels)
    h.assert_labels(sm, sid, {v1: ["AWSCURRENT"], v2: labels})


def test_version_stage_too_long_is_a_validation_error(sm, secret):
    stage = "S" * 257
    h.expect_error(lambda: sm.update_secret_version_stage(SecretId=secret["Name"], VersionStage=stage,
                                                          MoveToVersionId=secret["VersionId"]),
                   "ValidationException",
                   h.validation_message(h.violation("versionStage", h.max_len(256), stage)))


# ------------------------------------------------------- ListSecretVersionIds


def test_list_secret_version_ids_shape(sm, secret):
    resp = sm.list_secret_version_ids(SecretId=secret["Name"])
    assert h.members(resp) == {"ARN", "Name", "Versions"}
    assert resp["ARN"] == secret["ARN"]  # full ARN (moto answers the name)
    assert resp["Name"] == secret["Name"]
    [v] = resp["Versions"]
    assert set(v) == {"VersionId", "VersionStages", "CreatedDate", "KmsKeyIds"}
    assert v["VersionId"] == secret["VersionId"]
    assert v["VersionStages"] == ["AWSCURRENT"]
    assert v["KmsKeyIds"] == ["DefaultEncryptionKey"]  # [AWS]


def test_list_secret_version_ids_by_arn_and_partial_arn(sm, secret):
    for sid in (secret["ARN"], secret["ARN"][:-7]):
        resp = sm.list_secret_version_ids(SecretId=sid)
        assert resp["ARN"] == secret["ARN"]
        assert [v["VersionId"] for v in resp["Versions"]] == [secret["VersionId"]]


def test_list_secret_version_ids_include_deprecated(sm, secret):
    """[AWS] test_deprecated_secret_version_stage: deprecated versions only
    with IncludeDeprecated, and then without a VersionStages member."""
    sid, v1 = secret["Name"], secret["VersionId"]
    v2, _ = put(sm, sid, "v2")
    v3, _ = put(sm, sid, "v3")
    default = sm.list_secret_version_ids(SecretId=sid)["Versions"]
    assert {v["VersionId"] for v in default} == {v2, v3}
    assert sm.list_secret_version_ids(SecretId=sid, IncludeDeprecated=False)["Versions"] == default
    everything = sm.list_secret_version_ids(SecretId=sid, IncludeDeprecated=True)["Versions"]
    by_id = {v["VersionId"]: v for v in everything}
    assert set(by_id) == {v1, v2, v3}
    assert "VersionStages" not in by_id[v1]
    assert by_id[v1]["KmsKeyIds"] == ["DefaultEncryptionKey"]
    assert by_id[v2]["VersionStages"] == ["AWSPREVIOUS"]


def test_list_secret_version_ids_lists_oldest_first(sm, secret):
    # Recorded AWS output lists versions in creation order.
    sid = secret["Name"]
    ids = [secret["VersionId"]] + [put(sm, sid, f"v{i}", [f"K{i}"])[0] for i in range(4)]
    listed = [v["VersionId"] for v in sm.list_secret_version_ids(SecretId=sid)["Versions"]]
    assert listed == ids


def test_list_secret_version_ids_pagination(sm, secret):
    sid = secret["Name"]
    ids = {secret["VersionId"]} | {put(sm, sid, f"v{i}", [f"P{i}"])[0] for i in range(5)}
    seen = []
    pages = 0
    kwargs = {"SecretId": sid, "MaxResults": 2}
    while True:
        resp = sm.list_secret_version_ids(**kwargs)
        pages += 1
        assert len(resp["Versions"]) <= 2
        assert resp["ARN"] == secret["ARN"]
        seen.extend(v["VersionId"] for v in resp["Versions"])
        if not resp.get("NextToken"):
            break
        kwargs["NextToken"] = resp["NextToken"]
        assert pages < 20
    assert len(seen) == len(set(seen)) == 6
    assert set(seen) == ids
    assert pages >= 3


def test_list_secret_version_ids_invalid_next_token(sm, secret):
    h.expect_error(lambda: sm.list_secret_version_ids(SecretId=secret["Name"], NextToken="not-a-token"),
                   "InvalidNextTokenException")


def test_list_secret_version_ids_max_results_over_100(sm, secret):
    h.expect_error(lambda: sm.list_secret_version_ids(SecretId=secret["Name"], MaxResults=101),
                   "ValidationException",
                   h.validation_message(h.violation("maxResults", h.max_value(100), 101)))


def test_list_secret_version_ids_of_secret_without_value(sm, name):
    sm.create_secret(Name=name)
    resp = sm.list_secret_version_ids(SecretId=name, IncludeDeprecated=True)
    assert resp["Versions"] == []
    assert resp["Name"] == name
