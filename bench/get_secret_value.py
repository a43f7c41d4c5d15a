#!/usr/bin/env python3
"""GetSecretValue throughput and latency against a running Tresor.

Signs one GetSecretValue request with botocore's SigV4 signer (valid for the
server's 5-minute skew window) and replays it with `wrk` at several
concurrencies, HTTP/1.1 keep-alive. Every replay is fully verified, authorized,
read and decrypted by the server.

    python3 bench/get_secret_value.py --caller root
    python3 bench/get_secret_value.py --caller user     # an IAM user, 1 inline policy
    python3 bench/get_secret_value.py --caller grouped  # a user in a group, 5 policies

Uses AWS_ENDPOINT_URL and the root's AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY
(e.g. `tresor server --dev`). Needs boto3 and wrk. Prints a Markdown table for
docs/performance.md.
"""

import argparse
import json
import os
import re
import subprocess
import tempfile

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

SECRET = "bench/db"
REGION = "us-east-1"


def read_policy(resource):
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
            "Resource": resource,
        }],
    })


def unrelated_policy(n):
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Action": "secretsmanager:DescribeSecret",
            "Resource": f"arn:aws:secretsmanager:*:*:secret:team{n}/*",
            "Condition": {"StringEquals": {"aws:ResourceTag/team": f"team{n}"}},
        }],
    })


def caller_credentials(kind, iam, endpoint_creds):
    """Credentials of the caller to measure, creating it if needed."""
    if kind == "root":
        return endpoint_creds
    name = f"bench-{kind}"
    try:
        iam.create_user(UserName=name)
    except iam.exceptions.EntityAlreadyExistsException:
        for key in iam.list_access_keys(UserName=name)["AccessKeyMetadata"]:
            iam.delete_access_key(UserName=name, AccessKeyId=key["AccessKeyId"])
    if kind == "user":
        iam.put_user_policy(UserName=name, PolicyName="read", PolicyDocument=read_policy(
            "arn:aws:secretsmanager:*:*:secret:bench/*"))
    else:
        group = "bench-group"
        try:
            iam.create_group(GroupName=group)
        except iam.exceptions.EntityAlreadyExistsException:
            pass
        iam.add_user_to_group(GroupName=group, UserName=name)
        iam.put_group_policy(GroupName=group, PolicyName="read", PolicyDocument=read_policy(
            "arn:aws:secretsmanager:*:*:secret:bench/*"))
        for n in range(4):
            iam.put_group_policy(GroupName=group, PolicyName=f"other{n}",
                                 PolicyDocument=unrelated_policy(n))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return Credentials(key["AccessKeyId"], key["SecretAccessKey"])


def signed_lua(endpoint, credentials):
    body = json.dumps({"SecretId": SECRET})
    request = AWSRequest(method="POST", url=endpoint + "/", data=body, headers={
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": "secretsmanager.GetSecretValue",
    })
    SigV4Auth(credentials, "secretsmanager", REGION).add_auth(request)
    lines = ['wrk.method="POST"', f"wrk.body={json.dumps(body)}"]
    for name in ("Content-Type", "X-Amz-Target", "X-Amz-Date", "Authorization"):
        lines.append(f"wrk.headers[{json.dumps(name)}]={json.dumps(request.headers[name])}")
    return "\n".join(lines) + "\n"


def run_wrk(endpoint, script, connections, seconds):
    out = subprocess.run(
        ["wrk", "-t", str(min(connections, 2)), "-c", str(connections), "-d", f"{seconds}s",
         "--latency", "-s", script, endpoint + "/"],
        check=True, capture_output=True, text=True).stdout
    if re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        raise SystemExit(f"the server refused requests:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"50%\s+([\d.]+\w+)", out).group(1)
    p99 = re.search(r"99%\s+([\d.]+\w+)", out).group(1)
    return rps, p50, p99


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--caller", choices=["root", "user", "grouped"], default="root")
    parser.add_argument("--connections", default="1,16,64")
    parser.add_argument("--seconds", type=int, default=8)
    args = parser.parse_args()

    endpoint = os.environ["AWS_ENDPOINT_URL"].rstrip("/")
    root = Credentials(os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"])
    sm = boto3.client("secretsmanager", region_name=REGION)
    iam = boto3.client("iam", region_name=REGION)
    try:
        sm.create_secret(Name=SECRET, SecretString=json.dumps(
            {"username": "app", "password": "bench-password-0123456789", "host": "db.internal"}))
    except sm.exceptions.ResourceExistsException:
        pass
    credentials = caller_credentials(args.caller, iam, root)

    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(signed_lua(endpoint, credentials))
        script = f.name
    try:
        print(f"caller: {args.caller}\n")
        print("| connections | requests/s | p50 | p99 |\n|---|---|---|---|")
        for c in (int(x) for x in args.connections.split(",")):
            rps, p50, p99 = run_wrk(endpoint, script, c, args.seconds)
            print(f"| {c} | {rps:,.0f} | {p50} | {p99} |")
    finally:
        os.unlink(script)


if __name__ == "__main__":
    main()
