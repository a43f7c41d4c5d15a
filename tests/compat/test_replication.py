"""Multi-Region replication: ReplicateSecretToRegions,
RemoveRegionsFromReplication, StopReplicationToReplica, and how replicas
follow their primary. Clients for two regions share one endpoint; the region
comes from the SigV4 credential scope."""

import pytest

import smharness as h

PRIMARY = "us-east-1"
REPLICA = "eu-west-1"
THIRD = "ap-northeast-1"


@pytest.fixture
def eu(client_for):
    return client_for(REPLICA)


@pytest.fixture
def ap(client_for):
    return client_for(THIRD)


def wait_in_sync(sm, sid, region=REPLICA):
    described = h.poll(lambda: sm.describe_secret(SecretId=sid),
                       lambda d: any(r["Region"] == region and r["Status"] == "InSync"
                                     for r in d.get("ReplicationStatus", [])))
    statuses = {r["Region"]: r for r in described.get("ReplicationStatus", [])}
    assert statuses.get(region, {}).get("Status") == "InSync", described
    return described


@pytest.fixture
def replicated(sm, eu):
    """A primary in us-east-1 with a replica in eu-west-1, in sync."""
    name = h.unique_name("replicated")
    tok = h.token()
    created = sm.create_secret(Name=name, SecretString="p1", ClientRequestToken=tok,
                               Description="replicated", Tags=[{"Key": "team", "Value": "a"}])
    resp = sm.replicate_secret_to_regions(SecretId=name, AddReplicaRegions=[{"Region": REPLICA}])
    assert h.members(resp) == {"ARN", "ReplicationStatus"}
    assert resp["ARN"] == created["ARN"]
    [status] = resp["ReplicationStatus"]
    assert status["Region"] == REPLICA
    assert status["Status"] in {"InProgress", "InSync"}
    wait_in_sync(sm, name)
    replica_arn = h.in_region(created["ARN"], REPLICA)
    h.poll(lambda: eu.get_secret_value(SecretId=name)["SecretString"] if _exists(eu, name) else None,
           lambda v: v == "p1")
    return {"Name": name, "ARN": created["ARN"], "ReplicaARN": replica_arn, "VersionId": tok}


def _exists(client, sid):
    try:
        client.describe_secret(SecretId=sid)
        return True
    except h.ClientError:
        return False


def replica_value(eu, sid):
    return eu.get_secret_value(SecretId=sid)["SecretString"]


# ------------------------------------------------------------ replicating


def test_primary_describes_its_replicas(sm, replicated):
    described = sm.describe_secret(SecretId=replicated["Name"])
    assert described["PrimaryRegion"] == PRIMARY
    [status] = described["ReplicationStatus"]
    assert status["Region"] == REPLICA and status["Status"] == "InSync"
    assert set(status) <= {"Region", "KmsKeyId", "Status", "StatusMessage", "LastAccessedDate"}


def test_replica_is_the_same_secret_in_the_other_region(sm, eu, replicated):
    primary = sm.describe_secret(SecretId=replicated["Name"])
    replica = eu.describe_secret(SecretId=replicated["Name"])
    assert replica["ARN"] == replicated["ReplicaARN"]
    assert h.arn_pattern(replicated["Name"], REPLICA).match(replica["ARN"])
    assert replica["Name"] == replicated["Name"]
    assert replica["PrimaryRegion"] == PRIMARY
    assert replica["Description"] == "replicated"
    assert replica["Tags"] == [{"Key": "team", "Value": "a"}]
    assert replica["VersionIdsToStages"] == primary["VersionIdsToStages"]
    value = eu.get_secret_value(SecretId=replicated["ReplicaARN"])
    assert value["SecretString"] == "p1"
    assert value["VersionId"] == replicated["VersionId"]
    assert value["ARN"] == replicated["ReplicaARN"]


def test_replica_resolves_by_partial_arn(eu, replicated):
    assert eu.describe_secret(SecretId=replicated["ReplicaARN"][:-7])["ARN"] == replicated["ReplicaARN"]


def test_primary_region_filter_matches_primary_and_replica(sm, eu, replicated):
    flt = [{"Key": "name", "Values": [replicated["Name"]]},
           {"Key": "primary-region", "Values": [PRIMARY]}]
    assert [s["Name"] for s in h.list_all_secrets(sm, Filters=flt)] == [replicated["Name"]]
    listed = h.list_all_secrets(eu, Filters=flt)
    assert [s["Name"] for s in listed] == [replicated["Name"]]
    assert listed[0]["PrimaryRegion"] == PRIMARY
    other = [{"Key": "name", "Values": [replicated["Name"]]},
             {"Key": "primary-region", "Values": [REPLICA]}]
    assert h.list_all_secrets(sm, Filters=other) == []


def test_replica_follows_new_values_and_labels(sm, eu, replicated):
    sid = replicated["Name"]
    v2 = h.token()
    sm.put_secret_value(SecretId=sid, SecretString="p2", ClientRequestToken=v2)
    assert h.poll(lambda: replica_value(eu, sid), lambda v: v == "p2") == "p2"
    wait_in_sync(sm, sid)
    expected = sm.describe_secret(SecretId=sid)["VersionIdsToStages"]
    got = h.poll(lambda: eu.describe_secret(SecretId=sid)["VersionIdsToStages"], lambda g: g == expected)
    assert got == expected
    # A label move on the primary (rollback) is replicated too.
    sm.update_secret_version_stage(SecretId=sid, VersionStage="AWSCURRENT",
                                   MoveToVersionId=replicated["VersionId"], RemoveFromVersionId=v2)
    assert h.poll(lambda: replica_value(eu, sid), lambda v: v == "p1") == "p1"
    assert eu.get_secret_value(SecretId=sid, VersionStage="AWSPREVIOUS")["VersionId"] == v2


def test_replica_follows_metadata(sm, eu, replicated):
    sid = replicated["Name"]
    sm.update_secret(SecretId=sid, Description="changed on primary")
    sm.tag_resource(SecretId=sid, Tags=[{"Key": "added", "Value": "later"}])
    sm.untag_resource(SecretId=sid, TagKeys=["team"])
    replica = h.poll(lambda: eu.describe_secret(SecretId=sid),
                     lambda d: d.get("Description") == "changed on primary"
                     and d.get("Tags") == [{"Key": "added", "Value": "later"}])
    assert replica["Description"] == "changed on primary"
    assert replica["Tags"] == [{"Key": "added", "Value": "later"}]


REPLICA_WRITES = {
    "PutSecretValue": lambda c, s: c.put_secret_value(SecretId=s, SecretString="from replica"),
    "UpdateSecret": lambda c, s: c.update_secret(SecretId=s, SecretString="from replica"),
    "UpdateSecret(description)": lambda c, s: c.update_secret(SecretId=s, Description="from replica"),
    "TagResource": lambda c, s: c.tag_resource(SecretId=s, Tags=[{"Key": "r", "Value": "r"}]),
    "UntagResource": lambda c, s: c.untag_resource(SecretId=s, TagKeys=["team"]),
    "DeleteSecret": lambda c, s: c.delete_secret(SecretId=s),
    "PutResourcePolicy": lambda c, s: c.put_resource_policy(
        SecretId=s, ResourcePolicy='{"Version":"2012-10-17","Statement":[]}'),
    "ReplicateSecretToRegions": lambda c, s: c.replicate_secret_to_regions(
        SecretId=s, AddReplicaRegions=[{"Region": THIRD}]),
}


@pytest.mark.parametrize("op", sorted(REPLICA_WRITES))
def test_replica_is_read_only(sm, eu, replicated, op):
    # [inferred] code: LocalStack says InvalidRequestException, moto
    # InvalidParameterException; AWS's is not recorded.
    sid = replicated["Name"]
    before_primary = h.state_of(sm, sid)
    h.expect_error(lambda: REPLICA_WRITES[op](eu, sid), None,
                   codes={"InvalidRequestException", "InvalidParameterException"})
    assert h.state_of(sm, sid) == before_primary
    replica = eu.describe_secret(SecretId=sid)
    assert "DeletedDate" not in replica
    assert replica["Tags"] == [{"Key": "team", "Value": "a"}]
    assert replica_value(eu, sid) == "p1"


def test_primary_with_replicas_cannot_be_deleted(sm, eu, replicated):
    # [doc] remove the replicas first; the code is [inferred].
    sid = replicated["Name"]
    h.expect_error(lambda: sm.delete_secret(SecretId=sid), None,
                   codes={"InvalidParameterException", "InvalidRequestException"})
    h.expect_error(lambda: sm.delete_secret(SecretId=sid, ForceDeleteWithoutRecovery=True), None,
                   codes={"InvalidParameterException", "InvalidRequestException"})
    assert "DeletedDate" not in sm.describe_secret(SecretId=sid)
    assert replica_value(eu, sid) == "p1"


def test_replicating_to_own_region_is_invalid(sm, secret):
    h.expect_error(lambda: sm.replicate_secret_to_regions(SecretId=secret["Name"],
                                                          AddReplicaRegions=[{"Region": PRIMARY}]),
                   "InvalidParameterException")
    assert "ReplicationStatus" not in sm.describe_secret(SecretId=secret["Name"])


def test_replica_region_pattern_is_validated(sm, secret):
    resp = h.expect_error(lambda: sm.replicate_secret_to_regions(SecretId=secret["Name"],
                                                                 AddReplicaRegions=[{"Region": "EU_WEST"}]),
                          "ValidationException")
    assert resp["Error"]["Message"].startswith(
        "1 validation error detected: Value 'EU_WEST' at 'addReplicaRegions.1.member.region' "
        "failed to satisfy constraint: Member must satisfy regular expression pattern: "), resp


def test_non_replicated_secret_has_no_primary_region(sm, secret):
    described = sm.describe_secret(SecretId=secret["Name"])
    assert "PrimaryRegion" not in described and "ReplicationStatus" not in described


def test_create_secret_with_replica_regions(sm, ap, name):
    resp = sm.create_secret(Name=name, SecretString="born replicated",
                            AddReplicaRegions=[{"Region": THIRD}])
    assert h.members(resp) == {"ARN", "Name", "VersionId", "ReplicationStatus"}
    assert [r["Region"] for r in resp["ReplicationStatus"]] == [THIRD]
    wait_in_sync(sm, name, THIRD)
    assert h.poll(lambda: ap.get_secret_value(SecretId=name)["SecretString"] if _exists(ap, name) else None,
                  lambda v: v == "born replicated") == "born replicated"
    assert ap.describe_secret(SecretId=name)["ARN"] == h.in_region(resp["ARN"], THIRD)


def test_existing_secret_in_target_region_makes_replication_fail(sm, ap, name):
    sm.create_secret(Name=name, SecretString="primary value")
    ap.create_secret(Name=name, SecretString="local value")
    resp = sm.replicate_secret_to_regions(SecretId=name, AddReplicaRegions=[{"Region": THIRD}])
    described = h.poll(lambda: sm.describe_secret(SecretId=name),
                       lambda d: any(r["Status"] == "Failed" for r in d.get("ReplicationStatus", [])))
    statuses = resp["ReplicationStatus"] + described.get("ReplicationStatus", [])
    failed = [r for r in statuses if r["Region"] == THIRD and r["Status"] == "Failed"]
    assert failed, statuses
    assert failed[-1].get("StatusMessage")
    assert ap.get_secret_value(SecretId=name)["SecretString"] == "local value"
    assert "PrimaryRegion" not in ap.describe_secret(SecretId=name)


def test_force_overwrite_replaces_existing_secret_in_target_region(sm, ap, name):
    """[doc] ForceOverwriteReplicaSecret replaces the regional secret."""
    sm.create_secret(Name=name, SecretString="primary value")
    ap.create_secret(Name=name, SecretString="local value")
    sm.replicate_secret_to_regions(SecretId=name, AddReplicaRegions=[{"Region": THIRD}],
                                   ForceOverwriteReplicaSecret=True)
    wait_in_sync(sm, name, THIRD)
    assert h.poll(lambda: ap.get_secret_value(SecretId=name)["SecretString"],
                  lambda v: v == "primary value") == "primary value"
    assert ap.describe_secret(SecretId=name)["PrimaryRegion"] == PRIMARY


# -------------------------------------------------------- removing replicas


def test_remove_regions_from_replication(sm, eu, replicated):
    sid = replicated["Name"]
    resp = sm.remove_regions_from_replication(SecretId=sid, RemoveReplicaRegions=[REPLICA])
    assert h.members(resp) == {"ARN", "ReplicationStatus"}
    assert resp["ARN"] == replicated["ARN"]
    assert resp.get("ReplicationStatus", []) == []
    h.expect_error(lambda: eu.describe_secret(SecretId=sid), "ResourceNotFoundException", h.MSG_NOT_FOUND)
    assert sm.describe_secret(SecretId=sid).get("ReplicationStatus", []) == []
    # With no replicas left the primary can be deleted.
    sm.delete_secret(SecretId=sid, ForceDeleteWithoutRecovery=True)
    h.expect_error(lambda: sm.describe_secret(SecretId=sid), "ResourceNotFoundException")


def test_remove_one_of_two_replicas(sm, eu, ap, replicated):
    sid = replicated["Name"]
    sm.replicate_secret_to_regions(SecretId=sid, AddReplicaRegions=[{"Region": THIRD}])
    wait_in_sync(sm, sid, THIRD)
    resp = sm.remove_regions_from_replication(SecretId=sid, RemoveReplicaRegions=[REPLICA])
    assert [r["Region"] for r in resp["ReplicationStatus"]] == [THIRD]
    h.expect_error(lambda: eu.describe_secret(SecretId=sid), "ResourceNotFoundException")
    assert ap.describe_secret(SecretId=sid)["PrimaryRegion"] == PRIMARY
    assert {r["Region"] for r in sm.describe_secret(SecretId=sid)["ReplicationStatus"]} == {THIRD}


# ------------------------------------------------------ promoting a replica


def test_stop_replication_promotes_replica(sm, eu, replicated):
    sid = replicated["Name"]
    resp = eu.stop_replication_to_replica(SecretId=replicated["ReplicaARN"])
    assert h.members(resp) == {"ARN"}
    assert resp["ARN"] == replicated["ReplicaARN"]

    promoted = eu.describe_secret(SecretId=sid)
    assert promoted["ARN"] == replicated["ReplicaARN"]
    assert promoted.get("PrimaryRegion", REPLICA) == REPLICA
    assert promoted.get("ReplicationStatus", []) == []
    assert promoted["Description"] == "replicated"
    assert promoted["Tags"] == [{"Key": "team", "Value": "a"}]
    assert eu.get_secret_value(SecretId=sid)["SecretString"] == "p1"

    # The old primary forgets it ...
    assert sm.describe_secret(SecretId=sid).get("ReplicationStatus", []) == []
    # ... the promoted secret is writable, and the two now evolve separately.
    eu.put_secret_value(SecretId=sid, SecretString="eu only")
    sm.put_secret_value(SecretId=sid, SecretString="us only")
    assert eu.get_secret_value(SecretId=sid)["SecretString"] == "eu only"
    assert sm.get_secret_value(SecretId=sid)["SecretString"] == "us only"
    # The primary no longer has replicas, so it can be deleted; the promoted one stays.
    sm.delete_secret(SecretId=sid, ForceDeleteWithoutRecovery=True)
    assert eu.get_secret_value(SecretId=sid)["SecretString"] == "eu only"


def test_stop_replication_by_name(eu, replicated):
    resp = eu.stop_replication_to_replica(SecretId=replicated["Name"])
    assert resp["ARN"] == replicated["ReplicaARN"]


def test_stop_replication_on_a_primary_is_invalid(sm, replicated, secret):
    h.expect_error(lambda: sm.stop_replication_to_replica(SecretId=replicated["Name"]),
                   "InvalidRequestException")
    h.expect_error(lambda: sm.stop_replication_to_replica(SecretId=secret["Name"]),
                   "InvalidRequestException")
