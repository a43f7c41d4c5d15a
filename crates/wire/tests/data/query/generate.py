"""Regenerates the awsQuery fixtures (iam.json, sts.json) from botocore.

For every operation Tresor serves: requests exactly as botocore sends them
(a real client, its serializer and SigV4 signer; the request is captured at
`before-send` and never leaves the process), with the parameters that were
given, and sample responses as the DTOs hold them (timestamps as epoch
seconds, policy documents as JSON text). Values are made from the vendored
model, with realistic text where a shape asks for it.

    python3 generate.py    # from this directory; rewrites iam.json, sts.json
"""

import json
import os

import boto3
import botocore.session

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.join(HERE, '..', '..', '..', 'model')

SERVED = {
    'iam': """CreateUser GetUser ListUsers DeleteUser TagUser UntagUser ListUserTags
        CreateAccessKey ListAccessKeys UpdateAccessKey DeleteAccessKey CreateGroup GetGroup
        ListGroups DeleteGroup AddUserToGroup RemoveUserFromGroup ListGroupsForUser CreateRole
        GetRole ListRoles DeleteRole UpdateAssumeRolePolicy TagRole UntagRole ListRoleTags
        PutUserPolicy GetUserPolicy ListUserPolicies DeleteUserPolicy PutGroupPolicy
        GetGroupPolicy ListGroupPolicies DeleteGroupPolicy PutRolePolicy GetRolePolicy
        ListRolePolicies DeleteRolePolicy CreatePolicy GetPolicy ListPolicies DeletePolicy
        CreatePolicyVersion GetPolicyVersion ListPolicyVersions DeletePolicyVersion
        SetDefaultPolicyVersion AttachUserPolicy DetachUserPolicy ListAttachedUserPolicies
        AttachGroupPolicy DetachGroupPolicy ListAttachedGroupPolicies AttachRolePolicy
        DetachRolePolicy ListAttachedRolePolicies""".split(),
    'sts': 'GetCallerIdentity AssumeRole AssumeRoleWithWebIdentity GetSessionToken'.split(),
}
VERSIONS = {'iam': '2010-05-08', 'sts': '2011-06-15'}
# Who signs: IAM with a long-term key (global, us-east-1), STS with
# temporary credentials in another region.
SIGNERS = {
    'iam': dict(key='AKIAIOSFODNN7EXAMPLE', secret='wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
                token=None, region='us-east-1', endpoint='https://iam.amazonaws.com'),
    'sts': dict(key='ASIAIOSFODNN7EXAMPLE', secret='je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY',
                token='FwoGZXIvYXdzEBYaDNQuery+Fixture/Token==', region='eu-west-3',
                endpoint='http://127.0.0.1:8443'),
}

POLICY = json.dumps({
    'Version': '2012-10-17',
    'Statement': [{
        'Sid': 'ReadTeam Secrets',
        'Effect': 'Allow',
        'Action': ['secretsmanager:GetSecretValue', 'kms:Decrypt'],
        'Resource': 'arn:aws:secretsmanager:us-east-1:123456789012:secret:team/*',
        'Condition': {'StringEquals': {'aws:PrincipalTag/équipe': 'café & co'}},
    }],
}, indent=2)
TRUST = json.dumps({
    'Version': '2012-10-17',
    'Statement': [{'Effect': 'Allow', 'Principal': {'Service': 'ec2.amazonaws.com'},
                   'Action': 'sts:AssumeRole'}],
})

# Realistic values by shape name (the model's patterns hold for each).
BY_SHAPE = {
    'userNameType': 'alice+ops@example.com', 'existingUserNameType': 'alice',
    'groupNameType': 'Admins', 'roleNameType': 'ReadOnly.Role', 'policyNameType': 'read-team',
    'pathType': '/division_abc/subdivision_xyz/', 'pathPrefixType': '/division_abc/',
    'policyPathType': '/team/', 'policyDocumentType': POLICY,
    'arnType': 'arn:aws:iam::123456789012:policy/team/read-team',
    'accessKeyIdType': 'AKIAIOSFODNN7EXAMPLE', 'idType': 'AIDACKCEVSQ6C2EXAMPLE',
    'markerType': 'bWFya2VyIDE=', 'responseMarkerType': 'bmV4dCBtYXJrZXI=',
    'policyVersionIdType': 'v2', 'policyDescriptionType': 'Reads the team\'s secrets\r\n<& all>',
    'roleDescriptionType': 'Role for "reporting" & café ¡olé!', 'tagKeyType': 'équipe:name',
    'tagValueType': 'Plateforme 42 / ops', 'stringType': 'eu-west-3',
    'roleSessionNameType': 'ci-job@42', 'externalIdType': 'external:id-1',
    'serialNumberType': 'arn:aws:iam::123456789012:mfa/alice', 'tokenCodeType': '123456',
    'unrestrictedSessionPolicyDocumentType': POLICY, 'sessionPolicyDocumentType': TRUST,
    'clientTokenType': 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZGVmYXVsdDpjaSJ9.c2lnbmF0dXJl',
    'urlType': 'accounts.google.com', 'contextAssertionType': 'Y29udGV4dCBhc3NlcnRpb24=',
    'accountType': '123456789012', 'userIdType': 'AIDACKCEVSQ6C2EXAMPLE',
    'assumedRoleIdType': 'AROA3XFRBF535PLBIFPI4:ci-job@42',
    'accessKeySecretType': 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY',
    'tokenType': 'IQoJb3JpZ2luX2VjEHoaCXVzLWVhc3QtMSJHMEUCIQ+Session/Token==',
    'webIdentitySubjectType': 'system:serviceaccount:default:ci', 'Issuer': 'https://oidc.example.com',
    'Audience': 'sts.amazonaws.com',
}
BY_MEMBER = {
    ('sts', 'RoleArn'): 'arn:aws:iam::123456789012:role/ci',
    ('iam', 'PermissionsBoundary'): 'arn:aws:iam::aws:policy/PowerUserAccess',
    ('sts', 'arn'): 'arn:aws:iam::aws:policy/ReadOnlyAccess',
    ('sts', 'ProviderArn'): 'arn:aws:iam::aws:contextProvider/IdentityCenter',
    ('sts', 'Arn'): 'arn:aws:sts::123456789012:assumed-role/ci/ci-job@42',
}


# Text shapes whose second list item gets a suffix.
VARIED = {'tagKeyType', 'tagValueType', 'policyNameType', 'userNameType', 'groupNameType',
          'roleNameType', 'arnType', 'idType', 'accessKeyIdType'}


def load(service):
    with open(os.path.join(MODELS, f'{service}-{VERSIONS[service]}.json')) as f:
        return botocore.model.ServiceModel(json.load(f), service_name=service)


def value(service, shape, member, full, depth=0, item=0):
    """A value for `shape` as the DTO holds it (epoch-second timestamps).
    The second item of a list differs from the first where text allows."""
    t = shape.type_name
    if t == 'structure':
        out = {}
        required = set(shape.required_members)
        for name, m in shape.members.items():
            if full or name in required:
                out[name] = value(service, m, name, full, depth + 1, item)
        return out
    if t == 'list':
        count = 2 if full else 0
        return [value(service, shape.member, member, full, depth + 1, i) for i in range(count)]
    if t == 'string':
        if shape.enum:
            return shape.enum[-1] if full else shape.enum[0]
        text = BY_MEMBER.get((service, member)) or BY_SHAPE.get(shape.name) or f'{member}-value'
        return f'{text}-{item + 1}' if item and shape.name in VARIED else text
    if t == 'integer':
        lo = shape.metadata.get('min', 1)
        hi = shape.metadata.get('max', 10**6)
        return min(max(lo, 3600 if full else lo), hi)
    if t == 'boolean':
        return full
    if t == 'timestamp':
        return 1523477145.713 if full else 1700000000
    raise ValueError(f'{shape.name}: {t}')


def captured_requests(service):
    s = SIGNERS[service]
    session = botocore.session.get_session()
    client = session.create_client(
        service, region_name=s['region'], endpoint_url=s['endpoint'],
        aws_access_key_id=s['key'], aws_secret_access_key=s['secret'],
        aws_session_token=s['token'])
    model = load(service)
    sent = []

    class Captured(Exception):
        pass

    def capture(request, **_):
        sent.append(request)
        raise Captured()

    client.meta.events.register('before-send', capture)
    out = []
    for op in SERVED[service]:
        shape = model.operation_model(op).input_shape
        for case, full in (('full', True), ('minimal', False)):
            params = value(service, shape, op, full)
            method = getattr(client, botocore.xform_name(op))
            try:
                method(**params)
            except Captured:
                pass
            r = sent.pop()
            body = r.body if isinstance(r.body, bytes) else r.body.encode()
            out.append({
                'operation': op, 'case': case, 'params': params,
                'method': r.method, 'url': r.url,
                'headers': [[k, v if isinstance(v, str) else v.decode()] for k, v in r.headers.items()],
                'body': body.decode(),
            })
    return out


def responses(service):
    model = load(service)
    out = []
    for op in SERVED[service]:
        shape = model.operation_model(op).output_shape
        if shape is None:
            continue
        for case, full in (('full', True), ('minimal', False)):
            out.append({'operation': op, 'case': case, 'value': value(service, shape, op, full)})
    return out


def main():
    for service in SERVED:
        s = SIGNERS[service]
        fixture = {
            'about': 'generated by generate.py with botocore ' + botocore.__version__,
            'credentials': {'access_key_id': s['key'], 'secret_access_key': s['secret'],
                            'session_token': s['token'], 'region': s['region']},
            'requests': captured_requests(service),
            'responses': responses(service),
        }
        with open(os.path.join(HERE, f'{service}.json'), 'w') as f:
            json.dump(fixture, f, indent=1, ensure_ascii=False)
            f.write('\n')


if __name__ == '__main__':
    main()
