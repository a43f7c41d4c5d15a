"""AssumeRoleWithWebIdentity: workloads trade an OIDC token (a Kubernetes
service-account token being the main case) for temporary credentials, with
no stored secret.

This module starts its own dev server with a config file naming two test
issuers (`[[oidc_providers]]`: issuer, jwks_file, audiences — contract in
tests/compat/README.md). The issuers' keys (RS256 and ES256) are made here
with `cryptography`, and so are the JWTs.

Sources ([doc]): STS API reference AssumeRoleWithWebIdentity (called
without AWS credentials; errors InvalidIdentityToken 400, ExpiredTokenException
400, IDPRejectedClaim 403; AccessDenied 403 when the trust policy does not
allow), IAM User Guide "Creating OIDC identity providers" / "Available keys
for AWS OIDC federation" (`<provider>:sub`, `<provider>:aud` in the trust
policy); [AWS] recorded texts: "Not authorized to perform
sts:AssumeRoleWithWebIdentity" (aws/aws-sdk-net#1522), "Incorrect token
audience" (awslabs/amazon-eks-irsa-cfn#18)."""

import json
import os
import secrets as _secrets
import time

import pytest
from cryptography.hazmat.primitives import hashes, hmac

import smharness as h
from oidctokens import Signer, b64u, jwt

ISSUER = "https://oidc.tresor.test"
PROVIDER_HOST = "oidc.tresor.test"
OTHER_ISSUER = "https://other.tresor.test"
OTHER_HOST = "other.tresor.test"
AUDIENCE = "sts.amazonaws.com"
EXTRA_AUDIENCE = "compat-second-audience"
SUB = "system:serviceaccount:prod:app"
GET = "secretsmanager:GetSecretValue"
AKID = "AKIATRESORWEBIDENT01"


def claims(sub=SUB, aud=AUDIENCE, iss=ISSUER, lifetime=600, **extra):
    now = int(time.time())
    out = {"iss": iss, "sub": sub, "aud": aud, "iat": now, "nbf": now - 5,
           "exp": now + lifetime}
    out.update(extra)
    return out


class Oidc:
    def __init__(self, endpoint, account, signers, other):
        self.endpoint = endpoint
        self.account = account
        self.rsa, self.ec = signers
        self.other = other  # the second issuer's key
        self.provider_arn = f"arn:aws:iam::{account}:oidc-provider/{PROVIDER_HOST}"
        self.other_provider_arn = f"arn:aws:iam::{account}:oidc-provider/{OTHER_HOST}"
        self.sts = h.make_client(endpoint, service="sts", unsigned=True, validate=False)
        self.admin_sm = h.make_client(endpoint)

    def trust(self, sub=SUB, operator="StringEquals", provider=None, host=PROVIDER_HOST,
              aud=AUDIENCE):
        """The contract's trust policy: Federated provider, sub and aud."""
        condition = {"StringEquals": {f"{host}:aud": aud}}
        condition.setdefault(operator, {})[f"{host}:sub"] = sub
        return json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": provider or self.provider_arn},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": condition}]})

    def assume(self, role, token, session="web", **kwargs):
        return self.sts.assume_role_with_web_identity(
            RoleArn=role["Arn"], RoleSessionName=session, WebIdentityToken=token, **kwargs)

    def principal(self, resp):
        c = resp["Credentials"]
        return h.Principal(resp["AssumedRoleUser"]["Arn"], self.endpoint.with_credentials(
            c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"]))


@pytest.fixture(scope="module")
def oidc(tmp_path_factory):
    binary = os.environ.get("TRESOR_BIN")
    if not binary or os.environ.get("TRESOR_COMPAT_ENDPOINT"):
        pytest.skip("web identity needs its own server started from TRESOR_BIN with a config file")
    work = tmp_path_factory.mktemp("oidc")
    rsa_key, ec_key = Signer("RS256", "compat-rsa-1"), Signer("ES256", "compat-ec-1")
    other_key = Signer("RS256", "compat-other-1")
    jwks = work / "jwks.json"
    jwks.write_text(json.dumps({"keys": [rsa_key.jwk, ec_key.jwk]}))
    other_jwks = work / "other-jwks.json"
    other_jwks.write_text(json.dumps({"keys": [other_key.jwk]}))
    config = work / "tresor.toml"
    config.write_text(
        "[[oidc_providers]]\n"
        f'issuer = "{ISSUER}"\n'
        f'jwks_file = "{jwks}"\n'
        f'audiences = ["{AUDIENCE}", "{EXTRA_AUDIENCE}"]\n'
        "\n"
        "[[oidc_providers]]\n"
        f'issuer = "{OTHER_ISSUER}"\n'
        f'jwks_file = "{other_jwks}"\n'
        f'audiences = ["{AUDIENCE}"]\n')
    secret_key = _secrets.token_urlsafe(30)[:40]
    server = h.dev_server(binary, work, AKID, secret_key, extra_args=["--config", str(config)],
                          log_name="oidc-server.log")
    server.start()
    try:
        endpoint = h.Endpoint(server.endpoint, AKID, secret_key)
        account = h.account_of_endpoint(endpoint)
        yield Oidc(endpoint, account, (rsa_key, ec_key), other_key)
    finally:
        server.stop()


@pytest.fixture
def ids(oidc):
    identities = h.Identities(oidc.endpoint, oidc.account)
    yield identities
    identities.cleanup()


@pytest.fixture
def secrets(oidc, request):
    base = h.unique_name(request.node.name)
    sm = oidc.admin_sm
    return {k: sm.create_secret(Name=f"{base}/{k}", SecretString=f"value-{k}")
            for k in ("app", "other")}


@pytest.fixture
def app_role(oidc, ids, secrets):
    """The contract's role: trusts the provider for sub/aud; reads `app`."""
    return ids.role("webapp", trust_policy=oidc.trust(), policy=h.policy(
        h.allow(GET, secrets["app"]["ARN"])))


def refused(call, code, status=400, message=None):
    return h.expect_error(call, code, message, status=status)


# ================================================================ happy path


@pytest.mark.parametrize("alg", ["RS256", "ES256"])
def test_token_yields_working_credentials(oidc, app_role, secrets, alg):
    signer = oidc.rsa if alg == "RS256" else oidc.ec
    session = h.session_name(alg)
    resp = oidc.assume(app_role, jwt(signer, claims()), session)
    assert {"Credentials", "AssumedRoleUser", "SubjectFromWebIdentityToken", "Provider",
            "Audience"} <= h.members(resp) <= {
        "Credentials", "AssumedRoleUser", "SubjectFromWebIdentityToken", "Provider", "Audience",
        "PackedPolicySize", "SourceIdentity"}, resp
    c = resp["Credentials"]
    assert set(c) == {"AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"}
    assert c["AccessKeyId"].startswith(h.PREFIX_TEMP_ACCESS_KEY) and c["SessionToken"]
    h.assert_expires_in(c["Expiration"], 3600)
    arn = h.assumed_role_arn(oidc.account, app_role["RoleName"], session)
    assert resp["AssumedRoleUser"] == {"Arn": arn,
                                       "AssumedRoleId": f"{app_role['RoleId']}:{session}"}
    assert resp["SubjectFromWebIdentityToken"] == SUB
    assert resp["Audience"] == AUDIENCE
    assert PROVIDER_HOST in resp["Provider"]

    me = oidc.principal(resp)
    assert me.sts.get_caller_identity()["Arn"] == arn
    assert me.sm.get_secret_value(SecretId=secrets["app"]["ARN"])["SecretString"] == "value-app"
    h.expect_denied(lambda: me.sm.get_secret_value(SecretId=secrets["other"]["ARN"]), arn, GET,
                    (secrets["other"]["ARN"],), h.DENY_NO_IDENTITY_ALLOW)


def test_kubernetes_service_account_token(oidc, app_role, secrets):
    """The shape a projected service-account token has: `aud` as a list,
    a `kubernetes.io` claim."""
    token = jwt(oidc.rsa, claims(aud=[AUDIENCE], **{"kubernetes.io": {
        "namespace": "prod", "serviceaccount": {"name": "app", "uid": "0f6d-compat"},
        "pod": {"name": "app-5d8f", "uid": "aa11-compat"}}}))
    me = oidc.principal(oidc.assume(app_role, token))
    assert me.sm.get_secret_value(SecretId=secrets["app"]["ARN"])["SecretString"] == "value-app"


def test_sub_patterns_in_the_trust_policy(oidc, ids):
    role = ids.role("prodall", trust_policy=oidc.trust(sub="system:serviceaccount:prod:*",
                                                       operator="StringLike"))
    oidc.assume(role, jwt(oidc.rsa, claims(sub="system:serviceaccount:prod:worker")))
    refused(lambda: oidc.assume(role, jwt(oidc.rsa, claims(sub="system:serviceaccount:dev:app"))),
            "AccessDenied", 403, h.MSG_WEB_IDENTITY_DENIED)


def test_second_provider_for_its_own_roles(oidc, ids):
    role = ids.role("other", trust_policy=oidc.trust(provider=oidc.other_provider_arn,
                                                     host=OTHER_HOST))
    resp = oidc.assume(role, jwt(oidc.other, claims(iss=OTHER_ISSUER)))
    assert OTHER_HOST in resp["Provider"]


def test_duration_and_session_policy(oidc, ids, secrets):
    role = ids.role("webdur", trust_policy=oidc.trust(), policy=h.policy(h.allow(GET)))
    resp = oidc.assume(role, jwt(oidc.rsa, claims()), DurationSeconds=900)
    h.assert_expires_in(resp["Credentials"]["Expiration"], 900)
    refused(lambda: oidc.assume(role, jwt(oidc.rsa, claims()), DurationSeconds=3601),
            "ValidationError", 400, h.MSG_DURATION_EXCEEDS_MAX)
    narrowed = oidc.principal(oidc.assume(role, jwt(oidc.rsa, claims()), Policy=h.policy(
        h.allow(GET, secrets["app"]["ARN"]))))
    assert narrowed.sm.get_secret_value(SecretId=secrets["app"]["ARN"])["SecretString"] == \
        "value-app"
    h.expect_denied(lambda: narrowed.sm.get_secret_value(SecretId=secrets["other"]["ARN"]),
                    narrowed.arn, GET, (secrets["other"]["ARN"],), h.DENY_NO_SESSION_ALLOW)


# ====================================================== the trust policy


def test_trust_conditions_not_met(oidc, ids, app_role):
    for token in (jwt(oidc.rsa, claims(sub="system:serviceaccount:prod:intruder")),
                  jwt(oidc.rsa, claims(aud=EXTRA_AUDIENCE))):  # accepted by the provider only
        refused(lambda: oidc.assume(app_role, token), "AccessDenied", 403,
                h.MSG_WEB_IDENTITY_DENIED)


def test_role_that_does_not_trust_the_provider(oidc, ids):
    user = ids.user("onlyuser", key=False)
    user_role = ids.role("useronly", trusted=[user.arn])
    other_role = ids.role("otherprov", trust_policy=oidc.trust(provider=oidc.other_provider_arn,
                                                               host=OTHER_HOST))
    token = jwt(oidc.rsa, claims())
    for role in (user_role, other_role):
        refused(lambda: oidc.assume(role, token), "AccessDenied", 403, h.MSG_WEB_IDENTITY_DENIED)


def test_missing_role(oidc):
    missing = {"Arn": h.role_arn(oidc.account, h.iam_name("missing"))}
    refused(lambda: oidc.assume(missing, jwt(oidc.rsa, claims())), "AccessDenied", 403)


# ================================================= tokens that are refused


def test_forged_signature(oidc, app_role):
    forger = Signer("RS256", oidc.rsa.kid)  # another key claiming the issuer's kid
    refused(lambda: oidc.assume(app_role, jwt(forger, claims())), "InvalidIdentityToken")


def test_unknown_kid(oidc, app_role):
    stranger = Signer("ES256", "compat-unknown-kid")
    refused(lambda: oidc.assume(app_role, jwt(stranger, claims())), "InvalidIdentityToken")


def test_issuer_that_is_not_configured(oidc, app_role):
    refused(lambda: oidc.assume(app_role, jwt(oidc.rsa, claims(iss="https://evil.tresor.test"))),
            "InvalidIdentityToken")


def test_key_of_another_issuer(oidc, app_role):
    """Keys belong to their issuer: a token claiming ISSUER but signed with
    the second issuer's key is refused."""
    refused(lambda: oidc.assume(app_role, jwt(oidc.other, claims())), "InvalidIdentityToken")


def test_audience_not_accepted_by_the_provider(oidc, app_role):
    refused(lambda: oidc.assume(app_role, jwt(oidc.rsa, claims(aud="somebody-else"))),
            "InvalidIdentityToken", message="Incorrect token audience")


def test_tampered_claims(oidc, app_role):
    good = jwt(oidc.rsa, claims(sub="system:serviceaccount:dev:app"))
    head, _, sig = good.split(".")
    forged_payload = b64u(json.dumps(claims()).encode())
    refused(lambda: oidc.assume(app_role, f"{head}.{forged_payload}.{sig}"),
            "InvalidIdentityToken")


def test_alg_none_and_hmac_confusion(oidc, app_role):
    c = b64u(json.dumps(claims()).encode())
    none_token = f"{b64u(json.dumps({'alg': 'none', 'typ': 'JWT'}).encode())}.{c}."
    refused(lambda: oidc.assume(app_role, none_token), "InvalidIdentityToken")
    # HS256 keyed with the issuer's public key (algorithm confusion).
    head = b64u(json.dumps({"alg": "HS256", "typ": "JWT", "kid": oidc.rsa.kid}).encode())
    mac = hmac.HMAC(oidc.rsa.public_pem(), hashes.SHA256())
    mac.update(f"{head}.{c}".encode())
    refused(lambda: oidc.assume(app_role, f"{head}.{c}.{b64u(mac.finalize())}"),
            "InvalidIdentityToken")


@pytest.mark.parametrize("token", ["not-a-jwt", "a.b.c", "eyJhbGciOiJSUzI1NiJ9.e30.",
                                   "x" * 40], ids=["word", "three-parts", "empty-sig", "junk"])
def test_not_a_jwt(oidc, app_role, token):
    refused(lambda: oidc.assume(app_role, token), "InvalidIdentityToken")


def test_expired_token(oidc, app_role):
    now = int(time.time())
    expired = claims(iat=now - 7200, nbf=now - 7200, exp=now - 3600)
    refused(lambda: oidc.assume(app_role, jwt(oidc.rsa, expired)), "ExpiredTokenException")
    refused(lambda: oidc.assume(app_role, jwt(oidc.ec, expired)), "ExpiredTokenException")


# ========================================================== unsigned calls


def test_only_web_identity_is_served_unsigned(oidc, app_role):
    """Every other STS/IAM/Secrets Manager call still needs a signature."""
    for service, call in [
        ("sts", lambda c: c.get_caller_identity()),
        ("sts", lambda c: c.assume_role(RoleArn=app_role["Arn"], RoleSessionName="sess")),
        ("iam", lambda c: c.list_users()),
        ("secretsmanager", lambda c: c.list_secrets()),
    ]:
        client = h.make_client(oidc.endpoint, service=service, unsigned=True)
        with pytest.raises(h.ClientError) as info:
            call(client)
        assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] in (400, 403), \
            info.value.response
        assert info.value.response["Error"]["Code"] in {
            "MissingAuthenticationToken", "MissingAuthenticationTokenException",
            "AccessDenied", "AccessDeniedException", "InvalidClientTokenId",
            "IncompleteSignature", "IncompleteSignatureException"}, info.value.response
