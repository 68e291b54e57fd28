#!/usr/bin/env python3
"""Writes the demo organization's CloudTrail fixtures in every input form
keyhound reads, from one list of records (shapes from the AWS CloudTrail
User Guide's record contents and userIdentity pages and the KMS Developer
Guide's CloudTrail examples: ct-decrypt, ct-generatedatakey, ct-creategrant).
Run from cloudtrail/testdata: python3 gen.py"""
import gzip, json, os, shutil

REPORTS = "arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a001"
EBSSHARE = "arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a002"
RDSSHARE = "arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a003"
SECRETS = "arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a004"
LEGACY = "arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a006"

def user(acct, name, uid, invoked=None):
    u = {"type": "IAMUser", "principalId": uid, "arn": f"arn:aws:iam::{acct}:user/{name}",
         "accountId": acct, "accessKeyId": "AKIAEXAMPLE", "userName": name}
    if invoked: u["invokedBy"] = invoked
    return u

def session(acct, role, rid, sess, issuer=True, invoked=None):
    u = {"type": "AssumedRole", "principalId": f"{rid}:{sess}",
         "arn": f"arn:aws:sts::{acct}:assumed-role/{role}/{sess}", "accountId": acct, "accessKeyId": "ASIAEXAMPLE"}
    if issuer:
        u["sessionContext"] = {"sessionIssuer": {"type": "Role", "principalId": rid,
            "arn": f"arn:aws:iam::{acct}:role/{role}", "accountId": acct, "userName": role},
            "attributes": {"creationDate": "2026-11-03T11:00:00Z", "mfaAuthenticated": "false"}}
    if invoked: u["invokedBy"] = invoked
    return u

def kms(n, t, name, ident, key_ref, recipient, resources=True, ec=None, error=None, extra=None, shared=None, src_ip="198.51.100.7", agent="aws-cli/2.15.0"):
    rp = {"keyId": key_ref, "encryptionAlgorithm": "SYMMETRIC_DEFAULT"} if key_ref else None
    if rp and ec: rp["encryptionContext"] = ec
    r = {"eventVersion": "1.11", "userIdentity": ident, "eventTime": t, "eventSource": "kms.amazonaws.com",
         "eventName": name, "awsRegion": "us-east-1", "sourceIPAddress": src_ip, "userAgent": agent,
         "requestParameters": rp, "responseElements": None,
         "requestID": f"req-{n:04d}", "eventID": f"evt-{n:04d}", "readOnly": True,
         "eventType": "AwsApiCall", "managementEvent": True, "recipientAccountId": recipient, "eventCategory": "Management"}
    if resources and key_ref and key_ref.startswith("arn:"):
        acct = key_ref.split(":")[4]
        r["resources"] = [{"accountId": acct, "type": "AWS::KMS::Key", "ARN": key_ref}]
    if error:
        r["errorCode"], r["errorMessage"] = error
    if extra: r.update(extra)
    if shared: r["sharedEventID"] = shared
    return r

recs = []
# 1-2. Decrypt through S3 for dilip (analytics) on alias/reports's key: S3
# calls KMS for him (invokedBy, forward access session); the key owner's copy.
for i, (t, obj) in enumerate([("2026-11-03T12:00:00Z", "2026/q3.csv"), ("2026-11-20T09:30:00Z", "2026/q4.csv")]):
    recs.append(kms(1 + i, t, "Decrypt", user("222222222222", "dilip", "AIDADILIP", "s3.amazonaws.com"), REPORTS, "111111111111",
                    ec={"aws:s3:arn": f"arn:aws:s3:::kh-demo-reports/{obj}"}, src_ip="s3.amazonaws.com", agent="s3.amazonaws.com"))
# 3-4. A cross-account Decrypt by DataEngineer: the caller's copy (full
# identity) and the key owner's (AWSAccount with the principal's unique ID),
# linked by sharedEventID: one call.
recs.append(kms(3, "2026-11-05T08:00:00Z", "Decrypt", session("222222222222", "DataEngineer", "AROADATAENGINEER", "alice"), REPORTS, "222222222222", shared="shared-0001"))
recs.append(kms(4, "2026-11-05T08:00:00Z", "Decrypt", {"type": "AWSAccount", "principalId": "AROADATAENGINEER:alice", "accountId": "222222222222"}, REPORTS, "111111111111", shared="shared-0001"))
# 5. GenerateDataKeyWithoutPlaintext through EBS for KeyAdmin, the key named
# by its alias in the caller's account (the session ARN rewritten to the role).
recs.append(kms(5, "2026-11-07T10:00:00Z", "GenerateDataKeyWithoutPlaintext", session("111111111111", "KeyAdmin", "AROAKEYADMIN", "i-0abc", issuer=False, invoked="ec2.amazonaws.com"),
                "alias/aws/ebs", "111111111111", resources=False, ec={"aws:ebs:id": "vol-0123456789abcdef0"}, src_ip="ec2.amazonaws.com", agent="ec2.amazonaws.com"))
# 6. CreateGrant by EC2 for SnapshotCopier (copying a shared snapshot).
recs.append(kms(6, "2026-11-08T10:00:00Z", "CreateGrant", session("222222222222", "SnapshotCopier", "AROASNAPSHOTCOPI", "copy", invoked="ec2.amazonaws.com"), EBSSHARE, "111111111111",
                src_ip="ec2.amazonaws.com", agent="ec2.amazonaws.com",
                extra={"requestParameters": {"keyId": EBSSHARE, "granteePrincipal": "ec2.amazonaws.com", "operations": ["Decrypt", "GenerateDataKeyWithoutPlaintext", "ReEncryptFrom", "ReEncryptTo", "CreateGrant", "DescribeKey"]},
                       "responseElements": {"grantId": "0f3c9d1b2a0000000000000000000000000000000000000000000000000000e6", "keyId": EBSSHARE}}))
# 7. CreateGrant by RDS acting as itself.
recs.append(kms(7, "2026-11-09T10:00:00Z", "CreateGrant", {"type": "AWSService", "invokedBy": "rds.amazonaws.com"}, RDSSHARE, "111111111111",
                src_ip="rds.amazonaws.com", agent="rds.amazonaws.com",
                extra={"requestParameters": {"keyId": RDSSHARE, "granteePrincipal": "rds.us-east-1.amazonaws.com", "operations": ["Decrypt", "GenerateDataKey"]},
                       "responseElements": {"grantId": "0f3c9d1b2a0000000000000000000000000000000000000000000000000000e7", "keyId": RDSSHARE}}))
# 8. ReportsReader decrypts, the key named by its alias name.
recs.append(kms(8, "2026-11-10T10:00:00Z", "Decrypt", session("111111111111", "ReportsReader", "AROAREPORTSREADE", "etl", issuer=False), "alias/reports", "111111111111", resources=False))
# 9. The unexplained event: dilip-no-policy decrypted, which the snapshot
# says he cannot (no identity policy allows it).
recs.append(kms(9, "2026-11-12T10:00:00Z", "Decrypt", user("222222222222", "dilip-no-policy", "AIDADILIP-NO-POL"), REPORTS, "111111111111"))
# 10-12. AccessDenied, identity policy (logged in the caller's account).
for i in range(3):
    recs.append(kms(10 + i, f"2026-11-1{3+i}T10:00:00Z", "Decrypt", user("222222222222", "dilip-no-policy", "AIDADILIP-NO-POL"), REPORTS, "222222222222", resources=False,
                    error=("AccessDenied", f"User: arn:aws:iam::222222222222:user/dilip-no-policy is not authorized to perform: kms:Decrypt on resource: {REPORTS} because no identity-based policy allows the kms:Decrypt action")))
# 13-14. AccessDenied, SCP: two sessions of one role in the sandbox.
for i, s in enumerate(["bob", "carol"]):
    arn = f"arn:aws:sts::444444444444:assumed-role/Tinkerer/{s}"
    recs.append(kms(13 + i, f"2026-11-16T1{i}:00:00Z", "Decrypt", session("444444444444", "Tinkerer", "AROATINKERER", s), REPORTS, "444444444444", resources=False,
                    error=("AccessDenied", f"User: {arn} is not authorized to perform: kms:Decrypt on resource: {REPORTS} with an explicit deny in a service control policy")))
# 15. AccessDenied, RCP: the auditor outside the organization.
recs.append(kms(15, "2026-11-17T10:00:00Z", "Decrypt", session("555555555555", "Exporter", "AROAEXPORTER", "audit", issuer=False), REPORTS, "555555555555", resources=False,
                error=("AccessDenied", f"User: arn:aws:sts::555555555555:assumed-role/Exporter/audit is not authorized to perform: kms:Decrypt on resource: {REPORTS} with an explicit deny in a resource control policy")))
# 16. AccessDenied, key policy (KMS hides the key and the layer).
recs.append(kms(16, "2026-11-18T10:00:00Z", "Decrypt", user("222222222222", "dilip", "AIDADILIP"), SECRETS, "222222222222", resources=False,
                error=("AccessDenied", "User: arn:aws:iam::222222222222:user/dilip is not authorized to perform: kms:Decrypt on this resource because the resource does not exist in this Region, no resource-based policies allow access, or a resource-based policy explicitly denies access")))
# 17. Key state: the legacy key is pending deletion.
recs.append(kms(17, "2026-11-19T10:00:00Z", "Decrypt", session("111111111111", "KeyAdmin", "AROAKEYADMIN", "admin"), LEGACY, "111111111111",
                error=("KMSInvalidStateException", f"{LEGACY} is pending deletion.")))
# 18. Another service's event, not KMS.
recs.append({"eventVersion": "1.11", "userIdentity": user("111111111111", "ann", "AIDAANN"), "eventTime": "2026-11-21T10:00:00Z",
             "eventSource": "s3.amazonaws.com", "eventName": "ListBuckets", "awsRegion": "us-east-1", "sourceIPAddress": "198.51.100.7",
             "userAgent": "aws-cli/2.15.0", "requestParameters": {"Host": "s3.amazonaws.com"}, "responseElements": None,
             "requestID": "req-0018", "eventID": "evt-0018", "readOnly": True, "eventType": "AwsApiCall", "recipientAccountId": "111111111111"})
# 19. Outside November: left out by --since 2026-11-01.
recs.append(kms(19, "2026-10-15T10:00:00Z", "Decrypt", session("222222222222", "Batch", "AROABATCH", "job"), REPORTS, "111111111111", ec={"department": "finance"}))

def dump(path, obj, gz=False):
    data = json.dumps(obj, indent=1).encode()
    if gz:
        with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as f: f.write(data)
    else:
        with open(path, "wb") as f: f.write(data)

dump("demo-trail.json", {"Records": recs})
with open("demo-records.jsonl", "w") as f:
    for r in recs: f.write(json.dumps(r) + "\n")
# An S3-synced trail tree: one gzip file per recipient account and day.
shutil.rmtree("AWSLogs", ignore_errors=True)
by = {}
for r in recs:
    day = r["eventTime"][:10].replace("-", "/")
    by.setdefault((r["recipientAccountId"], day), []).append(r)
for (acct, day), rs in sorted(by.items()):
    d = f"AWSLogs/{acct}/CloudTrail/us-east-1/{day}"
    os.makedirs(d, exist_ok=True)
    stamp = day.replace("/", "")
    dump(f"{d}/{acct}_CloudTrail_us-east-1_{stamp}T1205Z_kh0demo{len(rs)}.json.gz", {"Records": rs}, gz=True)
os.makedirs("AWSLogs/111111111111/CloudTrail-Digest/us-east-1/2026/11/03", exist_ok=True)
dump("AWSLogs/111111111111/CloudTrail-Digest/us-east-1/2026/11/03/111111111111_CloudTrail-Digest_us-east-1_kh-demo_us-east-1_20261103T130000Z.json.gz",
     {"awsAccountId": "111111111111", "digestStartTime": "2026-11-03T12:00:00Z", "digestEndTime": "2026-11-03T13:00:00Z",
      "digestS3Bucket": "kh-demo-trail", "logFiles": []}, gz=True)
# lookup-events output: each record as the string CloudTrailEvent.
dump("demo-lookup-events.json", {"Events": [{"EventId": r["eventID"], "EventName": r["eventName"], "ReadOnly": "true",
    "EventTime": r["eventTime"], "EventSource": r["eventSource"], "Resources": [], "CloudTrailEvent": json.dumps(r)} for r in recs]})

# CloudTrail Lake results: struct and map columns as Lake prints them.
def lake_print(v):
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}={lake_print(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(lake_print(x) for x in v) + "]"
    if v is None: return "null"
    return str(v)
rows = []
for r in recs:
    row = [{"eventTime": r["eventTime"].replace("T", " ").replace("Z", ".000")}]
    for c in ["eventSource", "eventName", "awsRegion", "sourceIPAddress", "userAgent", "errorCode", "errorMessage", "recipientAccountId", "sharedEventID", "eventID", "requestID"]:
        if c in r: row.append({c: r[c]})
    row.append({"userIdentity": lake_print(r["userIdentity"])})
    for c in ["requestParameters", "responseElements", "resources"]:
        if r.get(c) is not None: row.append({c: lake_print(r[c])})
    rows.append(row)
dump("demo-lake.json", {"QueryStatus": "FINISHED", "QueryStatistics": {"ResultsCount": len(rows), "TotalResultsCount": len(rows), "BytesScanned": 81920}, "QueryResultRows": rows})
