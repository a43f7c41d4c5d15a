"""ListSecrets: filters (every key, `!` negation, AND across filters, OR across
values, word semantics of description/all), sorting, pagination.

Every query is scoped with a `name` filter on a per-module prefix (filters
AND together), so secrets created by other tests never show up."""

import time

import pytest

import smharness as h

SECRETS = {
    # suffix: (description, tags)
    "DatabaseSecret": ("My Description", {"Env": "Production"}),
    "databaseSecret": ("my description", {"env": "prod"}),
    "MyData": ("My basic description", {"Env": "Prod1"}),
    "other": ("Description of my secret", {"Team": "1 Prod"}),
    "a1": ("a secret", {}),
    "a2": ("an secret", {}),
    "a3": ("asecret", {}),
    "a4": ("thesecret", {}),
    "one-two": ("one two", {}),
    "one-and-two": ("one and two", {}),
    "one": ("one", {}),
    "two": ("two", {}),
    "unrelated": ("unrelated", {}),
}
ALL = set(SECRETS)


@pytest.fixture(scope="module")
def scope(sm):
    prefix = h.unique_name("lf")
    for suffix, (description, tags) in SECRETS.items():
        kwargs = {"Name": f"{prefix}/{suffix}", "SecretString": f"value of {suffix}",
                  "Description": description}
        if tags:
            kwargs["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
        sm.create_secret(**kwargs)
    return prefix


def query(sm, scope, *filters, **kwargs):
    """Suffixes of the secrets under `scope` that match all `filters`."""
    flt = [{"Key": "name", "Values": [scope + "/"]}] + [
        {"Key": k, "Values": v if isinstance(v, list) else [v]} for k, v in filters]
    names = [s["Name"] for s in h.list_all_secrets(sm, Filters=flt, **kwargs)]
    assert len(names) == len(set(names)), f"duplicates in {names}"
    return {n[len(scope) + 1:] for n in names}


def test_scope_lists_everything(sm, scope):
    assert query(sm, scope) == ALL


# -------------------------------------------------------------------- name


def test_name_is_a_case_sensitive_prefix(sm, scope):
    """[AWS] `Data` matches DatabaseSecret, not databaseSecret or MyData."""
    assert query(sm, scope, ("name", f"{scope}/Data")) == {"DatabaseSecret"}
    assert query(sm, scope, ("name", f"{scope}/data")) == {"databaseSecret"}
    assert query(sm, scope, ("name", f"{scope}/My")) == {"MyData"}
    assert query(sm, scope, ("name", f"{scope}/Secret")) == set()


def test_name_with_several_words_matches_nothing(sm, scope):
    assert query(sm, scope, ("name", f"{scope}/one two")) == set()


def test_name_negation(sm, scope):
    """[AWS] `!/` returned exactly the names not starting with `/`."""
    assert query(sm, scope, ("name", f"!{scope}/a")) == ALL - {"a1", "a2", "a3", "a4"}


def test_values_of_one_filter_are_ored(sm, scope):
    assert query(sm, scope, ("name", [f"{scope}/a1", f"{scope}/a2"])) == {"a1", "a2"}


def test_filters_are_anded_even_with_the_same_key(sm, scope):
    assert query(sm, scope, ("name", f"{scope}/a"), ("name", f"{scope}/a1")) == {"a1"}
    assert query(sm, scope, ("name", f"{scope}/a"), ("description", "an")) == {"a2"}


# ------------------------------------------------------------- description


def test_description_is_word_based_and_case_insensitive(sm, scope):
    """[AWS] `My Description` matches `My Description`, `my description`,
    `My basic description` and `Description of my secret`."""
    expected = {"DatabaseSecret", "databaseSecret", "MyData", "other"}
    assert query(sm, scope, ("description", "My Description")) == expected
    assert query(sm, scope, ("description", "MY DESCRIPTION")) == expected
    assert query(sm, scope, ("description", "description")) == expected


def test_description_words_are_prefixes(sm, scope):
    """[AWS] `a` matches `a secret`, `an secret`, `asecret`, not `thesecret`;
    `a secret` matches `a secret` and `an secret`, not `asecret`."""
    assert query(sm, scope, ("description", "a")) == {"a1", "a2", "a3", "one-and-two"}
    assert query(sm, scope, ("description", "a secret")) == {"a1", "a2"}
    assert query(sm, scope, ("description", "one two")) == {"one-two", "one-and-two"}
    assert query(sm, scope, ("description", "secret")) == {"other", "a1", "a2"}


def test_description_negation(sm, scope):
    assert query(sm, scope, ("description", "!a")) == ALL - {"a1", "a2", "a3", "one-and-two"}
    assert query(sm, scope, ("description", "!o")) == ALL - {"other", "one-two", "one-and-two", "one"}


def test_description_negation_ored_with_a_positive_value(sm, scope):
    # "one" OR NOT "two": everything except the description that is just "two".
    assert query(sm, scope, ("description", ["one", "!two"])) == ALL - {"two"}


def test_description_filters_anded(sm, scope):
    assert query(sm, scope, ("description", "one"), ("description", "two")) == {"one-two", "one-and-two"}


# -------------------------------------------------------------------- tags


def test_tag_key_is_a_case_sensitive_prefix(sm, scope):
    assert query(sm, scope, ("tag-key", "Env")) == {"DatabaseSecret", "MyData"}
    assert query(sm, scope, ("tag-key", "env")) == {"databaseSecret"}
    assert query(sm, scope, ("tag-key", "Te")) == {"other"}
    assert query(sm, scope, ("tag-key", "nv")) == set()


def test_tag_value_is_a_case_sensitive_prefix(sm, scope):
    """[doc] `Prod` matches Production and Prod1, not prod or `1 Prod`."""
    assert query(sm, scope, ("tag-value", "Prod")) == {"DatabaseSecret", "MyData"}
    assert query(sm, scope, ("tag-value", "prod")) == {"databaseSecret"}
    assert query(sm, scope, ("tag-value", "1 Prod")) == {"other"}


def test_tag_key_and_value_filters_are_anded_per_secret(sm):
    prefix = h.unique_name("tags")
    for suffix, tags in {"right-right": {"right": "right"}, "right-wrong": {"right": "wrong"},
                         "wrong-right": {"wrong": "right"}, "wrong-wrong": {"wrong": "wrong"}}.items():
        sm.create_secret(Name=f"{prefix}/{suffix}", SecretString="v",
                         Tags=[{"Key": k, "Value": v} for k, v in tags.items()])
    assert query(sm, prefix, ("tag-key", "right"), ("tag-value", "right")) == {"right-right"}
    assert query(sm, prefix, ("tag-key", ["right", "wrong"])) == {"right-right", "right-wrong",
                                                                   "wrong-right", "wrong-wrong"}


# --------------------------------------------------------------------- all


def test_all_matches_words_of_name_description_and_tags(sm, scope):
    assert query(sm, scope, ("all", "basic")) == {"MyData"}            # description
    assert query(sm, scope, ("all", "Production")) == {"DatabaseSecret"}  # tag value
    assert query(sm, scope, ("all", "production")) == {"DatabaseSecret"}  # case-insensitive
    assert query(sm, scope, ("all", "Team")) == {"other"}              # tag key
    assert query(sm, scope, ("all", "unrelated")) == {"unrelated"}     # name and description


def test_all_splits_names_into_words(sm, scope):
    # DatabaseSecret -> Database, Secret; MyData -> My, Data.
    assert query(sm, scope, ("all", "data")) == {"DatabaseSecret", "databaseSecret", "MyData"}
    assert query(sm, scope, ("all", "secret")) == {"DatabaseSecret", "databaseSecret", "other", "a1", "a2"}
    assert query(sm, scope, ("all", "ret")) == set()


def test_owning_service_never_matches_user_secrets(sm, scope):
    assert query(sm, scope, ("owning-service", "rds")) == set()
    assert query(sm, scope, ("owning-service", "secretsmanager")) == set()


# ---------------------------------------------------------- filter validation


def test_invalid_filter_key(sm):
    """[AWS] Coral enum message; AWS does not print the set in model order."""
    resp = h.expect_error(lambda: sm.list_secrets(Filters=[{"Key": "invalid", "Values": ["foo"]}]),
                          "ValidationException")
    message = resp["Error"]["Message"]
    assert message.startswith("1 validation error detected: Value 'invalid' at 'filters.1.member.key' "
                              "failed to satisfy constraint: " + h.ENUM_PREFIX), message
    allowed = h.parse_enum_set(message)
    assert {"all", "name", "tag-key", "description", "tag-value"} <= allowed
    assert allowed <= {"all", "name", "tag-key", "description", "tag-value", "primary-region",
                       "owning-service"}


def test_invalid_filter_key_in_second_filter(sm):
    resp = h.expect_error(lambda: sm.list_secrets(Filters=[{"Key": "name", "Values": ["x"]},
                                                           {"Key": "Name", "Values": ["x"]}]),
                          "ValidationException")
    assert "Value 'Name' at 'filters.2.member.key'" in resp["Error"]["Message"]


def test_filter_value_with_forbidden_characters(sm):
    resp = h.expect_error(lambda: sm.list_secrets(Filters=[{"Key": "name", "Values": ["bad#value"]}]),
                          "ValidationException")
    message = resp["Error"]["Message"]
    assert message.startswith("1 validation error detected: "), message
    assert "filters.1.member.values" in message, message


def test_more_than_ten_values(sm):
    resp = h.expect_error(lambda: sm.list_secrets(Filters=[{"Key": "name", "Values": [f"v{i}" for i in range(11)]}]),
                          "ValidationException")
    assert "filters.1.member.values" in resp["Error"]["Message"]


def test_more_than_ten_filters(sm):
    resp = h.expect_error(lambda: sm.list_secrets(Filters=[{"Key": "name", "Values": ["x"]}] * 11),
                          "ValidationException")
    message = resp["Error"]["Message"]
    assert message.endswith("at 'filters' failed to satisfy constraint: "
                            "Member must have length less than or equal to 10"), message


def test_max_results_over_100(sm):
    h.expect_error(lambda: sm.list_secrets(MaxResults=101), "ValidationException",
                   h.validation_message(h.violation("maxResults", h.max_value(100), 101)))


def test_max_results_zero(sm_raw_params):
    h.expect_error(lambda: sm_raw_params.list_secrets(MaxResults=0), "ValidationException",
                   h.validation_message(h.violation("maxResults", h.min_value(1), 0)))


# ---------------------------------------------------------------- paging


def test_pagination_with_max_results(sm, scope):
    flt = [{"Key": "name", "Values": [scope + "/"]}]
    kwargs = {"Filters": flt, "MaxResults": 3}
    names, pages = [], 0
    while True:
        resp = sm.list_secrets(**kwargs)
        pages += 1
        assert len(resp["SecretList"]) <= 3
        names.extend(s["Name"] for s in resp["SecretList"])
        if not resp.get("NextToken"):
            break
        kwargs["NextToken"] = resp["NextToken"]
        assert pages <= 50
    assert len(names) == len(set(names))
    assert {n[len(scope) + 1:] for n in names} == ALL
    assert pages >= 5


def test_boto3_paginator(sm, scope):
    paginator = sm.get_paginator("list_secrets")
    pages = paginator.paginate(Filters=[{"Key": "name", "Values": [scope + "/"]}],
                               PaginationConfig={"PageSize": 4})
    names = [s["Name"] for page in pages for s in page["SecretList"]]
    assert len(names) == len(set(names)) == len(ALL)


def test_invalid_next_token(sm):
    h.expect_error(lambda: sm.list_secrets(NextToken="this-is-not-a-next-token"),
                   "InvalidNextTokenException")


# ---------------------------------------------------------------- entries


def test_entry_shape_of_a_fresh_secret(sm, secret):
    [entry] = h.list_all_secrets(sm, Filters=[{"Key": "name", "Values": [secret["Name"]]}])
    assert set(entry) == {"ARN", "Name", "CreatedDate", "LastChangedDate", "SecretVersionsToStages"}
    assert entry["ARN"] == secret["ARN"]
    assert entry["SecretVersionsToStages"] == {secret["VersionId"]: ["AWSCURRENT"]}


def test_entry_members_follow_the_secret(sm, secret):
    sid = secret["Name"]
    sm.update_secret(SecretId=sid, Description="described")
    sm.tag_resource(SecretId=sid, Tags=[{"Key": "k", "Value": "v"}])
    v2 = h.token()
    sm.put_secret_value(SecretId=sid, SecretString="v2", ClientRequestToken=v2)
    [entry] = h.list_all_secrets(sm, Filters=[{"Key": "name", "Values": [sid]}])
    described = sm.describe_secret(SecretId=sid)
    assert entry["Description"] == "described"
    assert entry["Tags"] == [{"Key": "k", "Value": "v"}]
    assert entry["SecretVersionsToStages"] == described["VersionIdsToStages"]
    assert "VersionIdsToStages" not in entry and "ReplicationStatus" not in entry
    assert "KmsKeyId" not in entry


# ---------------------------------------------------------------- sorting


@pytest.fixture(scope="module")
def sort_scope(sm):
    """c, a, b created in that order (a second apart), then a changed last."""
    prefix = h.unique_name("sort")
    for suffix in ("c", "a", "b"):
        sm.create_secret(Name=f"{prefix}/{suffix}", SecretString="v")
        time.sleep(1.1)
    sm.update_secret(SecretId=f"{prefix}/a", Description="changed last")
    return prefix


def ordered(sm, prefix, **kwargs):
    flt = [{"Key": "name", "Values": [prefix + "/"]}]
    return [s["Name"][len(prefix) + 1:] for s in h.list_all_secrets(sm, Filters=flt, **kwargs)]


@pytest.mark.parametrize("sort_by,order,expected", [
    ("name", "asc", ["a", "b", "c"]),
    ("name", "desc", ["c", "b", "a"]),
    ("created-date", "asc", ["c", "a", "b"]),
    ("created-date", "desc", ["b", "a", "c"]),
    ("last-changed-date", "desc", ["a", "b", "c"]),
    ("last-changed-date", "asc", ["c", "b", "a"]),
])
def test_sort(sm, sort_scope, sort_by, order, expected):
    assert ordered(sm, sort_scope, SortBy=sort_by, SortOrder=order) == expected


def test_sort_is_kept_across_pages(sm, sort_scope):
    flt = [{"Key": "name", "Values": [sort_scope + "/"]}]
    kwargs = {"Filters": flt, "SortBy": "name", "SortOrder": "desc", "MaxResults": 1}
    names = []
    while True:
        resp = sm.list_secrets(**kwargs)
        names.extend(s["Name"][len(sort_scope) + 1:] for s in resp["SecretList"])
        if not resp.get("NextToken"):
            break
        kwargs["NextToken"] = resp["NextToken"]
    assert names == ["c", "b", "a"]
