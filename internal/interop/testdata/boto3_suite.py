"""The boto3 half of the interop suite: every sandbox service through boto3.

Run by interop_test.go with AWS_ENDPOINT_URL pointing at a fresh sandbox whose
seed has alice@example.com in the group Developers, and which approves every
sign-in as alice. Exits non-zero on the first failed check.
"""
import base64
import csv
import hashlib
import io
import json
import os
import re
import sys
import time
import urllib.parse
import urllib.request

import boto3
import botocore.exceptions

URL = os.environ["SANDBOX_URL"]
STORE = "d-1111111111"
HOME = os.environ["HOME"]


def check(cond, what):
    if not cond:
        print("FAIL:", what, file=sys.stderr)
        sys.exit(1)


def code_of(fn, *a, **kw):
    try:
        fn(*a, **kw)
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"]
    return None


s = boto3.session.Session()

# Organizations, with the paginator.
org = s.client("organizations")
ids = [a["Id"] for page in org.get_paginator("list_accounts").paginate(PaginationConfig={"PageSize": 1}) for a in page["Accounts"]]
check(ids == ["111111111111", "222222222222", "333333333333"], f"organizations accounts {ids}")
root = org.list_roots()["Roots"][0]["Id"]
check(org.list_parents(ChildId="222222222222")["Parents"][0]["Id"] == root, "list_parents")
check(code_of(org.describe_account, AccountId="999999999999") == "AccountNotFoundException", "unknown account")

# Identity store.
ids_ = s.client("identitystore")
alice = ids_.get_user_id(IdentityStoreId=STORE, AlternateIdentifier={"UniqueAttribute": {"AttributePath": "userName", "AttributeValue": "alice@example.com"}})["UserId"]
u = ids_.describe_user(IdentityStoreId=STORE, UserId=alice)
check(u["DisplayName"] == "Alice Doe" and u["Name"]["GivenName"] == "Alice", f"describe_user {u}")
carol = ids_.create_user(IdentityStoreId=STORE, UserName="carol@example.com", DisplayName="Carol Poe",
                         Name={"GivenName": "Carol", "FamilyName": "Poe"},
                         Emails=[{"Value": "carol@example.com", "Type": "work", "Primary": True}])["UserId"]
check(code_of(ids_.create_user, IdentityStoreId=STORE, UserName="x", DisplayName="X") == "ValidationException", "missing name")
ids_.update_user(IdentityStoreId=STORE, UserId=carol, Operations=[{"AttributePath": "displayName", "AttributeValue": "Carol P."}])
check(ids_.describe_user(IdentityStoreId=STORE, UserId=carol)["DisplayName"] == "Carol P.", "update_user")
names = [x["UserName"] for p in ids_.get_paginator("list_users").paginate(IdentityStoreId=STORE, PaginationConfig={"PageSize": 1}) for x in p["Users"]]
check(sorted(names) == ["alice@example.com", "carol@example.com"], f"list_users {names}")
g = ids_.create_group(IdentityStoreId=STORE, DisplayName="Ops", Description="on call")["GroupId"]
m = ids_.create_group_membership(IdentityStoreId=STORE, GroupId=g, MemberId={"UserId": carol})["MembershipId"]
r = ids_.is_member_in_groups(IdentityStoreId=STORE, MemberId={"UserId": carol}, GroupIds=[g])["Results"]
check(r[0]["MembershipExists"] is True, f"is_member_in_groups {r}")
ids_.delete_user(IdentityStoreId=STORE, UserId=carol)
check(ids_.list_group_memberships(IdentityStoreId=STORE, GroupId=g)["GroupMemberships"] == [], "memberships of a deleted user remain")
check(code_of(ids_.describe_user, IdentityStoreId=STORE, UserId=carol) == "ResourceNotFoundException", "deleted user")

# sso-admin: permission set, policies, async assignment to alice's group.
sso_admin = s.client("sso-admin")
inst = sso_admin.list_instances()["Instances"][0]
arn = inst["InstanceArn"]
check(inst["IdentityStoreId"] == STORE, "instance store")
ps = sso_admin.create_permission_set(InstanceArn=arn, Name="ReadOnly", SessionDuration="PT1H",
                                     RelayState="https://console.aws.amazon.com/console/home?region=us-east-1",
                                     Tags=[{"Key": "managed-by", "Value": "keyless"}])["PermissionSet"]["PermissionSetArn"]
sso_admin.attach_managed_policy_to_permission_set(InstanceArn=arn, PermissionSetArn=ps, ManagedPolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
sso_admin.attach_customer_managed_policy_reference_to_permission_set(InstanceArn=arn, PermissionSetArn=ps,
                                                                     CustomerManagedPolicyReference={"Name": "Extra", "Path": "/team/"})
sso_admin.put_permissions_boundary_to_permission_set(InstanceArn=arn, PermissionSetArn=ps,
                                                     PermissionsBoundary={"ManagedPolicyArn": "arn:aws:iam::aws:policy/PowerUserAccess"})
tags = sso_admin.list_tags_for_resource(InstanceArn=arn, ResourceArn=ps)["Tags"]
check(tags == [{"Key": "managed-by", "Value": "keyless"}], f"tags {tags}")
devs = ids_.get_group_id(IdentityStoreId=STORE, AlternateIdentifier={"UniqueAttribute": {"AttributePath": "displayName", "AttributeValue": "Developers"}})["GroupId"]
req = sso_admin.create_account_assignment(InstanceArn=arn, TargetId="333333333333", TargetType="AWS_ACCOUNT",
                                          PermissionSetArn=ps, PrincipalType="GROUP", PrincipalId=devs)["AccountAssignmentCreationStatus"]
check(req["Status"] == "IN_PROGRESS", f"assignment starts IN_PROGRESS: {req}")
for _ in range(100):
    st = sso_admin.describe_account_assignment_creation_status(InstanceArn=arn, AccountAssignmentCreationRequestId=req["RequestId"])["AccountAssignmentCreationStatus"]
    if st["Status"] != "IN_PROGRESS":
        break
    time.sleep(0.05)
check(st["Status"] == "SUCCEEDED", f"assignment {st}")
bad = sso_admin.create_account_assignment(InstanceArn=arn, TargetId="999999999999", TargetType="AWS_ACCOUNT",
                                          PermissionSetArn=ps, PrincipalType="GROUP", PrincipalId=devs)["AccountAssignmentCreationStatus"]
for _ in range(100):
    st = sso_admin.describe_account_assignment_creation_status(InstanceArn=arn, AccountAssignmentCreationRequestId=bad["RequestId"])["AccountAssignmentCreationStatus"]
    if st["Status"] != "IN_PROGRESS":
        break
    time.sleep(0.05)
check(st["Status"] == "FAILED" and st.get("FailureReason"), f"assignment to an unknown account {st}")
check(code_of(sso_admin.delete_permission_set, InstanceArn=arn, PermissionSetArn=ps) == "ConflictException", "delete assigned permission set")
prov = sso_admin.list_permission_sets_provisioned_to_account(InstanceArn=arn, AccountId="333333333333")["PermissionSets"]
check(prov == [ps], f"provisioned {prov}")

# sso-oidc device flow, then the portal.
oidc = s.client("sso-oidc")
c = oidc.register_client(clientName="boto3", clientType="public", scopes=["sso:account:access"])
d = oidc.start_device_authorization(clientId=c["clientId"], clientSecret=c["clientSecret"], startUrl=URL + "/start")
t = oidc.create_token(clientId=c["clientId"], clientSecret=c["clientSecret"], grantType="urn:ietf:params:oauth:grant-type:device_code", deviceCode=d["deviceCode"])
check(t["accessToken"] and t["refreshToken"], "token")
t2 = oidc.create_token(clientId=c["clientId"], clientSecret=c["clientSecret"], grantType="refresh_token", refreshToken=t["refreshToken"])
check(t2["refreshToken"] != t["refreshToken"], "refresh token rotates")
try:
    oidc.create_token(clientId=c["clientId"], clientSecret=c["clientSecret"], grantType="refresh_token", refreshToken=t["refreshToken"])
    check(False, "old refresh token still works")
except oidc.exceptions.InvalidGrantException:
    pass

portal = s.client("sso")
tok = t2["accessToken"]
accts = portal.list_accounts(accessToken=tok)["accountList"]
check([a["accountId"] for a in accts] == ["333333333333"], f"portal accounts {accts}")
creds = portal.get_role_credentials(accessToken=tok, accountId="333333333333", roleName="ReadOnly")["roleCredentials"]
check(creds["accessKeyId"].startswith("ASIA"), "ASIA key")
ms_left = creds["expiration"] - time.time() * 1000
check(3500_000 < ms_left <= 3600_000, f"expiration is epoch ms, one hour ahead: {ms_left}")
check(code_of(portal.get_role_credentials, accessToken=tok, accountId="111111111111", roleName="ReadOnly") == "ForbiddenException", "unassigned role")

# STS as the role, and console federation.
sts = boto3.client("sts", aws_access_key_id=creds["accessKeyId"], aws_secret_access_key=creds["secretAccessKey"], aws_session_token=creds["sessionToken"])
ident = sts.get_caller_identity()
check(re.fullmatch(r"arn:aws:sts::333333333333:assumed-role/AWSReservedSSO_ReadOnly_[0-9a-f]{16}/alice@example.com", ident["Arn"]), f"arn {ident}")
check(s.client("sts").get_access_key_info(AccessKeyId=creds["accessKeyId"])["Account"] == "333333333333", "get_access_key_info")
session = json.dumps({"sessionId": creds["accessKeyId"], "sessionKey": creds["secretAccessKey"], "sessionToken": creds["sessionToken"]})
with urllib.request.urlopen(URL + "/federation?" + urllib.parse.urlencode({"Action": "getSigninToken", "Session": session})) as resp:
    signin = json.load(resp)["SigninToken"]
check(signin, "signin token")
q = urllib.parse.urlencode({"Action": "login", "Issuer": "keyless", "Destination": "https://console.aws.amazon.com/", "SigninToken": signin})
with urllib.request.urlopen(URL + "/federation?" + q) as resp:
    page = resp.read().decode()
check("333333333333" in page, "console page names the account")

# A profile that reads the sso-session and the token cache, as the AWS CLI writes them.
cache = os.path.join(HOME, ".aws", "sso", "cache")
os.makedirs(cache, exist_ok=True)
name = hashlib.sha1(b"boto").hexdigest() + ".json"
exp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
with open(os.path.join(cache, name), "w") as f:
    json.dump({"startUrl": URL + "/start", "region": "us-east-1", "accessToken": tok, "expiresAt": exp,
               "clientId": c["clientId"], "clientSecret": c["clientSecret"], "registrationExpiresAt": exp,
               "refreshToken": t2["refreshToken"]}, f)
with open(os.environ["AWS_CONFIG_FILE"], "a") as f:
    f.write(f"[sso-session boto]\nsso_start_url = {URL}/start\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n\n"
            "[profile ro]\nsso_session = boto\nsso_account_id = 333333333333\nsso_role_name = ReadOnly\nregion = us-east-1\n")
for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
    os.environ.pop(k, None)
ident = boto3.session.Session(profile_name="ro").client("sts").get_caller_identity()
check(ident["Account"] == "333333333333" and "AWSReservedSSO_ReadOnly_" in ident["Arn"], f"profile ro {ident}")

# IAM: a user with every kind of credential; DeleteUser refuses until all are gone.
iam = s.client("iam", aws_access_key_id="AKIAIOSFODNN7EXAMPLE", aws_secret_access_key="x" * 40)
iam.create_user(UserName="old-admin")
k = iam.create_access_key(UserName="old-admin")["AccessKey"]
iam.create_login_profile(UserName="old-admin", Password="Corr3ct-Horse-Battery!")
iam.attach_user_policy(UserName="old-admin", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
iam.put_user_policy(UserName="old-admin", PolicyName="inline", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
check(code_of(iam.delete_user, UserName="old-admin") == "DeleteConflict", "DeleteConflict")
last = iam.get_access_key_last_used(AccessKeyId=k["AccessKeyId"])["AccessKeyLastUsed"]
check(last.get("ServiceName") == "N/A", f"never used key {last}")
iam.generate_credential_report()
for _ in range(50):
    try:
        rep = iam.get_credential_report()
        break
    except botocore.exceptions.ClientError:
        time.sleep(0.1)
rows = list(csv.reader(io.StringIO(rep["Content"].decode())))
check(len(rows[0]) == 22 and rows[1][0] == "<root_account>", f"credential report header {rows[:2]}")
check(any(r[0] == "old-admin" and r[3] == "true" and r[8] == "true" for r in rows[1:]), f"old-admin row {rows}")

iam.delete_access_key(UserName="old-admin", AccessKeyId=k["AccessKeyId"])
iam.delete_login_profile(UserName="old-admin")
iam.detach_user_policy(UserName="old-admin", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
iam.delete_user_policy(UserName="old-admin", PolicyName="inline")
iam.delete_user(UserName="old-admin")
check(iam.list_users()["Users"] == [], "user deleted")

portal.logout(accessToken=tok)
check(code_of(portal.list_accounts, accessToken=tok) == "UnauthorizedException", "logout")
print("boto3 suite: ok")
