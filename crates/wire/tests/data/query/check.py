"""Reads Tresor's awsQuery XML back with botocore, as boto3 and the AWS CLI do.

Input (stdin, JSON): {"responses": [{"service", "operation", "case", "xml",
"expected", "request_id"}], "errors": [{"service", "xml", "status", "code",
"message", "type", "request_id"}]}. Each response is parsed with botocore's
query parser against the vendored model (`../../../model`), then IAM's
`json_decode_policies` handler runs, as in a client; the result must equal
`expected` (the DTO's JSON) with timestamps as datetimes and IAM policy
documents as dicts. Each error must parse to its code, message and type.
Prints every mismatch and exits 1 if there was one.
"""

import datetime
import json
import os
import sys

import botocore.handlers
import botocore.model
import botocore.parsers

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.join(HERE, '..', '..', '..', 'model')
VERSIONS = {'iam': '2010-05-08', 'sts': '2011-06-15'}
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def model(service, cache={}):
    if service not in cache:
        with open(os.path.join(MODELS, f'{service}-{VERSIONS[service]}.json')) as f:
            cache[service] = botocore.model.ServiceModel(json.load(f), service_name=service)
    return cache[service]


def as_boto(service, shape, value):
    """The DTO JSON `value` as botocore hands it to a user."""
    t = shape.type_name
    if t == 'structure':
        return {k: as_boto(service, shape.members[k], v) for k, v in value.items()}
    if t == 'list':
        return [as_boto(service, shape.member, v) for v in value]
    if t == 'timestamp':
        return EPOCH + datetime.timedelta(milliseconds=round(value * 1000))
    if service == 'iam' and t == 'string' and shape.name == 'policyDocumentType':
        return json.loads(value)
    return value


def main():
    given = json.load(sys.stdin)
    failures = []
    for r in given['responses']:
        label = f"{r['service']} {r['operation']} ({r['case']})"
        op = model(r['service']).operation_model(r['operation'])
        parser = botocore.parsers.create_parser('query')
        try:
            parsed = parser.parse(
                {'status_code': 200, 'headers': {}, 'body': r['xml'].encode()}, op.output_shape)
            if r['service'] == 'iam':
                botocore.handlers.json_decode_policies(parsed, op)
        except Exception as e:  # botocore could not read it at all
            failures.append(f'{label}: botocore fails: {e!r}\n  {r["xml"]}')
            continue
        metadata = parsed.pop('ResponseMetadata', {})
        if metadata.get('RequestId') != r['request_id']:
            failures.append(f'{label}: request id {metadata!r}')
        expected = as_boto(r['service'], op.output_shape, r['expected']) if op.output_shape else {}
        if parsed != expected:
            failures.append(f'{label}:\n  parsed   {parsed!r}\n  expected {expected!r}\n  xml {r["xml"]}')
    for e in given['errors']:
        parser = botocore.parsers.create_parser('query')
        parsed = parser.parse(
            {'status_code': e['status'], 'headers': {}, 'body': e['xml'].encode()}, None)
        want = {'Error': {'Type': e['type'], 'Code': e['code'], 'Message': e['message']},
                'RequestId': e['request_id']}
        got = {'Error': parsed.get('Error'),
               'RequestId': parsed.get('ResponseMetadata', {}).get('RequestId')}
        if got != want:
            failures.append(f"error {e['code']}:\n  parsed   {got!r}\n  expected {want!r}")
    for failure in failures:
        print(failure)
    print(f"{len(given['responses']) + len(given['errors']) - len(failures)} passed, {len(failures)} failed")
    sys.exit(1 if failures else 0)


if __name__ == '__main__':
    main()
